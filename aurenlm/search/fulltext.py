"""Full-text search over chunks: FTS5 on SQLite, a tsvector on PostgreSQL, one function for both.

This is the durable search index (the search dialog, the API); chat retrieval uses the in-memory index in
search_index.py, which is built from the same chunks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import bindparam, text

from aurenlm import db
from aurenlm.text.stopwords import STOPWORDS

HIGHLIGHT_START, HIGHLIGHT_END = '\u27e6', '\u27e7'  # ⟦ ⟧: never in ordinary text, rendered as marks by the UI
_WORD = re.compile(r'[^\W_]+', re.UNICODE)
MAX_TERMS = 24


@dataclass
class FullTextHit:
    chunk_id: int
    source_id: str
    page: int
    score: float  # higher is better on both databases
    snippet: str


def query_terms(question: str) -> list[str]:
    words = [w.lower() for w in _WORD.findall(question)]
    seen: dict[str, None] = {}
    for word in words:
        if word not in STOPWORDS and (len(word) > 1 or word.isdigit()):
            seen.setdefault(word, None)
    return list(seen)[:MAX_TERMS] or list(dict.fromkeys(words))[:MAX_TERMS]


def search(question: str, source_ids: list[str], *, limit: int = 20) -> list[FullTextHit]:
    """Best chunks for this question in these sources, any term matching, best first, with snippets."""
    terms = query_terms(question)
    if not terms or not source_ids:
        return []
    with db.engine().connect() as connection:
        if connection.dialect.name == 'postgresql':
            return _search_postgres(connection, terms, source_ids, limit)
        return _search_sqlite(connection, terms, source_ids, limit)


def _search_sqlite(connection, terms: list[str], source_ids: list[str], limit: int) -> list[FullTextHit]:
    match = ' OR '.join('"' + t.replace('"', '""') + '"' for t in terms)
    statement = text(
        'SELECT c.id, c.source_id, c.page, bm25(source_chunk_fts, 0.5, 1.0) AS rank, '
        f"snippet(source_chunk_fts, 1, '{HIGHLIGHT_START}', '{HIGHLIGHT_END}', '…', 32) AS snip "
        'FROM source_chunk_fts JOIN source_chunk c ON c.id = source_chunk_fts.rowid '
        'WHERE source_chunk_fts MATCH :match AND c.source_id IN :sources ORDER BY rank LIMIT :limit'
    ).bindparams(bindparam('sources', expanding=True))
    rows = connection.execute(statement, {'match': match, 'sources': source_ids, 'limit': limit})
    return [FullTextHit(r.id, r.source_id, r.page, -float(r.rank), r.snip) for r in rows]


def _search_postgres(connection, terms: list[str], source_ids: list[str], limit: int) -> list[FullTextHit]:
    statement = text(
        "WITH q AS (SELECT websearch_to_tsquery('english', :query) AS query) "
        'SELECT c.id, c.source_id, c.page, ts_rank_cd(c.tsv, q.query, 32) AS rank, '
        "ts_headline('english', c.text, q.query, "
        f"'StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxWords=32, MinWords=12, MaxFragments=1') AS snip "
        'FROM source_chunk c, q WHERE c.tsv @@ q.query AND c.source_id IN :sources '
        'ORDER BY rank DESC, c.id LIMIT :limit'
    ).bindparams(bindparam('sources', expanding=True))
    rows = connection.execute(statement, {'query': ' OR '.join(terms), 'sources': source_ids, 'limit': limit})
    return [FullTextHit(r.id, r.source_id, r.page, float(r.rank), r.snip) for r in rows]
