"""Partners match fingerprints (or, in memory, one uploaded file) against the live index."""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from consentry.matching.live import InvalidQueryFingerprint
from consentry.matching.result import Match
from consentry.partners import Partner
from consentry.policy import Context
from consentry.service.auth import require_scope
from consentry.service.errors import STATUS_BY_CODE, ApiError
from consentry.service.runtime import Runtime, runtime
from consentry.service.schemas import (
    MatchOut,
    MatchRequest,
    MatchResponse,
    MediaMatchResponse,
    error_responses,
)
from consentry.signals.inspectors import UnknownSignal, parse_signal_names

router = APIRouter(prefix="/v1/match", tags=["match"])
_ERRORS = error_responses(401, 403, 413, 415, 422, 429)
# Media errors that are about size rather than content.
_TOO_LARGE = frozenset({"too-large", "too-many-pixels", "too-many-frames", "too-long"})


def _out(rt: Runtime, match: Match) -> MatchOut:
    return MatchOut(
        bank=match.bank,
        entry=match.entry,
        distance=match.distance,
        label=match.label,
        action=rt.matcher.bank_action(match.bank),
        signal=match.signal,
        transform=match.transform,
        kind=match.kind,
        score=match.score,
        region=None if match.region is None else list(match.region),
    )


@router.post(
    "",
    response_model=MatchResponse,
    responses=_ERRORS,
    summary="Match fingerprints; one result per input, in input order",
)
def match_fingerprints(
    body: MatchRequest,
    rt: Runtime = Depends(runtime),
    _partner: object = Depends(require_scope("match")),
) -> JSONResponse:
    pairs = [(item.type, item.value) for item in body.fingerprints]
    started = time.perf_counter()
    try:
        found = rt.matcher.match_values(pairs, banks=rt.settings.match_banks)
    except InvalidQueryFingerprint as error:
        message = f"fingerprints[{error.position}]: {error.detail}"
        raise ApiError(422, error.code, message) from None
    rt.metrics.observe_match(time.perf_counter() - started, len(pairs))
    # Built as plain JSON: re-validating up to 10,000 results against MatchResponse would
    # cost more than the search itself (the declared response_model still documents it).
    results = [{"matches": [_out(rt, m).model_dump() for m in matches]} for matches in found]
    return JSONResponse({"results": results})


@router.post(
    "/media",
    response_model=MediaMatchResponse,
    responses=_ERRORS,
    summary="Match one image or video sent as the raw body (hashed in memory, never kept)",
    description=(
        "Send the file's bytes as the body with its own content type (image/jpeg, video/mp4, "
        "...) or application/octet-stream; the format is read from the bytes. Up to 50 MiB."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
async def match_media(
    request: Request,
    rt: Runtime = Depends(runtime),
    partner: Partner = Depends(require_scope("match")),
    signals: str | None = Query(
        None,
        description="Signals to run too, comma-separated: nudity, nudenet, provenance, an "
        "operator classifier's name, or all. Their findings are returned.",
        max_length=512,
    ),
    decide: bool = Query(
        False,
        description="Apply the service's policy (running the signals it needs) and return "
        "and record its decision. The media is never recorded.",
    ),
    chat: str | None = Query(None, max_length=128, description="Where it was seen (a chat id)."),
    reference: str | None = Query(
        None, max_length=512, description="Your reference for it (a message link, an id)."
    ),
) -> MediaMatchResponse:
    content_type = request.headers.get("content-type", "").lower()
    if content_type.startswith(("application/json", "text/", "multipart/")):
        raise ApiError(
            415,
            "unsupported-media-type",
            "send the image or video itself as the body (not JSON, text or a form)",
        )
    data = await request.body()
    if not data:
        raise ApiError(422, "empty-body", "the body is empty: send an image or video")
    ask = MediaAsk(parse_signal_names(signals), decide, partner.name, chat, reference)
    return await run_in_threadpool(_match_media, rt, data, ask)


@dataclass(frozen=True)
class MediaAsk:
    signals: tuple[str, ...]
    decide: bool
    partner: str
    chat: str | None
    reference: str | None


def _match_media(rt: Runtime, data: bytes, ask: MediaAsk) -> MediaMatchResponse:
    context = Context(partner=ask.partner, chat=ask.chat)
    started = time.perf_counter()
    try:
        result = rt.assessor.assess(data, signals=ask.signals, context=context, decide=ask.decide)
    except UnknownSignal as error:
        raise ApiError(422, error.code, error.message) from None
    del data  # the bytes are not needed past this point
    fp = result.fingerprint
    if fp.error is not None and not result.matches:
        code = fp.error.code
        status = 413 if code in _TOO_LARGE else STATUS_BY_CODE.get(code, 422)
        raise ApiError(status, code, fp.error.message)
    rt.metrics.observe_match(time.perf_counter() - started, 1)
    summary = fp.to_json()
    for private in ("path", "error", "findings"):
        summary.pop(private, None)
    findings = [f.to_json() for f in result.findings]
    response = MediaMatchResponse(
        fingerprint=summary,
        matches=[_out(rt, m) for m in result.matches],
        findings=findings if (ask.signals or ask.decide) else None,
    )
    if result.decision is not None:
        response.decision = result.decision.to_json()
        response.decision_id = rt.decisions.record(
            result.decision,
            source="api",
            matches=[m.to_json() for m in result.matches],
            findings=findings,
            partner=ask.partner,
            chat=ask.chat,
            reference=ask.reference,
            sha256=fp.sha256,
            pdq=fp.pdq,
        )
    return response
