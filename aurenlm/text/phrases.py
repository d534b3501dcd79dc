"""Key phrases: a cheap noun-phrase chunker and TF-IDF over documents, for topics, flashcards and quiz blanks.

Everything here is deterministic, so the same sources always give the same phrases.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from aurenlm.text.stopwords import PHRASE_STOPWORDS

# A word, or words joined by - _ . or an apostrophe (X.509, don't, asn1_create_element)
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[-_.'’][A-Za-z0-9]+)*")
_URL = re.compile(r'\b(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)\S+|\S+@\S+\.\w+', re.I)


def _phrase_tokens(text: str) -> list[list[str]]:
    """Runs of candidate words, broken at stopwords, numbers and punctuation (a cheap noun-phrase chunker)."""
    runs: list[list[str]] = []
    current: list[str] = []
    last_end = -1
    for match in _TOKEN.finditer(text):
        token = match.group(0).rstrip('.')
        gap = text[last_end : match.start()] if last_end >= 0 else ' '
        lower = token.lower()
        bad = (
            lower in PHRASE_STOPWORDS
            or len(token) < 2
            or "'" in token
            or '’' in token
            or lower.endswith('ly')
            and len(lower) > 4
        )
        if bad or gap.strip() or len(current) >= 6:
            if current:
                runs.append(current)
            current = []
        if not bad:
            current.append(token)
        last_end = match.end()
    if current:
        runs.append(current)
    return runs


def phrase_forms(text: str, max_len: int = 3) -> Counter[str]:
    """Count candidate phrases (1..max_len words) as spelled in the text."""
    forms: Counter[str] = Counter()
    # addresses are not topics, and their pieces ("https", "org") would outrank real phrases
    for run in _phrase_tokens(_URL.sub(' . ', text)):
        for n in range(1, min(max_len, len(run)) + 1):
            for i in range(len(run) - n + 1):
                gram = run[i : i + n]
                if n == 1 and len(gram[0]) < 3:
                    continue
                if gram[-1].islower() and gram[-1].endswith('ed') and len(gram[-1]) > 4:
                    continue  # "element deleted", "documents released": a clause, not a name
                forms[' '.join(gram)] += 1
    return forms


def phrase_counts(text: str, max_len: int = 3) -> Counter[str]:
    """Count candidate phrases by lower-cased key."""
    counts: Counter[str] = Counter()
    for form, n in phrase_forms(text, max_len).items():
        counts[form.lower()] += n
    return counts


class PhraseIndex:
    """Candidate phrases per document (chunk), scored by TF-IDF over any subset of the documents."""

    def __init__(self, docs: Sequence[str]) -> None:
        self.per_doc: list[Counter[str]] = []
        self.df: Counter[str] = Counter()
        self.total: Counter[str] = Counter()
        all_forms: Counter[str] = Counter()
        for doc in docs:
            forms = phrase_forms(doc)
            all_forms.update(forms)
            counts: Counter[str] = Counter()
            for form, n in forms.items():
                counts[form.lower()] += n
            self.per_doc.append(counts)
            self.df.update(counts.keys())
            self.total.update(counts)
        # the most common spelling of each phrase is how it is shown (ties broken alphabetically, for determinism)
        self._display: dict[str, str] = {}
        for form, _count in sorted(all_forms.items(), key=lambda kv: (-kv[1], kv[0])):
            self._display.setdefault(form.lower(), form)
        self.n_docs = max(1, len(docs))

    def idf(self, key: str) -> float:
        return math.log((self.n_docs + 1) / (self.df[key] + 1)) + 1.0

    def display(self, key: str) -> str:
        return self._display.get(key, key)

    def scores(self, doc_ids: Iterable[int] | None = None, min_total: int = 2) -> dict[str, float]:
        """TF-IDF of every phrase over the given documents; phrases seen fewer than `min_total` times are noise."""
        if doc_ids is None:
            tf = self.total
        else:
            tf = Counter()
            for i in doc_ids:
                tf.update(self.per_doc[i])
        scored = {}
        for key, count in tf.items():
            if self.total[key] < min_total:
                continue
            n = key.count(' ') + 1
            # longer phrases are rarer but more telling; a modest boost keeps unigrams from crowding them out
            boost = (1.0, 1.6, 1.9)[min(n, 3) - 1]
            if n == 1 and self.display(key).isalpha() and self.display(key).islower():
                boost = 0.8  # a plain lower-case word is more often an adjective or a verb than a topic
            scored[key] = (1.0 + math.log(count)) * self.idf(key) * boost
        return scored

    def top(
        self, doc_ids: Iterable[int] | None = None, k: int = 10, exclude: Iterable[str] = (), min_total: int = 2
    ) -> list[str]:
        """The k best phrases over the documents, skipping ones that overlap a better phrase (display forms)."""
        scored = self.scores(doc_ids, min_total=min_total)
        if not scored and min_total > 1:
            scored = self.scores(doc_ids, min_total=1)
        excluded = [{t.lower().rstrip('.') for t in _TOKEN.findall(e)} for e in exclude]
        chosen: list[str] = []
        chosen_sets: list[set[str]] = []
        for key, _score in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0])):
            tokens = set(key.split())
            if any(tokens <= s or s <= tokens for s in chosen_sets):
                continue
            if any(tokens <= e for e in excluded if e):
                continue
            chosen.append(self.display(key))
            chosen_sets.append(tokens)
            if len(chosen) >= k:
                break
        return chosen


def key_phrases(docs: Sequence[str], k: int = 10) -> list[str]:
    """The k most characteristic phrases of a set of documents (TF-IDF across the documents)."""
    return PhraseIndex(docs).top(k=k)
