"""A real ``consentry serve``: startup, JSON logs, no acknowledged case lost to SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from service_helpers import random_pdq

STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def consentry(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "consentry", "--home", str(home), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CONSENTRY_DEBUG": "1"},
    )


@contextmanager
def serving(
    home: Path, db_url: str, log: Path, *extra: str
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "consentry",
                "--home",
                str(home),
                "serve",
                "--port",
                str(port),
                "--db",
                db_url,
                *extra,
            ],
            stdout=sink,
            stderr=sink,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not come up:\n" + log.read_text()
            time.sleep(0.1)
        yield process, base
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def test_sigkill_loses_no_acknowledged_case(tmp_path: Path, db_url: str) -> None:
    home = tmp_path / "home"
    log = tmp_path / "serve.log"
    key = json.loads(
        consentry(
            home, "partner", "--db", db_url, "create", "p", "--scopes", "match", "--json"
        ).stdout
    )["key"]
    acknowledged: list[tuple[str, str, str]] = []
    stop = threading.Event()

    def submit(base: str, first_seed: int) -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            seed = first_seed
            while not stop.is_set():
                seed += 1
                pdq = random_pdq(seed)
                try:
                    response = client.post(
                        "/v1/cases", json={"fingerprints": [{"type": "pdq", "value": pdq}]}
                    )
                except httpx.TransportError:
                    return  # the server is gone: whatever was not acknowledged may be lost
                if response.status_code == 201:
                    body = response.json()
                    acknowledged.append((body["case_id"], body["secret"], pdq))

    with serving(home, db_url, log) as (process, base):
        writers = [
            threading.Thread(target=submit, args=(base, 100_000 * (n + 1))) for n in range(3)
        ]
        for writer in writers:
            writer.start()
        while len(acknowledged) < 25 and all(w.is_alive() for w in writers):
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)  # in the middle of submissions
        process.wait(timeout=30)
        stop.set()
        for writer in writers:
            writer.join(timeout=30)
    assert len(acknowledged) >= 25, log.read_text()

    with serving(home, db_url, log) as (_process, base), httpx.Client(base_url=base) as client:
        for case_id, secret, _pdq in acknowledged:
            status = client.get(f"/v1/cases/{case_id}", headers={"X-Case-Secret": secret})
            assert status.status_code == 200, status.text
            assert status.json()["status"] == "active"
            assert status.json()["fingerprint_count"] == 1
        body = {"fingerprints": [{"type": "pdq", "value": pdq} for _c, _s, pdq in acknowledged]}
        found = client.post("/v1/match", json=body, headers={"Authorization": f"Bearer {key}"})
        assert found.status_code == 200, found.text
        counts = [len(result["matches"]) for result in found.json()["results"]]
        assert counts == [1] * len(acknowledged), counts

    lines = [line for line in log.read_text().splitlines() if line.startswith("{")]
    events = [json.loads(line) for line in lines]
    requests = [e for e in events if e.get("event") == "request"]
    assert requests and all("route" in e and "status" in e for e in requests)
    assert {"route": "/v1/match", "partner": "p", "status": 200}.items() <= next(
        e for e in requests if e["route"] == "/v1/match"
    ).items()
    text = log.read_text()
    for case_id, secret, pdq in acknowledged[:10]:
        assert secret not in text and case_id not in text and pdq not in text
    assert key not in text


def wait_for(check: object, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_every_worker_follows_additions_and_withdrawals(tmp_path: Path, db_url: str) -> None:
    home = tmp_path / "home"
    key = json.loads(
        consentry(
            home, "partner", "--db", db_url, "create", "p", "--scopes", "match", "--json"
        ).stdout
    )["key"]
    pdq = random_pdq(77)
    query = {"fingerprints": [{"type": "pdq", "value": pdq}]}
    auth = {"Authorization": f"Bearer {key}"}
    with serving(home, db_url, tmp_path / "serve.log", "--workers", "2") as (_p, base):
        # A fresh connection per request, so requests spread over the workers.
        def found() -> list[int]:
            return [
                len(
                    httpx.post(f"{base}/v1/match", json=query, headers=auth).json()["results"][0][
                        "matches"
                    ]
                )
                for _ in range(20)
            ]

        created = httpx.post(f"{base}/v1/cases", json=query).json()
        wait_for(lambda: found() == [1] * 20, "the addition did not reach every worker")
        withdrawn = httpx.delete(
            f"{base}/v1/cases/{created['case_id']}", headers={"X-Case-Secret": created["secret"]}
        )
        assert withdrawn.status_code == 200
        wait_for(lambda: found() == [0] * 20, "the withdrawal did not reach every worker")
