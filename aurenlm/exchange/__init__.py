"""Exchange: export (Markdown, JSON, PDF) and import of notebooks."""
