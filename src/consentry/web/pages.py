"""Routes for the pages and their static files, with the headers every page response carries."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
PAGES_DIR = HERE / "pages"
# URL path -> the HTML file under pages/.
PAGES = {
    "/": "protect.html",
    "/case": "case.html",
    "/review": "review.html",
}
# The browser may load nothing from anywhere but this service: no CDN, fonts or analytics.
# blob: is where a thumbnail that never leaves the device comes from.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def install_web(app: FastAPI) -> None:
    """Serve the pages (``PAGES``) and ``/static`` from this package."""
    for path, filename in PAGES.items():
        page = _page(PAGES_DIR / filename)
        app.add_api_route(path, page, methods=["GET"], include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(PageHeadersMiddleware)


def _page(file: Path) -> Callable[[], FileResponse]:
    def page() -> FileResponse:
        # no-store: a page must not outlive an update of the scripts it loads.
        return FileResponse(
            file, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-store"}
        )

    page.__name__ = f"page_{file.stem}"
    return page


class PageHeadersMiddleware:
    """Adds ``PAGE_HEADERS`` to the pages and static files (not to the JSON API)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_web_path(scope["path"]):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                for name, value in PAGE_HEADERS.items():
                    if name.lower().encode() not in present:
                        headers.append((name.lower().encode(), value.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _is_web_path(path: str) -> bool:
    return path in PAGES or path.startswith("/static/")
