"""Operators (scope admin): banks, their settings, entries, import and export.

Reviewers (scope review) may also look at an entry and suspend it. An entry's case is
never shown, only whether it came from one.
"""

from __future__ import annotations

import io
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from consentry.exchange import export_bank, import_bank
from consentry.partners import Partner
from consentry.service.auth import require_scope
from consentry.service.errors import ApiError
from consentry.service.runtime import Runtime, runtime
from consentry.service.schemas import (
    BankCreate,
    BankList,
    BankOut,
    BankPatch,
    EntryOut,
    FeedFingerprint,
    ImportOut,
    SuspendRequest,
    error_responses,
)
from consentry.store import Bank, Entry

router = APIRouter(prefix="/v1/banks", tags=["admin"])
_ERRORS = error_responses(401, 403, 404, 409, 413, 422, 429)
BankPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", max_length=64)]
EntryPath = Annotated[int, Path(ge=1, le=2**63 - 1)]
admin = require_scope("admin")
reviewer = require_scope("admin", "review")


def _actor(partner: Partner) -> str:
    return f"partner:{partner.name}"


def _bank_out(bank: Bank) -> BankOut:
    return BankOut(
        name=bank.name,
        kind=bank.kind,
        radius=bank.radius,
        enabled=bank.enabled,
        action=bank.action,
        description=bank.description,
        created_at=bank.created_at.isoformat(),
        entry_count=bank.entry_count,
    )


def _entry_out(entry: Entry) -> EntryOut:
    return EntryOut(
        id=entry.id,
        bank=entry.bank,
        label=entry.label,
        note=entry.note,
        created_at=entry.created_at.isoformat(),
        from_case=entry.case_id is not None,
        suspended=entry.suspended,
        confirmed_count=entry.confirmed_count,
        false_positive_count=entry.false_positive_count,
        fingerprints=[FeedFingerprint(type=t, value=v) for t, v in entry.fingerprints],
    )


@router.get("", response_model=BankList, responses=_ERRORS)
def list_banks(rt: Runtime = Depends(runtime), _partner: Partner = Depends(admin)) -> BankList:
    return BankList(banks=[_bank_out(bank) for bank in rt.store.list_banks()])


@router.post("", status_code=201, response_model=BankOut, responses=_ERRORS)
def create_bank(
    body: BankCreate, rt: Runtime = Depends(runtime), partner: Partner = Depends(admin)
) -> BankOut:
    bank = rt.store.create_bank(
        body.name,
        kind=body.kind,
        radius=body.radius,
        enabled=body.enabled,
        description=body.description,
        action=body.action,
        actor=_actor(partner),
    )
    return _bank_out(bank)


@router.get("/{name}", response_model=BankOut, responses=_ERRORS)
def get_bank(
    name: BankPath, rt: Runtime = Depends(runtime), _partner: Partner = Depends(admin)
) -> BankOut:
    return _bank_out(rt.store.get_bank(name))


@router.patch("/{name}", response_model=BankOut, responses=_ERRORS)
def change_bank(
    name: BankPath,
    body: BankPatch,
    rt: Runtime = Depends(runtime),
    partner: Partner = Depends(admin),
) -> BankOut:
    bank = rt.store.update_bank(
        name,
        radius=body.radius,
        enabled=body.enabled,
        description=body.description,
        action=body.action,
        actor=_actor(partner),
    )
    return _bank_out(bank)


@router.delete("/{name}", status_code=204, response_class=Response, responses=_ERRORS)
def delete_bank(
    name: BankPath, rt: Runtime = Depends(runtime), partner: Partner = Depends(admin)
) -> Response:
    rt.store.delete_bank(name, actor=_actor(partner))
    return Response(status_code=204)


@router.get("/{name}/entries/{entry_id}", response_model=EntryOut, responses=_ERRORS)
def get_entry(
    name: BankPath,
    entry_id: EntryPath,
    rt: Runtime = Depends(runtime),
    _partner: Partner = Depends(reviewer),
) -> EntryOut:
    return _entry_out(rt.store.get_entry(name, entry_id))


@router.get("/{name}/flagged", response_model=list[EntryOut], responses=_ERRORS)
def flagged_entries(
    name: BankPath,
    min_reports: Annotated[int, Query(ge=1, le=1_000_000)] = 3,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    rt: Runtime = Depends(runtime),
    _partner: Partner = Depends(reviewer),
) -> list[EntryOut]:
    """Entries partners reported as false positives at least ``min_reports`` times."""
    entries = rt.store.flagged_entries(name, min_false_positives=min_reports, limit=limit)
    return [_entry_out(entry) for entry in entries]


@router.post("/{name}/entries/{entry_id}/suspend", response_model=EntryOut, responses=_ERRORS)
def suspend_entry(
    name: BankPath,
    entry_id: EntryPath,
    body: SuspendRequest | None = None,
    rt: Runtime = Depends(runtime),
    partner: Partner = Depends(reviewer),
) -> EntryOut:
    suspended = True if body is None else body.suspended
    rt.store.set_entry_suspended(name, entry_id, suspended, actor=_actor(partner))
    return _entry_out(rt.store.get_entry(name, entry_id))


@router.post(
    "/{name}/import",
    response_model=ImportOut,
    responses=_ERRORS,
    summary="Import a fingerprint file (the text body) into the bank; bad lines are reported",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
async def import_into_bank(
    name: BankPath,
    request: Request,
    format: Literal["auto", "csv", "pytx", "pytx-csv"] = Query(default="auto"),
    label: str | None = Query(default=None, max_length=1024, pattern=r"^[^\x00]*$"),
    rt: Runtime = Depends(runtime),
    _partner: Partner = Depends(admin),
) -> ImportOut:
    data = await request.body()
    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ApiError(422, "unreadable-file", "the body is not text (it holds NUL bytes)")
    report = await run_in_threadpool(import_bank, rt.store, name, data, format=format, label=label)
    return ImportOut.model_validate(report.to_json())


_TEXT = {"schema": {"type": "string"}}


@router.get(
    "/{name}/export",
    response_model=None,
    responses={
        **_ERRORS,
        200: {
            "description": "csv and pytx-csv as text/csv, pytx as text/plain",
            "content": {"text/csv": _TEXT, "text/plain": _TEXT},
        },
    },
    summary="The bank's fingerprints as a file another system can import",
)
def export_from_bank(
    name: BankPath,
    format: Literal["csv", "pytx", "pytx-csv"] = Query(default="csv"),
    rt: Runtime = Depends(runtime),
    _partner: Partner = Depends(admin),
) -> PlainTextResponse:
    buffer = io.StringIO()
    export_bank(rt.store, name, buffer, format=format)
    media_type = "text/plain" if format == "pytx" else "text/csv"
    return PlainTextResponse(buffer.getvalue(), media_type=media_type)
