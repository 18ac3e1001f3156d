"""``consentry sync`` over real HTTP against a feed served by uvicorn."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

from consentry.cli.app import app
from consentry.store import Store

from .conftest import KEY, feed_app


@pytest.fixture
def served(remote: Store) -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(feed_app(remote), host="127.0.0.1", port=port, log_level="error")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the test server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_sync_command(remote: Store, served: str, tmp_path: Path) -> None:
    remote.create_bank("cases")
    entry = remote.add_entry("cases", [("pdq", "a" * 64)], label="intimate")
    home = tmp_path / "local"
    runner = CliRunner()
    args = ["--home", str(home), "sync", "--from", served, "--prefix", "hub-", "--json"]
    result = runner.invoke(app, args, env={"CONSENTRY_SYNC_KEY": KEY})
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["added"], report["banks"]) == (1, ["hub-cases"])
    assert KEY not in result.output
    assert len(list((home / "sync").glob("*.json"))) == 1

    remote.remove_entry("cases", entry)
    result = runner.invoke(app, args[:-1], env={"CONSENTRY_SYNC_KEY": KEY})
    assert result.exit_code == 0, result.output
    assert "1 removed" in result.stdout
    with Store.open(home) as local:
        assert list(local.iter_entries("hub-cases")) == []


def test_sync_command_errors(served: str, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--home", str(tmp_path / "local"), "sync", "--from", served]
    wrong = runner.invoke(app, [*base, "--key", "cs_wrong"])
    assert wrong.exit_code == 4
    assert "[sync-unauthorized]" in wrong.stderr and "cs_wrong" not in wrong.output
    missing = runner.invoke(app, base, env={"CONSENTRY_SYNC_KEY": ""})
    assert missing.exit_code == 2
