"""People at risk: register fingerprints as a case, check it, add to it, withdraw it.

No partner key: a case is reached with its id and secret (``X-Case-Secret``). Unknown
case and wrong secret answer the same 404, so nobody can learn whether a case exists.
Creations and secret attempts are rate limited per client address; the case itself locks
after repeated wrong secrets (``Cases``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response

from consentry.service.errors import ApiError
from consentry.service.runtime import Runtime, client_address, runtime
from consentry.service.schemas import (
    CaseFingerprints,
    CaseReceiptOut,
    CaseStatusOut,
    error_responses,
)

router = APIRouter(prefix="/v1/cases", tags=["cases"])

_CASE_ID = re.compile(r"c_[A-Za-z0-9_-]{22}")
_NOT_FOUND = "no case with this id and secret"
SecretHeader = Annotated[
    str, Header(alias="X-Case-Secret", max_length=200, description="The case's secret.")
]
_ERRORS = error_responses(404, 409, 413, 415, 422, 429)


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


def _limit(rt: Runtime, request: Request, what: str, per_hour: int) -> None:
    wait = rt.limiter.take(f"{what}:{client_address(request)}", per_hour, 3600.0)
    if wait:
        raise ApiError(
            429,
            "rate-limited",
            "too many requests from this address; try again later",
            headers={"Retry-After": str(wait)},
        )


def _checked_id(case_id: str) -> str:
    if not _CASE_ID.fullmatch(case_id):
        raise ApiError(404, "case-not-found", _NOT_FOUND)
    return case_id


def _status_out(status: Any) -> CaseStatusOut:
    return CaseStatusOut(
        case_id=status.case_id,
        status=status.status,
        fingerprint_count=status.fingerprint_count,
        created_at=status.created_at.isoformat(),
    )


def _fingerprints(body: CaseFingerprints) -> list[dict[str, str]]:
    return [item.model_dump(exclude_none=True) for item in body.fingerprints]


@router.post(
    "",
    status_code=201,
    response_model=CaseReceiptOut,
    responses=_ERRORS,
    summary="Register fingerprints of images you want kept off platforms",
    description="JSON only: media is refused (415). Keep the returned id and secret.",
)
def create_case(
    body: CaseFingerprints,
    request: Request,
    response: Response,
    rt: Runtime = Depends(runtime),
) -> CaseReceiptOut:
    _limit(rt, request, "case-create", rt.settings.case_creations_per_hour)
    receipt = rt.cases.create(_fingerprints(body))
    _no_store(response)
    return CaseReceiptOut(case_id=receipt.case_id, secret=receipt.secret)


@dataclass(frozen=True)
class CaseAccess:
    """A case id and secret from a request that passed the per-address attempt limit."""

    case_id: str
    secret: str


def case_access(
    case_id: str, secret: SecretHeader, request: Request, rt: Runtime = Depends(runtime)
) -> CaseAccess:
    _limit(rt, request, "case-secret", rt.settings.case_secret_attempts_per_hour)
    return CaseAccess(_checked_id(case_id), secret)


@router.get("/{case_id}", response_model=CaseStatusOut, responses=_ERRORS)
def case_status(
    response: Response,
    case: CaseAccess = Depends(case_access),
    rt: Runtime = Depends(runtime),
) -> CaseStatusOut:
    _no_store(response)
    return _status_out(rt.cases.status(case.case_id, case.secret))


@router.post("/{case_id}/fingerprints", response_model=CaseStatusOut, responses=_ERRORS)
def add_to_case(
    body: CaseFingerprints,
    response: Response,
    case: CaseAccess = Depends(case_access),
    rt: Runtime = Depends(runtime),
) -> CaseStatusOut:
    _no_store(response)
    return _status_out(rt.cases.add(case.case_id, case.secret, _fingerprints(body)))


@router.delete(
    "/{case_id}",
    response_model=CaseStatusOut,
    responses=_ERRORS,
    summary="Withdraw the case: its fingerprints are deleted and stop matching",
)
def withdraw_case(
    response: Response,
    case: CaseAccess = Depends(case_access),
    rt: Runtime = Depends(runtime),
) -> CaseStatusOut:
    _no_store(response)
    return _status_out(rt.cases.withdraw(case.case_id, case.secret))
