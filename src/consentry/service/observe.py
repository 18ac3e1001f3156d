"""ASGI middleware around everything: one JSON log line and one metric per request.

Logged: method, route template (never the raw path: it may hold a case id), status,
duration, partner name. Never bodies, headers, addresses, secrets or keys. An unexpected
exception becomes a JSON 500 here; only its type and stack are logged.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consentry.service.errors import internal_error_response, log_unexpected
from consentry.service.metrics import Metrics

access_log = logging.getLogger("consentry.service.access")


class ObserveMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False

        async def watching_send(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = int(message["status"])
                response_started = True
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        except Exception as error:
            log_unexpected(error, route_of(scope))
            if response_started:
                raise
            status = 500
            await internal_error_response()(scope, receive, send)
        finally:
            route = route_of(scope)
            self.metrics.count_request(scope["method"], route, status)
            if access_log.isEnabledFor(logging.INFO):
                state = scope.get("state") or {}
                fields = {
                    "event": "request",
                    "method": scope["method"],
                    "route": route,
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "partner": state.get("partner_name"),
                }
                access_log.info("request", extra={"fields": fields})


def route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "(unmatched)"
