"""Offline quiz: key sentences with a key phrase blanked out; the other options are look-alike phrases from the sources.

Difficulty picks which phrase is blanked (frequent ones for easy, rare specific ones for hard) and how close the
distractors are to the answer (far for easy, near neighbours in spelling and topic for hard).
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass
from functools import lru_cache

from aurenlm.studio import patterns
from aurenlm.studio.corpus import Corpus, Sentence
from aurenlm.studio.options import StudioError
from aurenlm.studio.schemas import Question, Quiz
from aurenlm.text import phrases
from aurenlm.text import sentences as textutil

POOL_SIZE = 400
BLANK = '_____'


@dataclass(frozen=True)
class Phrase:
    key: str
    form: str
    score: float
    df: int
    total: int
    chunks: frozenset[int]

    @property
    def n_words(self) -> int:
        return self.key.count(' ') + 1

    @property
    def shape(self) -> str:
        """A rough type, so distractors look like the answer: identifiers, acronyms, names, plain words."""
        form = self.form
        if '_' in form or re.search(r'[a-z][A-Z]|\d', form):
            return 'code'
        letters = form.replace(' ', '').replace('.', '').replace('-', '')
        if letters.isupper():
            return 'acronym'
        return 'proper' if form[:1].isupper() else 'plain'


def phrase_pool(corpus: Corpus, size: int = POOL_SIZE) -> dict[str, Phrase]:
    """The selection's best key phrases: answer candidates and the distractor supply."""
    index = corpus.phrases
    scores = index.scores()
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:size]
    keys = {key for key, _ in best}
    chunks: dict[str, set[int]] = {key: set() for key in keys}
    for i, counts in enumerate(index.per_doc):
        for key in keys.intersection(counts):
            chunks[key].add(i)
    pool = {}
    for key, score in best:
        form = index.display(key)
        if len(form) < 3 or not any(ch.isalpha() for ch in form):
            continue
        pool[key] = Phrase(key, form, score, index.df[key], index.total[key], frozenset(chunks[key]))
    return pool


@lru_cache(maxsize=4096)
def _pattern(key: str, inflected: bool = False) -> re.Pattern[str]:
    words = r'\s+'.join(re.escape(token) for token in key.split())
    return re.compile(r'(?<![\w.])' + words + (r'\w*' if inflected else r'(?!\w)'), re.I)


def _answer_for(sentence: Sentence, pool: dict[str, Phrase], difficulty: str, used: set[str]) -> Phrase | None:
    counts = phrases.phrase_counts(sentence.text)
    found = [pool[key] for key in counts if key in pool and key not in used]
    n_words = len(sentence.text.split())
    found = [p for p in found if p.n_words <= max(1, n_words // 3)]  # leave enough sentence to answer from
    if not found:
        return None
    if difficulty == 'easy':
        return min(found, key=lambda p: (-p.total, -p.score, p.key))
    if difficulty == 'hard':
        return min(found, key=lambda p: (p.df, -p.n_words, -p.score, p.key))
    return min(found, key=lambda p: (-p.score, p.key))


@lru_cache(maxsize=4096)
def _trigrams(text: str) -> frozenset[str]:
    text = f' {text.lower()} '
    return frozenset(text[i : i + 3] for i in range(len(text) - 2))


def _closeness(a: Phrase, b: Phrase) -> float:
    """How easily b is mistaken for a: similar spelling, appearing in the same chunks, same length."""
    ta, tb = _trigrams(a.form), _trigrams(b.form)
    spelling = len(ta & tb) / max(1, len(ta | tb))
    topic = len(a.chunks & b.chunks) / max(1, len(a.chunks | b.chunks))
    return 0.5 * spelling + 0.3 * topic + 0.2 * (a.n_words == b.n_words)


def _overlaps(a: Phrase, b: Phrase) -> bool:
    ta = {t.rstrip('s') for t in a.key.split()}
    tb = {t.rstrip('s') for t in b.key.split()}
    return ta <= tb or tb <= ta


def distractors(answer: Phrase, sentence: str, pool: dict[str, Phrase], difficulty: str) -> list[str]:
    """Three phrases of the answer's type and length, never equal to it or to each other."""
    # a phrase that is already in the sentence is no candidate for its blank
    present = phrases.phrase_counts(sentence)
    others = [p for p in pool.values() if not _overlaps(p, answer) and p.key not in present]
    length = len(answer.form)
    similar = [
        p
        for p in others
        if p.shape == answer.shape and abs(p.n_words - answer.n_words) <= 1 and 0.5 <= len(p.form) / length <= 2.0
    ]
    for candidates in (similar, [p for p in others if 0.4 <= len(p.form) / length <= 2.5], others):
        ranked = sorted(candidates, key=lambda p: (-_closeness(answer, p), p.key))
        if difficulty == 'easy':
            ranked.reverse()
        elif difficulty == 'normal':
            ranked = ranked[len(ranked) // 3 :] + ranked[: len(ranked) // 3]  # middling: neither twins nor strangers
        picked: list[Phrase] = []
        for p in ranked:
            if not any(_overlaps(p, q) for q in picked):
                picked.append(p)
            if len(picked) == 3:
                return [p.form for p in picked]
    return []


def _match_case(option: str, answer: str) -> str:
    # a lone capitalised option among lower-case ones would give the answer away
    if answer[:1].islower() and option[:1].isupper() and option[1:2].islower():
        return option[:1].lower() + option[1:]
    return option


def make_question(
    corpus: Corpus, sentence: Sentence, answer: Phrase, pool: dict[str, Phrase], difficulty: str
) -> Question | None:
    clean = sentence.clean
    pattern = _pattern(answer.key)
    first = pattern.search(clean)
    if not first or len(_pattern(answer.key, inflected=True).findall(clean)) != len(pattern.findall(clean)):
        return None  # "MIME types" left next to a "MIME type" blank would give the answer away
    correct = first.group(0)
    cloze = pattern.sub(BLANK, clean)
    is_term = patterns.find_definition(clean) is not None and first.start() < len(clean) // 4
    prompt = 'Which term completes this definition?' if is_term else 'Fill in the blank:'
    question = f'{prompt} {cloze}'
    wrong = distractors(answer, clean, pool, difficulty)
    options = [correct, *(_match_case(option, correct) for option in wrong)]
    if len(wrong) < 3 or len({o.lower() for o in options}) < 4:
        return None
    rng = random.Random(hashlib.sha256(question.encode('utf-8')).digest())  # same question, same order
    order = list(range(4))
    rng.shuffle(order)
    return Question(
        id='q' + hashlib.sha1(question.encode('utf-8')).hexdigest()[:10],
        question=question,
        options=[options[i] for i in order],
        correct_index=order.index(0),
        explanation=clean,
        citation=corpus.cite(sentence),
    )


def _ranked_by_source(corpus: Corpus) -> list[list[Sentence]]:
    per_source: list[list[Sentence]] = [[] for _ in corpus.sources]
    for sentence in corpus.sentences:
        per_source[sentence.source].append(sentence)
    for sentences in per_source:
        # central sentences first; definitions make the fairest questions
        sentences.sort(
            key=lambda s: (
                -(float(corpus.centrality[s.index]) + 0.15 * bool(patterns.find_definition(s.text))),
                s.index,
            )
        )
    return per_source


def offline_quiz(corpus: Corpus, count: int, difficulty: str) -> Quiz:
    """Up to `count` questions, taken in turn from every source, one per chunk before any chunk gets a second."""
    pool = phrase_pool(corpus)
    queues = _ranked_by_source(corpus)
    questions: list[Question] = []
    used_answers: set[str] = set()
    used_sentences: set[int] = set()
    used_bags: list[set[str]] = []
    for one_per_chunk in (True, False):
        used_chunks: set[int] = set()
        positions = [0] * len(queues)
        while len(questions) < count and any(pos < len(q) for pos, q in zip(positions, queues, strict=True)):
            for si, queue in enumerate(queues):
                while positions[si] < len(queue) and len(questions) < count:
                    sentence = queue[positions[si]]
                    positions[si] += 1
                    if sentence.index in used_sentences or (one_per_chunk and sentence.chunk in used_chunks):
                        continue
                    bag = set(textutil.content_words(sentence.text))
                    if any(len(bag & other) / max(1, len(bag | other)) > 0.6 for other in used_bags):
                        continue  # manuals repeat themselves; two questions on one sentence feel broken
                    answer = _answer_for(sentence, pool, difficulty, used_answers)
                    question = make_question(corpus, sentence, answer, pool, difficulty) if answer else None
                    if question is None or any(q.id == question.id for q in questions):
                        continue
                    questions.append(question)
                    used_answers.add(answer.key)
                    used_sentences.add(sentence.index)
                    used_bags.append(bag)
                    used_chunks.add(sentence.chunk)
                    break  # next source's turn
        if len(questions) >= count:
            break
    if not questions:
        raise StudioError('The selected sources have too little prose for a quiz. Select more sources or add text.')
    return Quiz(questions=questions)
