"""Helpers for the tests of the people-at-risk pages ("/" and "/case").

Sample pictures are scikit-image's photos, written by the test to its tmp folder; what the
registry stored is read straight from the server's SQLite database.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image
from skimage import data

if TYPE_CHECKING:
    from conftest import LiveServer

SAMPLES: dict[str, Callable[[], np.ndarray]] = {
    "astronaut": data.astronaut,
    "coffee": data.coffee,
    "chelsea": data.chelsea,
    "rocket": data.rocket,
}
NOT_SENDING = ("waiting", "hashing")


def sample_bytes(name: str, fmt: str = "JPEG") -> bytes:
    buffer = io.BytesIO()
    options = {"quality": 90} if fmt == "JPEG" else {}
    Image.fromarray(SAMPLES[name]()).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def write_sample(folder: Path, name: str, fmt: str = "JPEG") -> Path:
    suffix = {"JPEG": ".jpg", "PNG": ".png"}[fmt]
    path = folder / f"{name}{suffix}"
    path.write_bytes(sample_bytes(name, fmt))
    return path


def open_page(page: object, url: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_selector("html[data-ready=true]", state="attached")  # type: ignore[attr-defined]


def file_item(page: object, filename: str) -> object:
    return page.locator("li.file").filter(  # type: ignore[attr-defined]
        has=page.locator(f'h3.file-name:text-is("{filename}")')  # type: ignore[attr-defined]
    )


def wait_until_fingerprinted(page: object, count: int) -> None:
    """Wait until ``count`` files are listed and none is waiting or being hashed."""
    page.wait_for_function(  # type: ignore[attr-defined]
        """count => {
            const items = [...document.querySelectorAll("li.file")];
            return items.length === count &&
                items.every(item => ["ready", "error"].includes(item.dataset.status));
        }""",
        arg=count,
        timeout=60_000,
    )


def choose_label(page: object, filename: str, label: str) -> None:
    file_item(page, filename).locator(f'input[type=radio][value="{label}"]').check()  # type: ignore[attr-defined]


def review_and_send(page: object) -> tuple[str, str]:
    """Press review, then send; returns the (case id, secret) the page shows."""
    page.click("#review-button")  # type: ignore[attr-defined]
    page.wait_for_selector("#review:not([hidden])")  # type: ignore[attr-defined]
    page.click("#send-button")  # type: ignore[attr-defined]
    return read_receipt(page)


def read_receipt(page: object) -> tuple[str, str]:
    page.wait_for_selector("#receipt:not([hidden])")  # type: ignore[attr-defined]
    page.wait_for_function("() => document.querySelectorAll('li.file').length === 0")  # type: ignore[attr-defined]
    case_id = page.text_content("#receipt-id")  # type: ignore[attr-defined]
    secret = page.text_content("#receipt-secret")  # type: ignore[attr-defined]
    assert case_id and secret
    return case_id, secret


def stored_case(server: LiveServer, case_id: str) -> tuple[str, list[tuple[str, str, str]]]:
    """The case's status and its (type, value, label) rows, from the server's database."""
    with sqlite3.connect(server.home / "consentry.db") as db:
        row = db.execute("SELECT id, status FROM cases WHERE public_id = ?", (case_id,)).fetchone()
        assert row is not None, f"no case {case_id} in the store"
        rows = db.execute(
            "SELECT f.type, f.value, e.label FROM fingerprints f "
            "JOIN entries e ON e.id = f.entry_id WHERE e.case_id = ? ORDER BY f.id",
            (row[0],),
        ).fetchall()
    return row[1], [(kind, value, label) for kind, value, label in rows]


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def api_bodies(requests: Iterable[object]) -> list[bytes]:
    """Bodies of the requests the page sent to the API."""
    return [
        request.body  # type: ignore[attr-defined]
        for request in requests
        if "/v1/" in request.url and request.body  # type: ignore[attr-defined]
    ]
