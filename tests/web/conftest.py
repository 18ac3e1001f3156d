"""The web pages in real headless Chromium (Debian's), driven by Playwright.

- ``chromium_path``: ``$CONSENTRY_CHROMIUM`` or /usr/bin/chromium. Missing, the tests FAIL
  and say how to install it (``./dev test`` installs it where it can); never a silent skip.
- ``make_server`` / ``server``: ``consentry serve``'s app under uvicorn on 127.0.0.1 (a
  real HTTP server on a free port) over a fresh SQLite home; ``server.url``,
  ``server.store``-free helpers live in web_helpers.
- ``browser`` (session) and ``page``: a fresh context per test. ``page_log`` records every
  request the page makes (method, URL, body) and every script error; a test that leaves a
  page error behind fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn

from consentry.service import ServiceSettings, create_app

CHROMIUM_ENV = "CONSENTRY_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
# Without the background-networking switches Chromium dials Google's hosts at start-up;
# nothing reaches the internet here, and the tests must not depend on it anyway.
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
# The pages create many cases from one address during a test run.
TEST_SETTINGS = {
    "poll_seconds": 0.05,
    "case_creations_per_hour": 100_000,
    "case_secret_attempts_per_hour": 100_000,
}


@dataclass
class LiveServer:
    url: str
    home: Path
    db_url: str
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(home: Path, db_url: str | None = None, **settings: object) -> LiveServer:
    chosen = ServiceSettings(**{**TEST_SETTINGS, **settings})  # type: ignore[arg-type]
    app = create_app(db_url, home, settings=chosen)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    return LiveServer(url, home, db_url or f"sqlite:///{home / 'consentry.db'}", server, thread)


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def make(db_url: str | None = None, **settings: object) -> LiveServer:
        home = tmp_path / f"server{len(started)}"
        home.mkdir()
        server = start_server(home, db_url, **settings)
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., LiveServer]) -> LiveServer:
    return make_server()


def chromium_executable() -> str:
    path = os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM
    if not (Path(path).is_file() and os.access(path, os.X_OK)) and not shutil.which(path):
        pytest.fail(
            f"Chromium not found at {path}: the web tests need Debian's chromium "
            f"(apt-get install chromium; ./dev test installs it when run as root) or "
            f"${CHROMIUM_ENV} pointing at a Chromium binary",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@dataclass
class RequestRecord:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None


@dataclass
class PageLog:
    requests: list[RequestRecord] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def context(browser: object) -> Iterator[object]:
    created = browser.new_context(  # type: ignore[attr-defined]
        viewport={"width": 1280, "height": 900}, locale="en-US"
    )
    created.set_default_timeout(20_000)
    yield created
    created.close()


@pytest.fixture
def page(context: object, page_log: PageLog) -> Iterator[object]:
    opened = context.new_page()  # type: ignore[attr-defined]
    watch(opened, page_log)
    yield opened
    if page_log.errors:
        pytest.fail("the page raised errors:\n" + "\n".join(page_log.errors), pytrace=False)


def watch(page: object, log: PageLog) -> None:
    """Record every request ``page`` makes, its uncaught errors and console errors."""

    def on_request(request: object) -> None:
        log.requests.append(
            RequestRecord(
                request.method,  # type: ignore[attr-defined]
                request.url,  # type: ignore[attr-defined]
                dict(request.headers),  # type: ignore[attr-defined]
                request.post_data_buffer,  # type: ignore[attr-defined]
            )
        )

    page.on("request", on_request)  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: log.errors.append(str(error)))  # type: ignore[attr-defined]
    page.on(  # type: ignore[attr-defined]
        "console",
        lambda message: (
            log.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
