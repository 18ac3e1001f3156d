"""The moderators' review console (/review) in Chromium: sign in with a partner key, the
queue, filters, approve and reject (with feedback), keyboard only, paging; the key stays
in the page's memory and requests carry nothing but JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect
from review_helpers import (
    REVIEWER,
    Seeded,
    accessibility_problems,
    browser_storage,
    feedback_rows,
    item,
    open_console,
    seed,
    shown_ids,
    sign_in,
    signed_in,
)

from consentry.decisions import Decisions
from consentry.store import Store


@dataclass
class Console:
    url: str
    store: Store
    seeded: Seeded

    def id(self, name: str) -> int:
        return self.seeded.decisions[name]


@pytest.fixture
def console(server: Any) -> Iterator[Console]:
    store = Store.open(server.home)  # the server's own SQLite database
    try:
        yield Console(server.url, store, seed(store))
    finally:
        store.close()


def pending(console: Console) -> list[int]:
    return [console.id("new"), console.id("mid"), console.id("old")]


def test_sign_in_needs_a_key_with_the_review_scope_kept_in_memory_only(
    page: Any, page_log: Any, console: Console
) -> None:
    open_console(page, console.url)
    assert accessibility_problems(page) == []
    sign_in(page, console.url, "cs_wrong_key")
    expect(page.locator("#signin-error")).to_contain_text("not known")
    assert page.is_hidden("#console")
    sign_in(page, console.url, console.seeded.match_key)
    expect(page.locator("#signin-error")).to_contain_text("does not have the review scope")
    signed_in(page, console.url, console.seeded.review_key)
    assert shown_ids(page) == pending(console)
    assert page.evaluate("document.activeElement.id") == "queue-heading"
    assert page.input_value("#key") == ""
    for key in (console.seeded.review_key, console.seeded.match_key):
        assert key not in browser_storage(page)
    api = [r for r in page_log.requests if "/v1/" in r.url]
    assert api and all(r.url.split("?")[0].startswith(console.url + "/v1/review/") for r in api)
    assert all(console.seeded.review_key not in r.url for r in page_log.requests)
    static = [r for r in page_log.requests if "/v1/" not in r.url]
    assert all("authorization" not in r.headers for r in static)
    page.click("#signout")
    assert page.is_hidden("#console") and page.is_visible("#key")
    assert page.eval_on_selector_all("#queue > li", "e => e.length") == 0
    assert page.evaluate("document.activeElement.id") == "key"


def test_each_item_shows_the_evidence_never_the_media(page: Any, console: Console) -> None:
    signed_in(page, console.url, console.seeded.review_key)
    shown_ids(page)
    old = item(page, console.id("old"))
    text = old.inner_text()
    assert "Waiting for review" in text and "bank-action" in text and "any other match" in text
    assert "a match in bank 'reports', whose action is review" in text
    assert "-1001" in text and "platform" in text and "ab" * 32 in text and "f0" * 32 in text
    row = old.locator("tbody tr").first.locator("td").all_inner_texts()
    assert row == ["reports", str(console.seeded.entries["r1"]), "reported", "pdq", "6", "copy",
                   "none"]  # fmt: skip
    assert "opennsfw" in text and "0.03" in text
    link = old.locator("a[href='https://t.me/c/1001/42']")
    assert link.get_attribute("rel") == "noreferrer noopener"
    mid = item(page, console.id("mid"))
    assert mid.locator("a").count() == 0 and "msg-7" in mid.inner_text()
    assert "AI-generated: yes" in mid.inner_text()
    assert page.locator("#queue img, #queue video, #queue canvas, #queue picture").count() == 0
    assert accessibility_problems(page) == []


def test_filters_by_bank_chat_date_and_status(page: Any, console: Console) -> None:
    signed_in(page, console.url, console.seeded.review_key)
    shown_ids(page)

    def apply(**fields: str) -> list[int]:
        page.click("#clear-filters")
        shown_ids(page)
        for name, value in fields.items():
            if name == "status":
                page.select_option("#filter-status", value)
            else:
                page.fill(f"#filter-{name}", value)
        page.click("#filters button[type=submit]")
        page.wait_for_function("() => document.activeElement.id === 'queue-heading'")
        return shown_ids(page)

    assert apply(bank="reports") == [console.id("new"), console.id("old")]
    assert apply(chat="-1002") == [console.id("mid")]
    assert apply(since="2026-11-15", until="2026-11-25") == [console.id("mid")]
    assert apply(until="2026-11-01") == [console.id("old")]  # the "to" day is included
    everything = apply(status="all", chat="-1001")
    assert everything == [console.id("new"), console.id("blocked"), console.id("old")]
    assert "No review needed" in item(page, console.id("blocked")).inner_text()
    assert item(page, console.id("blocked")).locator("button").count() == 0
    assert apply(bank="nowhere") == []
    assert "No decisions match" in page.text_content("#queue-summary")
    page.click("#clear-filters")
    page.fill("#filter-bank", "not a bank name")
    page.click("#filters button[type=submit]")
    page.wait_for_selector("#queue-error:not(:empty)")
    assert "not valid" in page.text_content("#queue-error")


def test_approve_and_reject_post_feedback_and_update_in_place(
    page: Any, page_log: Any, console: Console
) -> None:
    signed_in(page, console.url, console.seeded.review_key)
    shown_ids(page)
    new, old, mid = console.id("new"), console.id("old"), console.id("mid")
    item(page, new).get_by_role("button", name="Approve").click()
    page.wait_for_selector(f"#decision-{new} .state-approved")
    assert f"Approved by {REVIEWER}" in item(page, new).inner_text()
    assert item(page, new).locator("button").count() == 0
    assert page.evaluate("document.activeElement.id") == f"decision-{new}-title"
    page.wait_for_function(
        "() => document.getElementById('announcer').textContent.includes('approved')"
    )
    item(page, old).get_by_role("button", name="Reject").click()
    page.wait_for_selector(f"#decision-{old} .state-rejected")
    assert shown_ids(page) == pending(console)  # updated in place, not removed

    decisions = Decisions(console.store)
    assert decisions.get(new).review == "approved" and decisions.get(new).reviewed_by == REVIEWER
    assert decisions.get(old).review == "rejected"
    entries = console.seeded.entries
    assert feedback_rows(console.store) == sorted(
        [(entries["r2"], "correct"), (entries["r1"], "false-positive")]
    )
    assert console.store.get_entry("reports", entries["r1"]).false_positive_count == 1

    decisions.review(mid, "approved", "someone-else")  # meanwhile, another moderator
    item(page, mid).get_by_role("button", name="Reject").click()
    page.wait_for_selector(f"#decision-{mid} .state-approved")
    assert "already been reviewed" in item(page, mid).inner_text()
    assert "someone-else" in item(page, mid).inner_text()

    sent = [r for r in page_log.requests if r.body]
    assert len(sent) == 3
    for request in sent:  # nothing but a JSON verdict
        assert request.method == "POST" and request.headers["content-type"] == "application/json"
        assert set(json.loads(request.body)) == {"verdict"}
    assert all(r.method in ("GET", "POST") for r in page_log.requests)


def test_keyboard_only_sign_in_and_approve(page: Any, console: Console) -> None:
    open_console(page, console.url)

    def tab_to(check: str, limit: int = 40) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(check):
                return
        raise AssertionError(f"Tab never reached {check}")

    tab_to("document.activeElement.id === 'key'")
    page.keyboard.type(console.seeded.review_key)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'queue-heading'")
    new = console.id("new")
    tab_to(
        f"document.activeElement.dataset.verdict === 'approved'"
        f" && document.activeElement.closest('li').dataset.id === '{new}'"
    )
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#decision-{new} .state-approved")
    assert page.evaluate("document.activeElement.id") == f"decision-{new}-title"
    assert Decisions(console.store).get(new).review == "approved"


def test_older_pages_load_and_take_focus(page: Any, console: Console) -> None:
    decisions = Decisions(console.store)
    template = decisions.get(console.id("new"))

    class Again:
        action, rule = "review", "bank-action"

        def to_json(self) -> dict[str, Any]:
            return dict(template.details["decision"])

    extra = [decisions.record(Again(), source="bot", chat="-1003") for _ in range(25)]
    signed_in(page, console.url, console.seeded.review_key)
    first = shown_ids(page)
    assert first == extra[::-1]  # 25 a page, newest first
    page.click("#older")
    page.wait_for_function("() => document.querySelectorAll('#queue > li').length === 28")
    assert shown_ids(page) == extra[::-1] + pending(console)
    assert page.evaluate("document.activeElement.id") == f"decision-{console.id('new')}-title"
    assert page.is_hidden("#older")


def test_spanish_and_a_phone_sized_screen(page: Any, console: Console) -> None:
    page.set_viewport_size({"width": 360, "height": 740})
    signed_in(page, console.url, console.seeded.review_key)
    shown_ids(page)
    page.select_option("#language", "es")
    page.wait_for_function("() => document.documentElement.lang === 'es'")
    new = item(page, console.id("new"))
    assert new.get_by_role("button", name="Aprobar").is_visible()
    assert f"Decisión {console.id('new')}: revisar" in new.inner_text()
    assert page.text_content("#queue-heading") == "Decisiones"
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 360, f"the page scrolls sideways at 360 px ({overflow} px wide)"
