"""Generated text for the benchmarks: English-like prose from a word-level Markov chain trained on tests/data.

The chain is trained on the text of the real documents in tests/data (licences, packaging policy, library manuals),
so sentences have real words, real word frequencies and punctuation; each generated "source" also gets its own topic
words (whole English words from wordllama's vocabulary) sprinkled in, so that sources differ the way real documents
do and a question can name terms that only some of them contain. Deterministic for a given seed.
"""

from __future__ import annotations

import json
import random
import re
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / 'tests' / 'data'
TRAINING = ['gpl-3.txt', 'python-policy.html', 'libtasn1.pdf', 'shared-mime-info-spec.pdf']
_TOKEN = re.compile(r"^[A-Za-z0-9(\"'][A-Za-z0-9'\"(),.;:!?/_-]{0,24}$")
_ENDS = ('.', '!', '?')
_LOWER = {'a', 'an', 'and', 'as', 'at', 'by', 'for', 'from', 'in', 'of', 'on', 'or', 'the', 'to', 'with'}


@lru_cache(maxsize=1)
def _training_tokens() -> tuple[str, ...]:
    from aurenlm.ingest.extract import extract
    from aurenlm.ingest.sniff import detect_kind

    tokens: list[str] = []
    for name in TRAINING:
        path = DATA / name
        text = extract(path, detect_kind(path)).text
        tokens += [t for t in text.split() if _TOKEN.match(t)]
    return tuple(tokens)


@lru_cache(maxsize=1)
def topic_lexicon() -> tuple[str, ...]:
    """Whole English words (6+ letters) from wordllama's tokenizer: candidates for per-source topic words."""
    import wordllama

    folder = Path(wordllama.__file__).parent / 'tokenizers'
    vocab = json.loads(next(folder.glob('*tokenizer_config.json')).read_text())['model']['vocab']
    words = sorted(
        (i, t[1:]) for t, i in vocab.items() if t.startswith('\u2581') and t[1:].isascii() and t[1:].isalpha()
    )
    return tuple(w for _, w in words if w.islower() and len(w) >= 6)


@lru_cache(maxsize=1)
def _chain() -> tuple[dict[str, list[str]], list[str], list[str]]:
    """The Markov chain (word -> words seen after it), sentence openers, and longer words used in titles."""
    tokens = _training_tokens()
    successors: dict[str, list[str]] = {}
    for a, b in zip(tokens, tokens[1:], strict=False):
        successors.setdefault(a, []).append(b)
    starts = [b for a, b in zip(tokens, tokens[1:], strict=False) if a.endswith(_ENDS) and b[:1].isupper()]
    nouns = sorted({t.lower() for t in tokens if t.isalpha() and len(t) >= 6})
    return successors, starts, nouns


class TextGen:
    """Sentences, paragraphs, headings and pages of generated prose."""

    def __init__(self, seed: int = 0, topic_words: int = 150, topic_rate: float = 0.04) -> None:
        self.rng = random.Random(seed)
        self.successors, self.starts, self.nouns = _chain()
        lexicon = topic_lexicon()
        self.topics = self.rng.sample(lexicon, min(topic_words, len(lexicon)))
        self.topic_rate = topic_rate

    def sentence(self, max_words: int = 36) -> str:
        rng, successors, topics, rate = self.rng, self.successors, self.topics, self.topic_rate
        word = rng.choice(self.starts)
        out = [word]
        while len(out) < max_words:
            if rng.random() < rate:
                out.append(rng.choice(topics))
            following = successors.get(word)
            if not following:
                break
            word = rng.choice(following)
            out.append(word)
            if word.endswith(_ENDS) and len(out) >= 6:
                return ' '.join(out)
        text = ' '.join(out).rstrip(',;:')
        return text if text.endswith(_ENDS) else text + '.'

    def paragraph(self, sentences: int | None = None) -> str:
        return ' '.join(self.sentence() for _ in range(sentences or self.rng.randint(3, 6)))

    def title(self) -> str:
        words = [self.rng.choice(self.nouns if self.rng.random() < 0.7 else self.topics)]
        for _ in range(self.rng.randint(1, 4)):
            words.append(self.rng.choice(['and', 'of', 'for', 'in'] if self.rng.random() < 0.3 else self.nouns))
        if words[-1] in _LOWER:
            words.append(self.rng.choice(self.topics))
        return ' '.join(w if w in _LOWER else w.capitalize() for w in words)

    def words_page(self, words: int) -> list[str]:
        """Paragraphs (as strings) that together hold about `words` words."""
        paragraphs, count = [], 0
        while count < words:
            paragraph = self.paragraph()
            paragraphs.append(paragraph)
            count += len(paragraph.split())
        return paragraphs

    def code_block(self) -> str:
        names = [self.rng.choice(self.nouns) for _ in range(4)]
        return '\n'.join(
            [
                f'int {names[0]}_{names[1]}(struct {names[2]} *ctx, size_t len)',
                '{',
                f'    if (ctx->{names[3]} == NULL)',
                '        return -EINVAL;',
                f'    return {names[1]}_update(ctx, len);',
                '}',
            ]
        )
