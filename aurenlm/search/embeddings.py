"""Text embeddings: wordllama offline (weights ship in the wheel, no network), or a provider's model with a key.

Vectors are float32 and L2-normalised, so a dot product is the cosine similarity. Query vectors are cached on disk
by model and text; chunk vectors are stored with their chunks (`to_blob` / `from_blob`).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from aurenlm.config import get_settings
from aurenlm.llm import cache
from aurenlm.text.query import expand_identifiers
from aurenlm.text.stopwords import STOPWORDS

if TYPE_CHECKING:
    from wordllama.inference import WordLlamaInference

OFFLINE_MODEL = 'wordllama-l2-supercat-256'
OFFLINE_DIM = 256
_WORDLLAMA_CONFIG = 'l2_supercat'
# embedding a chunk longer than this costs time and dilutes a mean-pooled vector; the head of a chunk says enough
MAX_EMBED_CHARS = 4000
_QUERY_CACHE_TTL_S = 30 * 24 * 3600
_QUERY_TAG = 'qvec'


class Embedder(Protocol):
    """A remote embedding model, such as an LLM provider: one vector per text, in order."""

    async def embed(self, texts: list[str]) -> list[list[float]]: ...


_model_lock = threading.Lock()
_model: WordLlamaInference | None = None
_lexicon_lock = threading.Lock()
_lexicon: tuple[list[str], np.ndarray] | None = None
_related_lock = threading.Lock()
_related_cache: OrderedDict[tuple[str, float, int], list[tuple[str, float]]] = OrderedDict()
_RELATED_CACHE_SIZE = 50_000  # words; a few hundred bytes each


def _wordllama_dir() -> Path:
    return get_settings().cache_dir / 'wordllama'


def _prepare_offline_files(cache_dir: Path) -> None:
    """Put the wheel's tokenizer where wordllama's loader looks for it.

    The loader checks `<package>/tokenizer/<file>` and then `<cache_dir>/tokenizers/<file>`, but the wheel ships the
    file in `<package>/tokenizers/`, so without this copy it would try Hugging Face. The weights are found in the
    package itself.
    """
    import wordllama
    from wordllama import WordLlama

    filename = getattr(WordLlama._wordllama, _WORDLLAMA_CONFIG).tokenizer_config
    target = cache_dir / 'tokenizers' / filename
    if target.exists():
        return
    source = Path(wordllama.__file__).parent / 'tokenizers' / filename
    target.parent.mkdir(parents=True, exist_ok=True)
    # copy then rename: another process loading at the same time never sees half a file
    partial = target.with_suffix(f'.{os.getpid()}.{threading.get_ident()}.part')
    shutil.copyfile(source, partial)
    partial.replace(target)


def offline_model() -> WordLlamaInference:
    """The wordllama model, loaded once per process on first use (about 0.2 s, 16 MB of weights)."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                from wordllama import WordLlama

                cache_dir = _wordllama_dir()
                _prepare_offline_files(cache_dir)
                _model = WordLlama.load(
                    config=_WORDLLAMA_CONFIG, dim=OFFLINE_DIM, cache_dir=cache_dir, disable_download=True
                )
    return _model


def normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; an all-zero row (empty text) stays zero instead of becoming NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)


def embed_texts(texts: Sequence[str]) -> np.ndarray:
    """Offline vectors, shape (len(texts), 256), float32, unit length. CPU-bound: run it off the event loop."""
    if not texts:
        return np.zeros((0, OFFLINE_DIM), dtype=np.float32)
    clipped = [expand_identifiers(t[:MAX_EMBED_CHARS]) for t in texts]
    # wordllama pads each batch to its longest text, so similar lengths together waste less work
    order = sorted(range(len(clipped)), key=lambda i: len(clipped[i]))
    vectors = offline_model().embed([clipped[i] for i in order], norm=False, batch_size=64)
    out = np.empty_like(vectors)
    out[order] = vectors
    return normalise(out)


def _word_lexicon() -> tuple[list[str], np.ndarray]:
    """English words that are single tokens of the model, with their unit vectors: the candidates for synonyms.

    Whole-word tokens only: their vectors are trained as words, where a rare word split into pieces ("li" +
    "ability") would match whatever else starts with "li".
    """
    global _lexicon
    if _lexicon is None:
        with _lexicon_lock:
            if _lexicon is None:
                model = offline_model()
                ids, words = [], []
                for token, token_id in model.tokenizer.get_vocab().items():
                    word = token[1:]
                    # four letters at least: shorter tokens are mostly abbreviations (lic, txt) that match noise
                    whole_word = token.startswith('\u2581') and word.isascii() and word.isalpha() and word.islower()
                    if whole_word and len(word) >= 4 and word not in STOPWORDS:
                        ids.append(token_id)
                        words.append(word)
                _lexicon = words, normalise(model.embedding[np.array(ids, dtype=np.int64)])
    return _lexicon


def related_words(words: list[str], min_similarity: float = 0.6, limit: int = 4) -> dict[str, list[tuple[str, float]]]:
    """Up to `limit` close neighbours of each word, best first (remarks -> comments, folder -> directory).

    Used to widen a question's full-text terms (query.prepare); `min_similarity` keeps out mere relatives
    (cheap -> expensive). Words without a neighbour that close are left out of the result. Answers are remembered
    per word (a few milliseconds each to find, and questions reuse their words).
    """
    words = [w for w in dict.fromkeys(w.lower() for w in words) if w.isalpha()]
    if not words:
        return {}
    key = (min_similarity, limit)
    with _related_lock:
        known = {w: _related_cache[(w, *key)] for w in words if (w, *key) in _related_cache}
    missing = [w for w in words if w not in known]
    if missing:
        lexicon, vectors = _word_lexicon()
        sims = embed_texts(missing) @ vectors.T
        for word, row in zip(missing, sims, strict=True):
            best = np.argpartition(row, -(limit + 1))[-(limit + 1) :]  # one more: the word itself may be among them
            found = [
                (lexicon[i], float(row[i]))
                for i in best[np.argsort(-row[best])]
                if row[i] >= min_similarity and lexicon[i] != word
            ]
            known[word] = found[:limit]
        with _related_lock:
            for word in missing:
                _related_cache[(word, *key)] = known[word]
            while len(_related_cache) > _RELATED_CACHE_SIZE:
                _related_cache.popitem(last=False)
    return {word: known[word] for word in words if known[word]}


def passage_text(heading: str, text: str) -> str:
    """What a chunk is embedded as: its heading path gives a short passage the context of its section."""
    return f'{heading}\n{text}' if heading else text


def to_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype='<f4').tobytes()


def from_blob(blob: bytes, dim: int) -> np.ndarray:
    vector = np.frombuffer(blob, dtype='<f4')
    if vector.shape != (dim,):
        raise ValueError(f'embedding blob holds {vector.size} values, expected {dim}: re-embed the source')
    return vector.astype(np.float32)


def _cache_key(model: str, text: str) -> str:
    return f'{_QUERY_TAG}:' + hashlib.sha256(f'{model}\0{text}'.encode()).hexdigest()


def cached_query_vector(model: str, text: str) -> np.ndarray | None:
    blob = cache.shared().get(_cache_key(model, text))
    return np.frombuffer(blob, dtype='<f4').astype(np.float32) if isinstance(blob, bytes) else None


def store_query_vector(model: str, text: str, vector: np.ndarray) -> None:
    cache.shared().set(_cache_key(model, text), to_blob(vector), expire=_QUERY_CACHE_TTL_S, tag=_QUERY_TAG)


def forget_query_vectors() -> None:
    """Drop every cached question vector (benchmarks that want each question to be new)."""
    cache.shared().evict(_QUERY_TAG)


def embed_query(text: str) -> np.ndarray:
    """The offline vector of a question, from the disk cache when it was asked before.

    Give it `query.prepare(question).embed_text`: the question without its opening words ("how do I"), which would
    otherwise pull the vector towards every question-shaped passage.
    """
    vector = cached_query_vector(OFFLINE_MODEL, text)
    if vector is None:
        vector = embed_texts([text])[0]
        store_query_vector(OFFLINE_MODEL, text, vector)
    return vector


async def embed_query_async(text: str, model: str = OFFLINE_MODEL, embedder: Embedder | None = None) -> np.ndarray:
    """A question's vector for `model`: cached, else offline in a worker thread, else from `embedder`.

    The model name is part of the cache key, so `embedder` must be the one that serves `model`.
    """
    vector = cached_query_vector(model, text)
    if vector is not None:
        return vector
    if model == OFFLINE_MODEL:
        vector = (await asyncio.to_thread(embed_texts, [text]))[0]
    elif embedder is None:
        raise ValueError(f'no embedder given for model {model!r}; only {OFFLINE_MODEL!r} runs offline')
    else:
        vector = normalise(np.asarray(await embedder.embed([text]), dtype=np.float32).reshape(1, -1))[0]
    store_query_vector(model, text, vector)
    return vector


async def embed_passages(texts: list[str], model: str = OFFLINE_MODEL, embedder: Embedder | None = None) -> np.ndarray:
    """Vectors for chunks (use `passage_text`), offline in a worker thread or from `embedder`; unit length."""
    if model == OFFLINE_MODEL:
        return await asyncio.to_thread(embed_texts, texts)
    if embedder is None:
        raise ValueError(f'no embedder given for model {model!r}; only {OFFLINE_MODEL!r} runs offline')
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return normalise(np.asarray(await embedder.embed(texts), dtype=np.float32))
