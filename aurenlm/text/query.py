"""Text analysis shared by the full-text index and the questions asked of it: terms, stemming, identifier splitting.

Documents and questions go through the same `terms()` so that a word matches however it is inflected, and an
identifier such as `asn1_create_element` matches both as a whole and by its parts.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

from aurenlm.text.stopwords import STOPWORDS

# A word, or an identifier joined by _ . - / : (asn1_create_element, text/plain, python3.11, dh-python).
# Apostrophes are left out on purpose: "don't" splits into don + t and both parts are dropped as stopwords.
_TOKEN = re.compile(r'[^\W_]+(?:[_.\-/:]+[^\W_]+)*')
_JOINERS = re.compile(r'[_.\-/:]+')
# camelCase and ACRONYMWord boundaries: getElementById -> get Element By Id, X509Certificate -> X509 Certificate
_CAMEL = re.compile(r'(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])')
# Snowball's 'porter' (Porter's 1980 rules) rather than 'english' (Porter2): on bench/retrieval.py both keep fused
# hit@5 at 0.901, 'english' ranks one answer fewer first by BM25 alone. Changing it changes every index term; the
# in-memory indexes are built per process, and the durable FTS5/tsvector indexes stem on their own.
STEMMER = 'porter'

# The opening words of a question or request carry no topic; left in, they pull a mean-pooled embedding towards every
# other question-shaped text instead of towards the passage that answers it.
_QUESTION_OPENING = re.compile(
    r"""^\s*(?:
        (?:please\s+)?(?:can|could|would|will)\s+(?:you|i|we|one)\s+(?:please\s+)?
            (?:tell\s+me|explain|describe|show\s+me|summari[sz]e|list)?
        | (?:please\s+)?(?:tell\s+me|explain|describe|show\s+me|summari[sz]e)
        | i\s+(?:want|would\s+like|need)\s+to\s+(?:know|understand|find\s+out)
        | (?:do|does|did)\s+(?:you|anyone)\s+know
        | is\s+there\s+(?:a|any)\s+(?:way|option|means)\s+to
        | (?:what|which|who|whom|whose|when|where|why|how)(?:\s+(?:much|many|long|often|exactly))?
            (?:\s+(?:is|are|was|were|do|does|did|can|could|should|would|will|has|have|had|must|might))?
            (?:\s+(?:i|we|you|one|they|it|there|the|a|an))?
    )\b[\s,:]*""",
    re.IGNORECASE | re.VERBOSE,
)


# Synonyms count for less than the question's own words: they are guesses, and a passage that has the user's words is
# more likely the one meant. Two per word keep a long question from drifting.
RELATED_WEIGHT = 0.5
RELATED_PER_WORD = 2
_WORD = re.compile(r'[A-Za-z]+')

RelatedWords = Callable[[list[str]], dict[str, list[tuple[str, float]]]]


@dataclass(frozen=True)
class PreparedQuery:
    """A question ready for both retrievers: `terms` for full text, `embed_text` for the embedding model."""

    text: str
    terms: list[str]
    embed_text: str
    # related terms (synonyms found by the embedding model) with weights below 1, matched in full text as well
    expansions: tuple[tuple[str, float], ...] = ()
    # for each expansion, the question term it stands in for: full text scores a term and its stand-ins as one
    # concept, so a passage that uses two words for one idea does not outscore one that covers two ideas
    expands: tuple[str, ...] = ()

    def concepts(self) -> list[list[tuple[str, float]]]:
        """The question's terms, each with its weighted stand-ins: [[(term, 1.0), (synonym, 0.4)], ...]."""
        groups: dict[str, list[tuple[str, float]]] = {term: [(term, 1.0)] for term in self.terms}
        if len(self.expands) != len(self.expansions):  # built by hand without groups: each term its own concept
            return [*groups.values(), *([pair] for pair in self.expansions)]
        for (term, weight), head in zip(self.expansions, self.expands, strict=True):
            groups.setdefault(head, []).append((term, weight))
        return list(groups.values())


def prepare(question: str, related: RelatedWords | None = None) -> PreparedQuery:
    """Terms and embedding text of a question; with `related` (embeddings.related_words), synonyms of its words too."""
    embed_text = expand_identifiers(strip_question_words(question)) or question
    # unique terms, first occurrence first: repeating a word in a question should not double its weight
    question_terms = list(dict.fromkeys(terms(question)))
    expansions: dict[str, tuple[float, str]] = {}  # term -> (weight, the question term it stands in for)
    if related is not None:
        words = [w for w in _WORD.findall(question) if len(w) >= 3 and w.lower() not in STOPWORDS]
        for word, neighbours in related(words).items():
            own = _term(word)
            if own is None:
                continue
            added = 0
            for neighbour, similarity in neighbours:
                term = _term(neighbour)
                # an inflection of the word itself (fail -> fails) adds nothing; the stem already matches it
                if term is None or term == own or term in question_terms or added == RELATED_PER_WORD:
                    continue
                weight = RELATED_WEIGHT * similarity
                if weight > expansions.get(term, (0.0, ''))[0]:
                    expansions[term] = (weight, own)
                added += 1
    return PreparedQuery(
        question,
        question_terms,
        embed_text,
        tuple((term, weight) for term, (weight, _) in expansions.items()),
        tuple(head for _, head in expansions.values()),
    )


def strip_question_words(question: str) -> str:
    """'How does libtasn1 parse DER?' -> 'libtasn1 parse DER'. Leaves the question alone if nothing would remain."""
    stripped = _QUESTION_OPENING.sub('', question, count=1).strip().rstrip('?!. ').strip()
    return stripped or question.strip()


def expand_identifiers(text: str) -> str:
    """Spell identifiers as words for the embedding model: asn1_create_element -> asn1 create element."""
    return _TOKEN.sub(lambda m: ' '.join(_identifier_parts(m.group())) if _is_compound(m.group()) else m.group(), text)


def terms(text: str) -> list[str]:
    """Index terms of a text: lowercased, stopwords dropped, words stemmed, identifiers kept whole and split."""
    out: list[str] = []
    for token in _TOKEN.findall(text):
        out.extend(_token_terms(token))
    return out


@lru_cache(maxsize=200_000)
def _token_terms(token: str) -> tuple[str, ...]:
    # cached per surface form: word frequencies are Zipfian, so a small cache answers almost every lookup
    if not _is_compound(token):
        t = _term(token)
        return (t,) if t else ()
    whole = token.lower()
    # a whole identifier is rare and specific, so an exact mention outranks a passage that merely has its parts
    head = (whole,) if len(whole) > 1 and whole not in STOPWORDS else ()
    return head + tuple(t for t in (_term(p) for p in _identifier_parts(token)) if t)


def _is_compound(token: str) -> bool:
    return bool(_JOINERS.search(token)) or (not token.isupper() and not token.islower() and bool(_CAMEL.search(token)))


def _identifier_parts(token: str) -> list[str]:
    return [part for piece in _JOINERS.split(token) for part in _CAMEL.split(piece) if part]


@lru_cache(maxsize=200_000)
def _term(word: str) -> str | None:
    word = word.lower()
    if word in STOPWORDS:
        return None
    if word.isdigit():
        return word
    if len(word) < 2:
        return None
    if not word.isascii() or not word.isalpha():
        return word  # version strings, codes, other scripts: stemming rules for English do not apply
    return stem(word)


# Snowball's C stemmers keep per-call buffers, so one instance must not serve two threads at once (indexes are built
# in worker threads while questions are prepared): one stemmer per thread.
_stemmers = threading.local()


def stem(word: str) -> str:
    """Porter stem of a lowercase word (Snowball's C implementation): connection, connected, connecting -> connect."""
    stemmer = getattr(_stemmers, 'stemmer', None)
    if stemmer is None:
        stemmer = _stemmers.stemmer = Stemmer.Stemmer(STEMMER)
        stemmer.maxCacheSize = 0  # `_term` already caches per surface form
    return stemmer.stemWord(word)
