"""Property-based: schemathesis drives every operation of the OpenAPI document against a real
server (uvicorn in a thread) over SQLite and PostgreSQL.

Every default check applies (no server error; documented statuses, content types, headers and
response schemas) except two: "schema-valid data is accepted" (the document cannot say which
text is a valid vPDQ frame list, a decodable image or a live sync cursor) and "invalid data is
refused" (the test's key overrides generated Authorization headers, and unknown query
parameters are ignored, as most HTTP APIs do).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from service_helpers import ALL_SCOPES

from consentry.partners import Partners
from consentry.service import ServiceSettings, create_app
from consentry.store import Store

UNLIMITED = ServiceSettings(
    case_creations_per_hour=10**9,
    case_secret_attempts_per_hour=10**9,
    failed_auth_per_minute=10**9,
    poll_seconds=0.05,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, object]]:
    home = tmp_path_factory.mktemp("schemathesis")
    if request.param == "sqlite":
        url = f"sqlite+pysqlite:///{home / 'st.db'}"
    else:
        url = request.getfixturevalue("pg_url")  # the session database's own (public) schema
    store = Store.open_url(url, home=Path(home))
    try:
        store.create_bank("b")
        store.add_entry("b", [("md5", "0" * 32)], label="x")
        key = Partners(store).create("fuzzer", ALL_SCOPES, rate_per_minute=10**6).key
    finally:
        store.close()
    app = create_app(url, Path(home), settings=UNLIMITED)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(600):
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.05)
    assert server.started, "the test server did not start"
    yield {"app": app, "base_url": f"http://127.0.0.1:{port}", "key": key}
    server.should_exit = True
    thread.join(timeout=30)


def operations() -> list[tuple[str, GenerationMode]]:
    """Every operation with valid data, and with invalid data where it takes any input."""
    spec = create_app(None, Path("."), settings=UNLIMITED).openapi()  # touches no database
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            name = f"{method.upper()} {path}"
            found.append((name, GenerationMode.POSITIVE))
            if {"parameters", "requestBody", "security"} & set(operation):
                found.append((name, GenerationMode.NEGATIVE))
    return found


@pytest.mark.parametrize(("operation", "mode"), operations())
def test_the_api_keeps_its_contract(
    live_server: dict, operation: str, mode: GenerationMode
) -> None:
    spec = live_server["app"].openapi()  # type: ignore[attr-defined]
    method, path = operation.split(" ", 1)
    found = schemathesis.openapi.from_dict(spec)[path][method]
    headers = {"Authorization": f"Bearer {live_server['key']}"}

    @given(case=found.as_strategy(generation_mode=mode))
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        response = case.call_and_validate(
            base_url=live_server["base_url"],
            headers=headers,
            excluded_checks=[positive_data_acceptance, negative_data_rejection],
        )
        statuses.append(response.status_code)

    statuses: list[int] = []
    run()
    assert statuses, "no request was made"
    if mode == GenerationMode.POSITIVE:
        assert not {401, 403} & set(statuses), "the key should open every operation"
