"""Chat: retrieve, prompt, stream, persist the answer with citations; answer versions."""
