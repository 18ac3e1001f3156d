"""The registry service: a FastAPI app over the store, the live index and the sync feed.

``create_app(store_url, home)`` builds it; ``consentry serve`` runs it with uvicorn.
Media is hashed in memory and dropped; only fingerprints, decisions and references are
stored; secrets and keys are kept hashed and never logged.
"""

from consentry.service.app import create_app
from consentry.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]
