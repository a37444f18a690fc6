"""The dossier store: a bilan that lives for weeks, on SQLite or PostgreSQL.

Imported only by the commands that use it: ``bilan --version`` and ``bilan plugins`` never load
SQLAlchemy. :class:`bilan_core.store.core.Store` is the entry point.
"""
