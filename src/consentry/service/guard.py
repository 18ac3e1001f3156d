"""ASGI middleware in front of every route: body size limits and refusal of media for cases.

The body is read here (up to the route's limit) and replayed to the app, so an oversized
body is refused with 413 before any parsing, whatever its ``Content-Length`` claims. Case
routes never take media: an image/video/multipart/octet-stream content type, or a body that
starts like an image or video, is refused with 415 ``media-not-accepted`` and dropped
unread beyond its first bytes.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consentry.media.sniff import sniff
from consentry.service.errors import error_response
from consentry.service.settings import ServiceSettings

_MEDIA_TYPES = ("image/", "video/", "audio/", "multipart/", "application/octet-stream")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_IMPORT_PATH = re.compile(r"^/v1/banks/[^/]+/import/?$")


class BodyTooLarge(Exception):
    pass


class GuardMiddleware:
    def __init__(self, app: ASGIApp, settings: ServiceSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        is_case = path == "/v1/cases" or path.startswith("/v1/cases/")
        content_type = _header(scope, b"content-type").lower()
        if is_case and content_type.startswith(_MEDIA_TYPES):
            await _refuse_media(scope, receive, send)
            return
        limit = self._limit(path, is_case)
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(scope, receive, send, limit)
            return
        try:
            body = await _read_body(receive, limit)
        except BodyTooLarge:
            await _too_large(scope, receive, send, limit)
            return
        if is_case and sniff(body[:4096]) is not None:
            await _refuse_media(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    def _limit(self, path: str, is_case: bool) -> int:
        if is_case:
            return self.settings.case_body_bytes
        if path.rstrip("/") == "/v1/match/media":
            return self.settings.media_body_bytes
        if _IMPORT_PATH.match(path):
            return self.settings.import_body_bytes
        return self.settings.json_body_bytes


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return str(value.decode("latin-1")).strip()
    return ""


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse_media(scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(
        415,
        "media-not-accepted",
        "cases take fingerprints only, never images or videos: fingerprint the file on your "
        'device and send {"fingerprints": [{"type": "pdq", "value": "..."}]} as JSON',
    )
    await response(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = error_response(
        413, "body-too-large", f"the request body is larger than this route's {limit} bytes"
    )
    await response(scope, receive, send)
