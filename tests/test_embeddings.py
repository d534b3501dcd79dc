"""Offline embeddings: wordllama loads from the wheel without touching the network, and its vectors make sense."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from aurenlm import config
from aurenlm.llm import cache as model_cache
from aurenlm.search import embeddings


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """A fresh data dir and query cache, and every attempt to open a connection fails loudly."""
    monkeypatch.setenv('DATA_DIR', str(tmp_path))
    config.reset_settings()
    model_cache.close()  # reopened under the fresh data dir

    def no_network(*args, **kwargs):
        raise AssertionError('embeddings tried to use the network')

    monkeypatch.setattr(socket.socket, 'connect', no_network)
    monkeypatch.setattr(socket, 'create_connection', no_network)
    yield tmp_path
    model_cache.close()
    config.reset_settings()


def test_loads_offline_from_our_cache_dir(offline, monkeypatch) -> None:
    monkeypatch.setattr(embeddings, '_model', None)  # load again, here, with the network blocked
    model = embeddings.offline_model()
    assert model is embeddings.offline_model()  # loaded once per process
    copied = list((offline / 'cache' / 'wordllama' / 'tokenizers').glob('*.json'))
    assert len(copied) == 1


def test_vectors_are_unit_length_float32_of_256(offline) -> None:
    vectors = embeddings.embed_texts(['Encoding certificates with DER.', 'A second, longer sentence about parsing.'])
    assert vectors.shape == (2, embeddings.OFFLINE_DIM) == (2, 256)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_input_and_empty_text(offline) -> None:
    assert embeddings.embed_texts([]).shape == (0, 256)
    vector = embeddings.embed_texts([''])[0]
    assert not np.isnan(vector).any()


def test_similar_sentences_are_closer_than_unrelated_ones(offline) -> None:
    cat, kitten, taxes = embeddings.embed_texts(
        ['The cat sat on the mat.', 'A kitten is sitting on a rug.', 'Quarterly tax returns are due in April.']
    )
    assert cat @ kitten > cat @ taxes
    assert cat @ kitten > kitten @ taxes


def test_order_of_results_matches_order_of_texts(offline) -> None:
    texts = ['short', 'a much longer text that is padded differently in its batch', 'mid length text']
    together = embeddings.embed_texts(texts)
    one_by_one = np.vstack([embeddings.embed_texts([t]) for t in texts])
    assert np.allclose(together, one_by_one, atol=1e-5)


def test_blob_round_trip(offline) -> None:
    vector = embeddings.embed_texts(['round trip'])[0]
    assert np.array_equal(embeddings.from_blob(embeddings.to_blob(vector), 256), vector)
    with pytest.raises(ValueError, match='re-embed'):
        embeddings.from_blob(embeddings.to_blob(vector), 768)


def test_query_vectors_are_cached_per_model(offline) -> None:
    first = embeddings.embed_query('how do I decode DER?')
    assert np.array_equal(embeddings.cached_query_vector(embeddings.OFFLINE_MODEL, 'how do I decode DER?'), first)
    assert embeddings.cached_query_vector('gemini:text-embedding-004', 'how do I decode DER?') is None


async def test_a_remote_embedder_plugs_in(offline) -> None:
    class FakeProvider:
        calls = 0

        async def embed(self, texts: list[str]) -> list[list[float]]:
            FakeProvider.calls += 1
            return [[3.0, 4.0] for _ in texts]

    provider = FakeProvider()
    vector = await embeddings.embed_query_async('hello', model='fake:2d', embedder=provider)
    assert np.allclose(vector, [0.6, 0.8])
    await embeddings.embed_query_async('hello', model='fake:2d', embedder=provider)
    assert FakeProvider.calls == 1  # the second time came from the cache
    with pytest.raises(ValueError, match='no embedder'):
        await embeddings.embed_query_async('other question', model='fake:2d')


def test_related_words_find_synonyms_not_noise(offline) -> None:
    related = embeddings.related_words(['remarks', 'folder', 'cheap', 'xqzv'])
    assert 'comments' in [word for word, _ in related['remarks']]
    assert 'directory' in [word for word, _ in related['folder']]
    assert 'cheap' not in related  # its nearest words (expensive, cost) are relatives, not synonyms
    assert 'xqzv' not in related
    assert all(0.6 <= similarity <= 1.0 for found in related.values() for _, similarity in found)
