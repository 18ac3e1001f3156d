"""Partners pull the registry (sync feed) and report what their moderators saw (feedback)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from consentry.partners import Partner
from consentry.service.auth import require_scope
from consentry.service.runtime import Runtime, runtime
from consentry.service.schemas import (
    Accepted,
    FeedbackRequest,
    FeedResponse,
    error_responses,
)

router = APIRouter(prefix="/v1", tags=["partners"])
_ERRORS = error_responses(401, 403, 404, 422, 429)


@router.get(
    "/sync",
    response_model=FeedResponse,
    responses=_ERRORS,
    summary="The registry's changes after a cursor: additions with fingerprints, removals",
    description=(
        "Start without a cursor; pass back the returned `cursor` for the next page, and keep "
        "it to resume later. `more` says whether another page is already waiting."
    ),
)
def sync_feed(
    cursor: str | None = Query(default=None, max_length=200, pattern=r"^[A-Za-z0-9_=-]*$"),
    limit: int = Query(default=1000, ge=1, le=5000),
    rt: Runtime = Depends(runtime),
    _partner: Partner = Depends(require_scope("sync")),
) -> FeedResponse:
    from consentry.sync.feed import feed_page

    page = feed_page(rt.store, cursor=cursor or None, limit=limit, banks=rt.settings.match_banks)
    return FeedResponse.model_validate(
        {"items": page.items, "cursor": page.next_cursor, "more": page.more}
    )


@router.post(
    "/feedback",
    status_code=202,
    response_model=Accepted,
    responses=_ERRORS,
    summary="Say whether a match was right (counted on the entry for reviewers)",
)
def feedback(
    body: FeedbackRequest,
    rt: Runtime = Depends(runtime),
    partner: Partner = Depends(require_scope("feedback")),
) -> Accepted:
    rt.store.record_feedback(partner.name, body.bank, body.entry, body.verdict)
    return Accepted()
