"""The pages and their files are served by Consentry itself, with headers that keep it so."""

from __future__ import annotations

import httpx

from consentry.web import PAGES
from consentry.web.pages import CONTENT_SECURITY_POLICY


def test_every_page_is_served_with_a_strict_content_security_policy(server) -> None:
    for path in PAGES:
        response = httpx.get(server.url + path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"


def test_static_files_carry_the_same_headers_and_the_api_does_not(server) -> None:
    css = httpx.get(server.url + "/static/css/consentry.css")
    assert css.status_code == 200
    assert css.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    api = httpx.get(server.url + "/healthz")
    assert "content-security-policy" not in api.headers


def test_a_missing_static_file_is_a_404(server) -> None:
    assert httpx.get(server.url + "/static/js/nothing-here.js").status_code == 404


def test_every_page_loads_everything_it_asks_for_from_this_server_alone(
    server, page, page_log
) -> None:
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else 0)
    for path in PAGES:
        page.goto(server.url + path, wait_until="networkidle")
    assert failed == []
    assert page_log.console_errors == []
    assert page_log.requests, "the pages made no requests at all"
    for request in page_log.requests:
        assert request.url.startswith(server.url + "/"), request.url
