"""Which embeddings a passage or a question gets: Gemini's with a key, wordllama's without.

Chunks remember the model that embedded them, so a notebook whose sources were embedded offline keeps
working after a key is added (its questions are embedded with the same model as its chunks).
"""

from __future__ import annotations

import asyncio

import numpy as np

from aurenlm.config import get_settings
from aurenlm.search import embeddings

EMBED_BATCH = 256


def active_model() -> str:
    settings = get_settings()
    return f'gemini:{settings.gemini_embed_model}' if settings.gemini_enabled else embeddings.OFFLINE_MODEL


async def embed_passages(pairs: list[tuple[str, str]]) -> tuple[str, list[bytes]]:
    """(model, float32 blobs) for (heading, text) pairs."""
    texts = [embeddings.passage_text(heading, text) for heading, text in pairs]
    model = active_model()
    vectors = await _embed(model, texts)
    return model, [embeddings.to_blob(v) for v in vectors]


async def query_vector(model: str, question: str) -> np.ndarray:
    cached = embeddings.cached_query_vector(model, question)
    if cached is not None:
        return cached
    vector = (await _embed(model, [question]))[0]
    embeddings.store_query_vector(model, question, vector)
    return vector


async def _embed(model: str, texts: list[str]) -> np.ndarray:
    if model.startswith('gemini:'):
        from aurenlm.llm import get_provider

        provider = get_provider()
        parts = [await provider.embed(texts[i : i + EMBED_BATCH]) for i in range(0, len(texts), EMBED_BATCH)]
        vectors = np.vstack([np.asarray(p, dtype=np.float32) for p in parts]) if parts else np.zeros((0, 1))
        return embeddings.normalise(vectors)
    return await asyncio.to_thread(embeddings.embed_texts, texts)
