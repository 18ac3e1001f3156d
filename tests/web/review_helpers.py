"""A live server with decisions to review, and the review console driven in Chromium.

Decisions are recorded straight into the server's SQLite store (``consentry.decisions``),
as /v1/match/media would record them: fingerprints, matches, findings and the policy's
reasons; there is no media to record. Partner keys are made through ``Partners``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from consentry.decisions import Decisions
from consentry.partners import Partners
from consentry.store import Store
from consentry.store.models import DecisionRow, FeedbackRow

REVIEWER = "moderators"


@dataclass(frozen=True)
class Decided:
    """A policy decision as ``Decisions.record`` takes it."""

    action: str
    rule: str | None
    reasons: tuple[str, ...] = ()
    description: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "rule": self.rule,
            "description": self.description,
            "reasons": [
                {"condition": "match", "detail": text, "values": {}} for text in self.reasons
            ],
            "fired": [self.rule] if self.rule else [],
            "scopes": [],
        }


@dataclass
class Seeded:
    """What ``seed`` made: keys, entries and decision ids by name."""

    review_key: str
    match_key: str
    entries: dict[str, int] = field(default_factory=dict)
    decisions: dict[str, int] = field(default_factory=dict)


def match(bank: str, entry: int, *, distance: int = 6, signal: str = "pdq") -> dict[str, Any]:
    return {"bank": bank, "entry": entry, "label": "reported", "distance": distance,
            "transform": "original", "signal": signal, "query_percent": None,
            "target_percent": None, "kind": "copy", "score": None, "region": None}  # fmt: skip


NUDITY = {"signal": "nudity", "source": "opennsfw", "score": 0.034}
PROVENANCE = {"signal": "provenance", "source": "c2pa", "ai_generated": True}


def seed(store: Store) -> Seeded:
    """Two banks, two partners and four decisions (three pending review, one block)."""
    partners = Partners(store)
    seeded = Seeded(
        review_key=partners.create(REVIEWER, ["review"]).key,
        match_key=partners.create("platform", ["match", "feedback"]).key,
    )
    store.create_bank("reports", action="review")
    store.create_bank("other", action="review")
    for name, bank in (("r1", "reports"), ("r2", "reports"), ("o1", "other")):
        fingerprints = [("md5", hashlib.md5(name.encode()).hexdigest())]
        seeded.entries[name] = store.add_entry(bank, fingerprints, label=name)
    decisions = Decisions(store)
    reason = "a match in bank 'reports', whose action is review"

    def record(name: str, action: str, at: datetime | None, **given: Any) -> None:
        decision = Decided(action, "bank-action", (reason,), "any other match")
        seeded.decisions[name] = decisions.record(decision, source="api", **given)
        if at is not None:
            set_time(store, seeded.decisions[name], at)

    e = seeded.entries
    record("old", "review", datetime(2026, 11, 1, 12, tzinfo=UTC), partner="platform",
           chat="-1001", reference="https://t.me/c/1001/42", sha256="ab" * 32, pdq="f0" * 32,
           matches=[match("reports", e["r1"])], findings=[NUDITY])  # fmt: skip
    record("mid", "review", datetime(2026, 11, 20, 12, tzinfo=UTC), partner="platform",
           chat="-1002", reference="msg-7", pdq="0f" * 32,
           matches=[match("other", e["o1"])], findings=[NUDITY, PROVENANCE])  # fmt: skip
    record("blocked", "block", None, partner="platform", chat="-1001",
           matches=[match("reports", e["r2"], signal="md5", distance=0)])  # fmt: skip
    record("new", "review", None, partner="platform", chat="-1001",
           matches=[match("reports", e["r2"])], findings=[NUDITY])  # fmt: skip
    return seeded


def set_time(store: Store, decision_id: int, at: datetime) -> None:
    with store.writing() as session:
        session.execute(update(DecisionRow).where(DecisionRow.id == decision_id).values(at=at))


def feedback_rows(store: Store) -> list[tuple[int, str]]:
    with store.reading() as session:
        rows = session.execute(select(FeedbackRow.entry_id, FeedbackRow.verdict)).all()
    return sorted((int(entry), verdict) for entry, verdict in rows)


def sign_in(page: Any, url: str, key: str) -> None:
    """Open the console (if not open) and submit ``key``."""
    if not page.url.endswith("/review"):
        open_console(page, url)
    page.fill("#key", key)
    page.click("#signin-button")


def signed_in(page: Any, url: str, key: str) -> None:
    """Sign in with a good key and wait for the first page of the queue."""
    sign_in(page, url, key)
    page.wait_for_selector("#console:not([hidden]) #queue-summary:not(:empty)")


def open_console(page: Any, url: str) -> None:
    page.goto(url + "/review")
    page.wait_for_selector("body[data-ready='true']")


def shown_ids(page: Any) -> list[int]:
    """The decision ids in the queue, once it has settled."""
    page.wait_for_selector("#queue:not([aria-busy])", state="attached")
    return [
        int(i) for i in page.eval_on_selector_all("#queue > li", "e => e.map(l => l.dataset.id)")
    ]


def item(page: Any, decision_id: int) -> Any:
    return page.locator(f"#decision-{decision_id}")


def browser_storage(page: Any) -> str:
    """Everything the page could have kept: local and session storage, cookies, the URL."""
    stored = page.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage),"
        " document.cookie, location.href])"
    )
    cookies = json.dumps(page.context.cookies())
    return f"{stored}{cookies}"


# Every visible control has a name, and headings go down one level at a time.
A11Y_PROBLEMS = """() => {
  const problems = [];
  const visible = (e) => e.offsetParent !== null;
  for (const control of document.querySelectorAll("input, select, button, textarea")) {
    if (!visible(control)) continue;
    const named = control.labels?.length || control.getAttribute("aria-label")
      || (control.tagName === "BUTTON" && control.textContent.trim());
    if (!named) problems.push(`unnamed ${control.tagName} #${control.id}`);
  }
  let level = 0;
  for (const heading of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    if (!visible(heading)) continue;
    const next = Number(heading.tagName[1]);
    if (next > level + 1) problems.push(`h${next} after h${level}: ${heading.textContent}`);
    level = next;
  }
  for (const region of document.querySelectorAll(".table-scroll")) {
    if (region.tabIndex !== 0 || !region.getAttribute("aria-label")) {
      problems.push("a scrolling table a keyboard cannot reach");
    }
  }
  return problems;
}"""


def accessibility_problems(page: Any) -> list[str]:
    problems: list[str] = page.evaluate(A11Y_PROBLEMS)
    return problems
