"""The one on-disk cache of model outputs: guides, studio artifacts and question vectors share it, and each kind can
be dropped without losing the others."""

from __future__ import annotations

import numpy as np
import pytest

from aurenlm import config
from aurenlm.llm import cache
from aurenlm.search import embeddings
from aurenlm.sources import guide

SHA = 'a' * 64


@pytest.fixture
def fresh_cache(monkeypatch, tmp_path):
    monkeypatch.setenv('DATA_DIR', str(tmp_path))
    config.reset_settings()
    cache.close()
    yield tmp_path
    cache.close()
    config.reset_settings()


def test_one_cache_per_data_folder(fresh_cache, monkeypatch, tmp_path_factory) -> None:
    first = cache.shared()
    assert cache.shared() is first
    assert (fresh_cache / 'cache' / 'models').is_dir()
    monkeypatch.setenv('DATA_DIR', str(tmp_path_factory.mktemp('other')))
    config.reset_settings()
    assert cache.shared() is not first  # another instance's data folder never sees this one's outputs


def test_deleting_a_source_forgets_its_guide_and_nothing_else(fresh_cache) -> None:
    shared = cache.shared()
    shared.set(f'guide:offline-1:{SHA}', {'summary': 'kept?'}, tag=SHA)
    shared.set(f'guide:gemini-1:{SHA}', {'summary': 'kept?'}, tag=SHA)
    shared.set('studio-key', {'nodes': []}, tag='studio')
    embeddings.store_query_vector('m', 'what is DER?', np.ones(4, dtype=np.float32))
    guide.forget(SHA)
    assert shared.get(f'guide:offline-1:{SHA}') is None and shared.get(f'guide:gemini-1:{SHA}') is None
    assert shared.get('studio-key') == {'nodes': []}
    assert embeddings.cached_query_vector('m', 'what is DER?') is not None


def test_forgetting_question_vectors_keeps_guides_and_studio_work(fresh_cache) -> None:
    shared = cache.shared()
    shared.set(f'guide:offline-1:{SHA}', {'summary': 's'}, tag=SHA)
    shared.set('studio-key', {'nodes': []}, tag='studio')
    embeddings.store_query_vector('m', 'what is DER?', np.ones(4, dtype=np.float32))
    embeddings.forget_query_vectors()
    assert embeddings.cached_query_vector('m', 'what is DER?') is None
    assert shared.get(f'guide:offline-1:{SHA}') == {'summary': 's'}
    assert shared.get('studio-key') == {'nodes': []}
