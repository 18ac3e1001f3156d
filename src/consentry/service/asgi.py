"""The app as uvicorn's workers build it: configured from the environment.

``consentry serve`` sets ``CONSENTRY_DB`` (optional) and ``CONSENTRY_HOME`` and starts
uvicorn with ``consentry.service.asgi:app_from_env`` as a factory, once per worker.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from fastapi import FastAPI

from consentry.config import resolve_home
from consentry.service.app import create_app
from consentry.service.settings import ServiceSettings

if TYPE_CHECKING:
    from consentry.telegram.webhook import WebhookConfig

DB_ENV = "CONSENTRY_DB"
POLICY_ENV = "CONSENTRY_POLICY"
CLASSIFIERS_ENV = "CONSENTRY_CLASSIFIERS"  # os.pathsep-separated config files
TRUST_ANCHORS_ENV = "CONSENTRY_C2PA_TRUST_ANCHORS"


def app_from_env() -> FastAPI:
    return create_app(
        os.environ.get(DB_ENV) or None,
        resolve_home(None),
        settings=settings_from_env(),
        telegram=telegram_from_env(),
    )


def telegram_from_env() -> WebhookConfig | None:
    """The Telegram webhook's settings, when its token and secret are both set."""
    from consentry.telegram.webhook import WebhookConfig

    return WebhookConfig.from_env()


def settings_from_env() -> ServiceSettings:
    classifiers = os.environ.get(CLASSIFIERS_ENV, "")
    return ServiceSettings(
        policy=os.environ.get(POLICY_ENV) or "default",
        classifier_configs=tuple(path for path in classifiers.split(os.pathsep) if path),
        trust_anchors=os.environ.get(TRUST_ANCHORS_ENV) or None,
    )
