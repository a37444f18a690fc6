"""The document de synthèse: built-in renderers (the PDF one lives in its own plugin)."""
