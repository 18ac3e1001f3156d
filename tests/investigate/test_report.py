"""The investigation report: self-contained HTML with every plot, rendered in real Chromium, and
its PDF. The browser is Debian's Chromium driven by Playwright; missing, the tests FAIL."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import pytest

from consentry.investigate import report
from consentry.investigate.report import PLOT_IDS, pdf_unavailable_reason, write_report
from consentry.investigate.summary import ClusterCount, ForwardEdge, Summary

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
HOSTILE = '<script>window.pwned=1</script><img src="http://example.invalid/x.png">'


def chromium() -> str:
    found = report.chromium_executable()
    if found is None:
        pytest.fail(
            "Chromium not found: the report tests need Debian's chromium (apt-get install "
            "chromium) or $CONSENTRY_CHROMIUM pointing at a Chromium binary",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium(), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


class Opened:
    """A report page loaded in Chromium, with every request and error it produced."""

    def __init__(self, browser: object, html: Path) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on(
            "console",
            lambda message: self.errors.append(message.text) if message.type == "error" else None,
        )
        self.page.goto(html.resolve().as_uri(), wait_until="load")

    def count(self, selector: str) -> int:
        return int(self.page.locator(selector).count())

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_report(browser: object) -> Iterator[object]:
    opened: list[Opened] = []

    def open_(html: Path) -> Opened:
        opened.append(Opened(browser, html))
        return opened[-1]

    yield open_
    for item in opened:
        item.close()


def busy_summary() -> Summary:
    """Many chats, long and hostile names, a long timeline with gaps, many clusters."""
    chats = {f"chat {i} " + "with a very long name " * 3: 500 - i for i in range(40)}
    chats[HOSTILE] = 1_000
    return replace(
        Summary.example(),
        chats=chats,
        chats_flagged={HOSTILE: 400},
        bots={HOSTILE: 7, "@render_bot": 90},
        weekly={"2023-01-02": 5, "2024-06-03": 9},
        weekly_flagged={"2024-06-03": 2},
        forwards=[ForwardEdge(f"source {i}", HOSTILE, 50 - i) for i in range(30)]
        + [ForwardEdge(HOSTILE, HOSTILE, 3)],
        languages={f"l{i}": i + 1 for i in range(30)},
        clusters=[ClusterCount(i, f"{i:064x}", 100 - i) for i in range(40)],
    )


def test_summary_round_trips_through_json() -> None:
    summary = busy_summary()
    assert Summary.from_json(json.loads(json.dumps(summary.to_json()))) == summary
    assert Summary.from_json(Summary.example().to_json()) == Summary.example()
    fresh = Summary(exports=["x"], generated_at=datetime(2024, 1, 1, tzinfo=UTC))
    assert fresh.hours == [0] * 24 and fresh.forwards == [] and fresh.clusters == []


def test_html_is_self_contained_and_has_every_plot(tmp_path: Path) -> None:
    written = write_report(busy_summary(), tmp_path / "out", pdf=False)
    assert written == [tmp_path / "out" / "report.html"]
    html = written[0].read_text(encoding="utf-8")
    for plot_id in PLOT_IDS:
        assert f'id="{plot_id}"' in html
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert escape(HOSTILE) in html  # shown as text
    # Apart from the hostile name (as text), the only URL is SVG's namespace, and nothing
    # refers to anything outside the page.
    rest = html.replace(escape(HOSTILE), "")
    assert set(re.findall(r"https?://[^\s\"'<>)]+", rest)) == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"\b(?:src|href)\s*=|url\((?!#)|@import", rest)
    assert "default-src 'none'" in html


def test_report_renders_in_chromium_with_every_plot(tmp_path: Path, open_report: object) -> None:
    html = write_report(Summary.example(), tmp_path, pdf=False)[0]
    opened = open_report(html)  # type: ignore[operator]
    assert opened.errors == []
    assert opened.requests == [html.resolve().as_uri()]
    for plot_id in PLOT_IDS:
        plot = opened.page.locator(f"svg#{plot_id}")
        assert plot.is_visible(), plot_id
        assert plot.bounding_box()["width"] > 300, plot_id
        assert opened.count(f"svg#{plot_id} rect, svg#{plot_id} path") > 1, plot_id
        assert "Nothing to show" not in plot.text_content()
    assert opened.count("svg#plot-forwards path[marker-end]") == 4  # one arrow per edge
    assert opened.count("svg#plot-forwards circle") == 4  # one node per chat
    assert opened.count("svg#plot-hours rect") >= 24
    assert opened.count("svg#plot-chats text title") == 3  # one tooltip per chat label
    clusters = opened.page.locator("svg#plot-clusters").text_content()
    assert "0123456789abcdef" * 2 in clusters and "58" in clusters
    figures = opened.page.locator("#key-figures").inner_text()
    assert "1,240" in figures and "617" in figures


def test_hostile_names_stay_text_and_big_inputs_are_trimmed(
    tmp_path: Path, open_report: object
) -> None:
    html = write_report(busy_summary(), tmp_path, pdf=False)[0]
    opened = open_report(html)  # type: ignore[operator]
    assert opened.errors == []
    assert opened.requests == [html.resolve().as_uri()]
    assert opened.page.evaluate("window.pwned === undefined")
    assert opened.count("img") == 0 and opened.count("script") == 0
    assert HOSTILE in opened.page.locator("svg#plot-chats").text_content()
    assert opened.count("svg#plot-chats text title") == report.TOP_ROWS
    assert opened.count("svg#plot-languages text title") == 12
    # Self-forwards are left out; the rest is cut to the busiest 24 arrows.
    assert opened.count("svg#plot-forwards path[marker-end]") == 24
    weekly = opened.page.locator("svg#plot-weekly")
    assert opened.count("svg#plot-weekly rect title") == 2 * 75  # 2023-01-02 .. 2024-06-03
    assert "2023-01-02" in weekly.text_content()
    assert opened.count("svg#plot-clusters text") == 4 + 4 * report.TOP_CLUSTERS


def test_an_empty_investigation_still_renders_every_plot(
    tmp_path: Path, open_report: object
) -> None:
    empty = Summary(exports=[], generated_at=datetime(2024, 1, 1, tzinfo=UTC))
    html = write_report(empty, tmp_path, pdf=False)[0]
    opened = open_report(html)  # type: ignore[operator]
    assert opened.errors == []
    for plot_id in PLOT_IDS:
        assert "Nothing to show" in opened.page.locator(f"svg#{plot_id}").text_content(), plot_id


def test_pdf_is_printed_by_chromium(tmp_path: Path) -> None:
    chromium()
    written = write_report(Summary.example(), tmp_path, pdf=True)
    assert written == [tmp_path / "report.html", tmp_path / "report.pdf"]
    data = written[1].read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", data)) >= 2  # the report spans pages
    assert pdf_unavailable_reason() is None


def test_without_chromium_the_pdf_is_left_out_and_said_plainly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(report.CHROMIUM_ENV, str(tmp_path / "no-chromium"))
    with caplog.at_level(logging.WARNING, logger=report.__name__):
        written = write_report(Summary.example(), tmp_path, pdf=True)
    assert written == [tmp_path / "report.html"]
    assert not (tmp_path / "report.pdf").exists()
    reason = pdf_unavailable_reason()
    assert reason is not None and "report.pdf not written" in reason and "Chromium" in reason
    assert reason in caplog.text


def test_a_failing_chromium_leaves_no_pdf_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake = tmp_path / "fake-chromium"
    fake.write_text(
        "#!/bin/sh\nfor a; do case $a in --print-to-pdf=*) "
        'printf half > "${a#--print-to-pdf=}";; esac; done\nexit 3\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv(report.CHROMIUM_ENV, str(fake))
    with caplog.at_level(logging.WARNING, logger=report.__name__):
        written = write_report(Summary.example(), tmp_path, pdf=True)
    assert written == [tmp_path / "report.html"]
    assert not (tmp_path / "report.pdf").exists()
    assert "exited with 3" in caplog.text
