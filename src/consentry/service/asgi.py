"""The app as uvicorn's workers build it: configured from the environment.

``consentry serve`` sets ``CONSENTRY_DB`` (optional) and ``CONSENTRY_HOME`` and starts
uvicorn with ``consentry.service.asgi:app_from_env`` as a factory, once per worker.
"""

from __future__ import annotations

import os

from fastapi import FastAPI

from consentry.config import resolve_home
from consentry.service.app import create_app

DB_ENV = "CONSENTRY_DB"


def app_from_env() -> FastAPI:
    return create_app(os.environ.get(DB_ENV) or None, resolve_home(None))
