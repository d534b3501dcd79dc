"""The one English stopword list, shared by search, chat citations and the studio, and what key phrases add to it.

`STOPWORDS` is what every word-level analysis drops: function words, the filler of a question or request, and the
pieces of abbreviations. Key phrases are stricter (`PHRASE_STOPWORDS`): a vague verb or a word for a part of a
document ("section", "returns", "value") breaks a phrase, but search keeps those words, because a question such as
"what does it return?" is about them (adding them to the search list loses 0.036 fused hit@5 in bench/retrieval.py).
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = _words(
    """
    a about above according across actually after again against all almost already also although always am among
    an and another any anyway are aren around as at be because been before being below between both but by can
    cannot clearly could couldn did didn do does doesn doing don down during each either else enough even ever
    every few for from further generally get gets got had hadn has hasn have haven having he her here hers
    herself him himself his how however i if in instead into is isn it its itself just let likely ll mainly may
    me might more most must mustn my myself needn neither no nor not now of off often on once only onto or other
    others otherwise ought our ours ourselves out over own perhaps quite rather re really regardless
    respectively s same several shall shan she should shouldn simply since so some sometimes still such t than
    that the their theirs them themselves then there therefore these they this those though through thus to too
    toward towards under until up upon us usually various ve very via was wasn we were weren what whatever when
    whenever where whereas wherever whether which while who whoever whom whose why will with within without won
    would wouldn yes yet you your yours yourself yourselves

    anybody anyone anything describe explain happen happened happens know knows need needs please somebody
    someone something tell thing things want wanted wants way ways wish

    e e.g eg etc g i.e ie
    """
)

# Vague verbs and adverbs that make a "phrase" read like a sentence fragment, and the furniture of documents and
# addresses (section, page, http) that is never a topic.
PHRASE_STOPWORDS = STOPWORDS | _words(
    """
    able allows became become becomes called certain chapter checks com contain containing contains creates
    defines described describes different done example figure first following found general given gives go goes
    going holds htm html http https include includes including indicates keep known last later least less lets
    like made make makes many mean means much new next non note notes old one org page particular per possible
    previous provide provided provides put reads refer refers regarding represents requires return returns said
    say says second section see seen set show shown shows specifies stores supports sure table take taken takes
    tells third tries use used uses using value well whole writes www
    """
)
