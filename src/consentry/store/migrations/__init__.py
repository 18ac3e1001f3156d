"""Alembic migrations of the bank store, applied programmatically by ``Store.open``."""
