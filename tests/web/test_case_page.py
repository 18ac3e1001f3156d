"""The "/case" page in real Chromium: check a case with its id and secret, withdraw it."""

from __future__ import annotations

import re

import httpx
from page_helpers import open_page, stored_case

NOT_FOUND = "There is no case with this id and secret."


def new_case(server, count: int = 2) -> tuple[str, str]:
    fingerprints = [
        {"type": "md5", "value": f"{index:032x}", "label": "intimate"} for index in range(count)
    ]
    response = httpx.post(server.url + "/v1/cases", json={"fingerprints": fingerprints})
    assert response.status_code == 201, response.text
    receipt = response.json()
    return receipt["case_id"], receipt["secret"]


def check(page, case_id: str, secret: str) -> None:
    page.fill("#case-id", case_id)
    page.fill("#secret", secret)
    page.click("#check-button")
    page.wait_for_function(
        "() => !document.getElementById('case-result').hidden || "
        "document.getElementById('case-error').textContent.length > 0"
    )


def test_the_fragment_prefills_the_id_and_the_case_is_shown(server, page, page_log) -> None:
    case_id, secret = new_case(server, 3)
    open_page(page, f"{server.url}/case#{case_id}")
    assert page.input_value("#case-id") == case_id
    page.fill("#secret", secret)
    page.press("#secret", "Enter")
    page.wait_for_selector("#case-result:not([hidden])")
    assert page.text_content("#result-status") == "Active"
    assert page.text_content("#result-count") == "3"
    created = page.text_content("#result-created") or ""
    assert created and "T" not in created  # a localised date, not the ISO text
    assert page.evaluate("document.activeElement.id") == "result-heading"
    assert page.is_visible("#withdraw-button")
    for request in page_log.requests:
        assert secret not in request.url
    lookups = [request for request in page_log.requests if "/v1/cases/" in request.url]
    assert [request.headers.get("x-case-secret") for request in lookups] == [secret]
    assert secret not in page.url


def test_a_wrong_secret_and_an_unknown_id_get_the_same_answer(server, page) -> None:
    case_id, _ = new_case(server)
    open_page(page, server.url + "/case")
    check(page, case_id, "not-the-secret")
    wrong = page.text_content("#case-error")
    check(page, "c_" + "A" * 22, "not-the-secret")
    unknown = page.text_content("#case-error")
    assert wrong == unknown and NOT_FOUND in (wrong or "")
    assert page.is_hidden("#case-result")


def test_missing_or_malformed_fields_are_marked(server, page) -> None:
    open_page(page, server.url + "/case")
    page.fill("#case-id", "not-a-case-id")
    page.click("#check-button")
    assert page.get_attribute("#case-id", "aria-invalid") == "true"
    assert "starts with c_" in (page.text_content("#case-id-error") or "")
    assert "case-id-error" in (page.get_attribute("#case-id", "aria-describedby") or "")
    assert page.get_attribute("#secret", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "case-id"
    page.fill("#case-id", "c_" + "B" * 22)
    page.fill("#secret", "something")
    check(page, "c_" + "B" * 22, "something")
    assert page.get_attribute("#case-id", "aria-invalid") is None


def test_the_secret_can_be_shown_and_hidden(server, page) -> None:
    open_page(page, server.url + "/case")
    assert page.get_attribute("#secret", "type") == "password"
    page.click("#toggle-secret")
    assert page.get_attribute("#secret", "type") == "text"
    assert page.get_attribute("#toggle-secret", "aria-pressed") == "true"
    assert page.text_content("#toggle-secret") == "Hide secret"
    page.click("#toggle-secret")
    assert page.get_attribute("#secret", "type") == "password"


def test_withdrawal_asks_first_and_can_be_cancelled(server, page) -> None:
    case_id, secret = new_case(server)
    open_page(page, server.url + "/case")
    check(page, case_id, secret)
    page.click("#withdraw-button")
    assert page.is_visible("#confirm")
    assert page.evaluate("document.activeElement.id") == "confirm-heading"
    assert "cannot be undone" in (page.text_content("#confirm") or "")
    page.click("#cancel-withdraw")
    assert page.is_hidden("#confirm")
    assert page.evaluate("document.activeElement.id") == "withdraw-button"
    assert stored_case(server, case_id)[0] == "active"
    page.click("#withdraw-button")
    page.click("#confirm-withdraw")
    page.wait_for_selector("#case-result[data-status=withdrawn]")
    assert "withdrawn" in (page.text_content("#result-message") or "")
    assert stored_case(server, case_id) == ("withdrawn", [])


def test_a_locked_case_says_when_to_try_again(server, page) -> None:
    case_id, secret = new_case(server)
    for _ in range(10):  # the registry locks a case after 10 wrong secrets in a row
        httpx.get(f"{server.url}/v1/cases/{case_id}", headers={"X-Case-Secret": "wrong"})
    open_page(page, server.url + "/case")
    check(page, case_id, secret)
    error = page.text_content("#case-error") or ""
    # The lock lasts 900 s; the answer rounds the seconds left up to minutes.
    assert re.search(r"locked for a while\. Try again in 1[56] minutes\.", error), error


def test_too_many_attempts_from_one_connection_are_explained(make_server, page) -> None:
    server = make_server(case_secret_attempts_per_hour=0)
    open_page(page, server.url + "/case")
    check(page, "c_" + "C" * 22, "anything")
    assert "Too many requests from this connection. Try again in 1 hour" in (
        page.text_content("#case-error") or ""
    )
