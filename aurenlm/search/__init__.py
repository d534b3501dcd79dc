"""Search: the per-notebook index (BM25 + vectors), embeddings, full-text SQL and fusion."""
