"""``create_app``: the registry service as one FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from consentry import __version__
from consentry.service import (
    routes_admin,
    routes_cases,
    routes_match,
    routes_ops,
    routes_partner,
    routes_review,
)
from consentry.service.errors import install_error_handlers
from consentry.service.guard import GuardMiddleware
from consentry.service.metrics import Metrics
from consentry.service.observe import ObserveMiddleware
from consentry.service.runtime import close_runtime, open_runtime
from consentry.service.settings import ServiceSettings
from consentry.web import install_web

if TYPE_CHECKING:
    from consentry.telegram.webhook import WebhookConfig

DESCRIPTION = """\
Consentry's registry. People at risk register **fingerprints** (PDQ, MD5, SHA-256, vPDQ) of
images they want kept off platforms, never the images (`/v1/cases`, no account: a case id
and a secret). Partner platforms match uploads against the registry (`/v1/match`), mirror
it (`/v1/sync`) and report verdicts (`/v1/feedback`) with a key
(`Authorization: Bearer <key>`) whose scopes allow it. Every error is
`{"error": {"code": "...", "message": "..."}}`.
"""


def create_app(
    store_url: str | None,
    home: Path,
    *,
    settings: ServiceSettings | None = None,
    telegram: WebhookConfig | None = None,
) -> FastAPI:
    """The service over the store at ``store_url`` (default: SQLite in ``home``).

    The store is opened, migrated and the live index started when the app starts (its
    lifespan), and closed when it stops. ``telegram``: also receive the moderation bot's
    updates at ``POST /telegram/webhook``.
    """
    chosen = settings or ServiceSettings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.runtime = await run_in_threadpool(
            open_runtime, store_url, Path(home), chosen, metrics
        )
        try:
            if telegram is not None:
                from consentry.telegram.webhook import TelegramWebhook

                app.state.telegram = await TelegramWebhook.open(telegram, app.state.runtime)
            try:
                yield
            finally:
                if getattr(app.state, "telegram", None) is not None:
                    await app.state.telegram.close()
        finally:
            await run_in_threadpool(close_runtime, app.state.runtime)

    app = FastAPI(
        title="Consentry registry",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
        docs_url=None,  # Swagger UI would load scripts from a CDN: no third-party resources
        redoc_url=None,
    )
    install_error_handlers(app)
    for module in (routes_cases, routes_match, routes_partner, routes_admin, routes_ops):
        app.include_router(module.router)
    app.include_router(routes_review.router)  # moderators: decisions sent to review
    if telegram is not None:
        from consentry.telegram import webhook

        app.include_router(webhook.router)
    install_web(app)  # the pages for people at risk and moderators
    app.add_middleware(GuardMiddleware, settings=chosen)
    app.add_middleware(ObserveMiddleware, metrics=metrics)  # outermost: sees every response
    return app
