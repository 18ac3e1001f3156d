"""Request and response bodies (pydantic), which also make the OpenAPI document.

Every text field refuses NUL characters (PostgreSQL cannot store them) and has a length
bound; unknown fields are refused, so a typo is an error rather than silently ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

NO_NUL = r"^[^\x00]*$"
# A vPDQ frame list of a long video is long; everything else is short.
FingerprintValue = Annotated[
    str, StringConstraints(min_length=1, max_length=4_000_000, pattern=NO_NUL)
]
Label = Annotated[str, StringConstraints(max_length=1024, pattern=NO_NUL)]
BankName = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", max_length=64)
]
Action = Literal["block", "review", "allow"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- fingerprints: one model per type, so the document states each value's format -------
# (hex in either case; surrounding spaces are refused here rather than silently trimmed)


Hex32 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{32}$")]
Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]


class PdqFingerprint(Strict):
    type: Literal["pdq"]
    value: Hex64


class Md5Fingerprint(Strict):
    type: Literal["md5"]
    value: Hex32


class Sha256Fingerprint(Strict):
    type: Literal["sha256"]
    value: Hex64


class VpdqFingerprint(Strict):
    """Frames as ``index,quality,timestamp,pdq-hex;...`` or pytx's JSON list."""

    type: Literal["vpdq"]
    value: FingerprintValue


class PdqCaseFingerprint(PdqFingerprint):
    label: Label | None = None


class Md5CaseFingerprint(Md5Fingerprint):
    label: Label | None = None


class Sha256CaseFingerprint(Sha256Fingerprint):
    label: Label | None = None


class VpdqCaseFingerprint(VpdqFingerprint):
    label: Label | None = None


RegionsValue = Annotated[
    str, StringConstraints(min_length=4, max_length=200_000, pattern=r"^r1\.[A-Za-z0-9_-]+$")
]


class RegionsFingerprint(Strict):
    """The protected-photo fingerprint (``r1.`` + base64url): a photo's tiles when
    registering it (label ``protected-public-photo``), an upload's denser tiles when
    matching; a match through it is a "derived" match (docs/protected-photos.md)."""

    type: Literal["regions"]
    value: RegionsValue


class RegionsCaseFingerprint(RegionsFingerprint):
    label: Label | None = None


QueryFingerprint = Annotated[
    PdqFingerprint | Md5Fingerprint | Sha256Fingerprint | VpdqFingerprint | RegionsFingerprint,
    Field(discriminator="type"),
]
CaseFingerprint = Annotated[
    PdqCaseFingerprint
    | Md5CaseFingerprint
    | Sha256CaseFingerprint
    | VpdqCaseFingerprint
    | RegionsCaseFingerprint,
    Field(discriminator="type"),
]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: these statuses answer with :class:`ErrorBody`."""
    return {status: {"model": ErrorBody} for status in statuses}


# -- cases -------------------------------------------------------------------------------


class CaseFingerprints(Strict):
    fingerprints: list[CaseFingerprint] = Field(min_length=1, max_length=1000)


class CaseReceiptOut(BaseModel):
    case_id: str = Field(description="Keep it: with the secret, it is how you reach the case.")
    secret: str = Field(description="Shown once; never stored in readable form.")


class CaseStatusOut(BaseModel):
    case_id: str
    status: Literal["active", "withdrawn"]
    fingerprint_count: int
    created_at: str


# -- matching ----------------------------------------------------------------------------


class MatchRequest(Strict):
    fingerprints: list[QueryFingerprint] = Field(min_length=1, max_length=10_000)


class MatchOut(BaseModel):
    bank: str
    entry: int
    distance: int = Field(
        description="How far apart: PDQ bits (0 for md5/sha256; vPDQ: median over matched "
        "frames); for a derived match, 100 - 100 * score."
    )
    label: str | None
    action: str
    signal: str = Field(
        description="The fingerprint that matched: pdq, vpdq, md5, sha256, regions."
    )
    transform: str
    kind: Literal["copy", "derived"] = Field(
        "copy",
        description="copy: the file is the entry (perhaps resized, recompressed, lightly "
        "edited). derived: the file was made from the entry, a protected photo (part of it "
        "replaced, cropped, padded, rotated...).",
    )
    score: float | None = Field(
        None,
        description="Derived matches only: how much of the protected photo was found, 0-1.",
    )
    region: list[float] | None = Field(
        None,
        min_length=4,
        max_length=4,
        description="Derived matches only: where in the file the protected photo was found, "
        "as [x0, y0, x1, y1] fractions of its width and height (0-1).",
    )


class MatchResult(BaseModel):
    matches: list[MatchOut]


class MatchResponse(BaseModel):
    results: list[MatchResult]


class MediaMatchResponse(BaseModel):
    fingerprint: dict[str, object]
    matches: list[MatchOut]
    findings: list[dict[str, object]] | None = Field(
        None, description="What each signal asked for found (with ?signals=...)."
    )
    decision: dict[str, object] | None = Field(
        None,
        description="The policy's decision with its rule and reasons (with ?decide=true); "
        "it is recorded, never the media.",
    )
    decision_id: int | None = Field(None, description="The recorded decision's id.")


# -- sync and feedback -------------------------------------------------------------------


class FeedFingerprint(BaseModel):
    type: str
    value: str


class FeedItem(BaseModel):
    seq: int
    op: Literal["add", "remove"]
    bank: str
    entry: int
    fingerprints: list[FeedFingerprint] = Field(default_factory=list)
    label: str | None = None


class FeedResponse(BaseModel):
    items: list[FeedItem]
    cursor: str
    more: bool


class FeedbackRequest(Strict):
    bank: BankName
    entry: int = Field(ge=1, le=2**63 - 1)
    verdict: Literal["correct", "false-positive"]


class Accepted(BaseModel):
    status: Literal["accepted"] = "accepted"


# -- admin -------------------------------------------------------------------------------


class BankOut(BaseModel):
    name: str
    kind: str
    radius: int
    enabled: bool
    action: str
    description: str | None
    created_at: str
    entry_count: int


class BankList(BaseModel):
    banks: list[BankOut]


class BankCreate(Strict):
    name: BankName
    kind: Literal["ncii", "protected"] = Field(
        default="ncii",
        description="ncii: images to keep off platforms; protected: public photos of people at "
        "risk, matched for fakes made from them (derived matches).",
    )
    radius: int = Field(default=31, ge=0, le=256)
    enabled: bool = True
    action: Action = "block"
    description: Annotated[str, StringConstraints(max_length=4000, pattern=NO_NUL)] | None = None


class BankPatch(Strict):
    radius: int | None = Field(default=None, ge=0, le=256)
    enabled: bool | None = None
    action: Action | None = None
    description: Annotated[str, StringConstraints(max_length=4000, pattern=NO_NUL)] | None = None


class EntryOut(BaseModel):
    id: int
    bank: str
    label: str | None
    note: str | None
    created_at: str
    from_case: bool = Field(description="Registered by a person at risk (the case stays private).")
    suspended: bool
    confirmed_count: int
    false_positive_count: int
    fingerprints: list[FeedFingerprint]


class SuspendRequest(Strict):
    suspended: bool = True


class ImportIssue(BaseModel):
    line: int
    code: str
    reason: str


class ImportOut(BaseModel):
    bank: str
    format: str
    entries_added: int
    fingerprints_added: int
    duplicates: int
    entry_ids: list[int]
    skipped: list[ImportIssue]
    errors: list[ImportIssue]


class Health(BaseModel):
    status: Literal["ok", "starting"]
    ready: bool
    last_seq: int


# -- review ------------------------------------------------------------------------------

ReviewState = Literal["pending", "approved", "rejected"]


class DecisionOut(BaseModel):
    """A recorded decision as moderators see it: fingerprints, matches, signals and the
    policy's explanation, with the client's references. The media is never stored."""

    id: int
    at: str = Field(description="When it was decided (ISO 8601, UTC).")
    source: str = Field(description="Who asked: api, bot, cli, investigator...")
    partner: str | None = Field(description="The partner whose key asked, if any.")
    chat: str | None
    reference: str | None = Field(description="The client's reference (a message link, an id).")
    sha256: str | None
    pdq: str | None
    action: Action
    rule: str | None = Field(description="The rule that decided; null when the default did.")
    banks: list[str] = Field(description="The banks of the matches.")
    decision: dict[str, Any] = Field(
        description="The policy's decision: action, rule, description, reasons, fired, scopes."
    )
    matches: list[dict[str, Any]] = Field(
        description="What matched: bank, entry, label, distance, signal, kind, score, region..."
    )
    findings: list[dict[str, Any]] = Field(
        description="What the signals found: signal, source, score, labels, ai_generated..."
    )
    review: ReviewState | None = Field(
        description="pending until a moderator approves or rejects it; null when the decision "
        "needed no review."
    )
    reviewed_by: str | None
    reviewed_at: str | None


class DecisionPage(BaseModel):
    items: list[DecisionOut]
    next_before: int | None = Field(
        description="Pass as `before` for the next (older) page; null on the last page."
    )


class ReviewRequest(Strict):
    verdict: Literal["approved", "rejected"] = Field(
        description="approved: the decision stands (feedback `correct` on each matched entry); "
        "rejected: it was wrong (feedback `false-positive`)."
    )


class FeedbackSent(BaseModel):
    bank: str
    entry: int
    verdict: Literal["correct", "false-positive"]
    recorded: bool = Field(description="false when the entry or its bank no longer exists.")


class ReviewedDecision(DecisionOut):
    feedback: list[FeedbackSent] = Field(
        description="The feedback posted for the decision's matched entries."
    )
