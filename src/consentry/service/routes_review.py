"""Moderators (scope review): decisions the policy recorded, and their verdict on them.

A reviewer sees every recorded decision, whichever partner's upload it was about: the
review scope is for the operator's own moderators. A verdict is recorded on the decision
(audited) and posted as feedback on each entry it matched: approved -> "correct",
rejected -> "false-positive". Decisions hold fingerprints, matches, signals and the
policy's reasons, never media, so none can be shown.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query

from consentry.decisions import DecisionFilter, DecisionRecord
from consentry.partners import Partner
from consentry.service.auth import require_scope
from consentry.service.errors import ApiError
from consentry.service.runtime import Runtime, runtime
from consentry.service.schemas import (
    NO_NUL,
    BankName,
    DecisionOut,
    DecisionPage,
    FeedbackSent,
    ReviewedDecision,
    ReviewRequest,
    error_responses,
)

router = APIRouter(prefix="/v1/review", tags=["review"])
_ERRORS = error_responses(401, 403, 404, 409, 422, 429)
reviewer = require_scope("review")
DecisionPath = Annotated[int, Path(ge=1, le=2**63 - 1)]
# A day (2026-12-06) or a moment (2026-12-06T14:30:00+01:00; no offset means UTC).
MOMENT = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$"


@router.get(
    "/decisions",
    response_model=DecisionPage,
    responses=_ERRORS,
    summary="Recorded decisions, newest first (pending review by default), filtered and paged",
    description=(
        "`since` and `until` take a day (`2026-12-06`, from its start / through its end, UTC) "
        "or a moment (ISO 8601; without an offset it is UTC; `until` is exclusive). Pass "
        "`next_before` back as `before` for the next, older page."
    ),
)
def list_decisions(
    status: Literal["pending", "approved", "rejected", "all"] = Query("pending"),
    bank: BankName | None = Query(None),
    chat: str | None = Query(None, min_length=1, max_length=128, pattern=NO_NUL),
    since: str | None = Query(None, pattern=MOMENT, max_length=40),
    until: str | None = Query(None, pattern=MOMENT, max_length=40),
    before: int | None = Query(None, ge=1, le=2**63 - 1),
    limit: int = Query(50, ge=1, le=200),
    rt: Runtime = Depends(runtime),
    _partner: Partner = Depends(reviewer),
) -> DecisionPage:
    where = DecisionFilter(
        review=None if status == "all" else status,
        bank=bank,
        chat=chat,
        since=_moment("since", since, end_of_day=False),
        until=_moment("until", until, end_of_day=True),
        before_id=before,
    )
    found = rt.decisions.list(where, limit=limit + 1)  # one more says whether a page follows
    items = [_decision_out(record) for record in found[:limit]]
    next_before = items[-1].id if len(found) > limit else None
    return DecisionPage(items=items, next_before=next_before)


@router.get("/decisions/{decision_id}", response_model=DecisionOut, responses=_ERRORS)
def get_decision(
    decision_id: DecisionPath,
    rt: Runtime = Depends(runtime),
    _partner: Partner = Depends(reviewer),
) -> DecisionOut:
    return _decision_out(rt.decisions.get(decision_id))


@router.post(
    "/decisions/{decision_id}",
    response_model=ReviewedDecision,
    responses=_ERRORS,
    summary="Approve or reject a pending decision; posts feedback on the entries it matched",
)
def review_decision(
    decision_id: DecisionPath,
    body: ReviewRequest,
    rt: Runtime = Depends(runtime),
    partner: Partner = Depends(reviewer),
) -> ReviewedDecision:
    review = rt.decisions.review_with_feedback(decision_id, body.verdict, partner.name)
    sent = [
        FeedbackSent(bank=item.bank, entry=item.entry, verdict=item.verdict, recorded=item.recorded)
        for item in review.feedback
    ]
    return ReviewedDecision(**_decision_out(review.decision).model_dump(), feedback=sent)


def _decision_out(record: DecisionRecord) -> DecisionOut:
    details: dict[str, Any] = dict(record.details)
    return DecisionOut(
        id=record.id,
        at=record.at.isoformat(),
        source=record.source,
        partner=record.partner,
        chat=record.chat,
        reference=record.reference,
        sha256=record.sha256,
        pdq=record.pdq,
        action=record.action,  # type: ignore[arg-type]  # the table's CHECK keeps it to ACTIONS
        rule=record.rule,
        banks=list(record.banks),
        decision=dict(details.get("decision") or {}),
        matches=list(details.get("matches") or []),
        findings=list(details.get("findings") or []),
        review=record.review,  # type: ignore[arg-type]  # the table's CHECK keeps it known
        reviewed_by=record.reviewed_by,
        reviewed_at=record.reviewed_at.isoformat() if record.reviewed_at else None,
    )


def _moment(name: str, text: str | None, *, end_of_day: bool) -> datetime | None:
    """``text`` as an aware UTC datetime; a day is its start, or the next day's with
    ``end_of_day`` (so ``until=<day>`` includes that day)."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + timedelta(days=1 if end_of_day else 0)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        if end_of_day:
            return None  # through the last day there is: no upper bound
        raise ApiError(422, "invalid-date", f"{name}: out of range") from None
    except ValueError as error:
        raise ApiError(422, "invalid-date", f"{name}: {error}") from None
