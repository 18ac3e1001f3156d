"""For the operator's tooling: liveness/readiness and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, PlainTextResponse

from consentry.service.runtime import Runtime, runtime
from consentry.service.schemas import Health

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "the live index is still being built"}},
)
def healthz(rt: Runtime = Depends(runtime)) -> JSONResponse:
    rt.store.last_change_seq()  # the database answers (else 503 "unavailable")
    ready = bool(rt.matcher.ready)
    body = Health(status="ok" if ready else "starting", ready=ready, last_seq=rt.matcher.last_seq)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}},
)
def metrics(rt: Runtime = Depends(runtime)) -> PlainTextResponse:
    return PlainTextResponse(
        rt.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
