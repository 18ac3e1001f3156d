"""Mirror a remote registry's feed into local banks.

    report = sync_from("https://registry.example", key, store, state_file=path)

Pages through ``GET {url}/v1/sync`` (``Authorization: Bearer <key>``) and applies each
page to the local store: remote bank ``B`` becomes local bank ``<prefix>B`` (created when
first needed); an "add" creates (or replaces) the local copy of the entry, a "remove"
deletes it. After each page the cursor is saved to ``state_file`` (atomically), so an
interrupted run resumes where it stopped.

Local copies are tied to their remote entry by their note, ``synced from <source> entry
<id>`` (remote entry ids are never reused), and every page is applied idempotently: a page
applied twice (a crash between applying it and saving the cursor) gives the same banks.
So a withdrawal on the remote side always deletes the local copy.

The response is untrusted input: every item is checked; invalid items are skipped and
counted, never stored. The key is never logged or written anywhere; a plain ``http://``
URL is refused unless it points at this machine (or ``allow_insecure``).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select

from consentry.errors import ConsentryError
from consentry.store import BankExists, NewEntry, Store, UnknownBank, UnknownEntry
from consentry.store.models import BankRow, EntryRow
from consentry.store.validation import check_bank_name, checked_entry
from consentry.sync.errors import SyncError
from consentry.sync.feed import MAX_FEED_LIMIT

STATE_VERSION = 1
SYNC_ACTOR = "sync"
TIMEOUT_SECONDS = 30.0
RETRIES = 3
MAX_RETRY_AFTER_SECONDS = 60.0
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "testserver"}
_NOTE_LOOKUP_BATCH = 500


@dataclass
class SyncReport:
    source: str
    added: int = 0
    replaced: int = 0
    removed: int = 0
    invalid: int = 0  # items refused (malformed, bad fingerprint, bad bank name)
    pages: int = 0
    cursor: str = ""
    banks: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "added": self.added,
            "replaced": self.replaced,
            "removed": self.removed,
            "invalid": self.invalid,
            "pages": self.pages,
            "cursor": self.cursor,
            "banks": self.banks,
        }


@dataclass(frozen=True)
class _Item:
    entry: int
    op: str
    bank: str | None
    new: NewEntry | None  # for "add": the checked entry to store


def source_of(url: str) -> str:
    """The URL without credentials, query or fragment: names the source in notes and state."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(f"not an http(s) URL: {_shown(url)}", code="invalid-url")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


def sync_from(
    url: str,
    key: str,
    store: Store,
    *,
    bank_prefix: str = "",
    state_file: str | os.PathLike[str],
    client: httpx.Client | None = None,
    page_limit: int = 1000,
    max_pages: int | None = None,
    allow_insecure: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> SyncReport:
    """Pull every page after the saved cursor and mirror it; returns what changed."""
    source = source_of(url)
    parts = urlsplit(source)
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK and not allow_insecure:
        raise SyncError(
            f"refusing to send the key over plain http to {parts.hostname}: use https",
            code="insecure-url",
        )
    if not key or not isinstance(key, str):
        raise SyncError("no sync key given", code="missing-key")
    if not 1 <= page_limit <= MAX_FEED_LIMIT:
        raise SyncError(f"page_limit must be 1..{MAX_FEED_LIMIT}", code="invalid-limit")
    state_path = Path(state_file)
    cursor = _read_state(state_path, source)
    report = SyncReport(source=source, cursor=cursor)
    owned = client is None
    http = client or httpx.Client(timeout=TIMEOUT_SECONDS)
    try:
        while max_pages is None or report.pages < max_pages:
            body = _get_page(http, source, key, cursor, page_limit, sleep)
            items, next_cursor, more = _parse_page(body, report)
            _apply_page(store, source, bank_prefix, items, report)
            cursor = next_cursor
            _write_state(state_path, source, cursor)
            report.pages += 1
            report.cursor = cursor
            if not more:
                break
    finally:
        if owned:
            http.close()
    report.banks = sorted(set(report.banks))
    return report


# -- HTTP ------------------------------------------------------------------------------


def _get_page(
    http: httpx.Client,
    source: str,
    key: str,
    cursor: str,
    limit: int,
    sleep: Callable[[float], None],
) -> Any:
    params = {"limit": str(limit)}
    if cursor:
        params["cursor"] = cursor
    headers = {"Authorization": f"Bearer {key}", "Accept": "application/json"}
    for attempt in range(RETRIES + 1):
        last = attempt == RETRIES
        try:
            response = http.get(f"{source}/v1/sync", params=params, headers=headers)
        except httpx.HTTPError as error:
            if last:
                raise SyncError(
                    f"cannot reach {source}: {type(error).__name__}", code="sync-unreachable"
                ) from None
            sleep(2.0**attempt)
            continue
        if response.status_code in (401, 403):
            raise SyncError(
                f"{source} refused the sync key ({response.status_code} "
                f"{_error_code(response)}): check the key and that it has the sync scope",
                code="sync-unauthorized",
            )
        if response.status_code == 429 or response.status_code >= 500:
            if last:
                raise SyncError(
                    f"{source} answered {response.status_code} {_error_code(response)}",
                    code="sync-unavailable",
                )
            sleep(_retry_after(response, 2.0**attempt))
            continue
        if response.status_code != 200:
            raise SyncError(
                f"{source} answered {response.status_code} {_error_code(response)}",
                code="sync-bad-response",
            )
        try:
            return response.json()
        except ValueError:
            raise SyncError(f"{source} did not answer JSON", code="sync-bad-response") from None
    raise AssertionError("unreachable")


def _retry_after(response: httpx.Response, default: float) -> float:
    try:
        seconds = float(response.headers.get("Retry-After", default))
    except ValueError:
        seconds = default
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _error_code(response: httpx.Response) -> str:
    with contextlib.suppress(ValueError, AttributeError, TypeError):
        code = response.json()["error"]["code"]
        if isinstance(code, str):
            return code[:64]
    return ""


# -- parsing (the server's answer is untrusted input) ----------------------------------


def _parse_page(body: Any, report: SyncReport) -> tuple[list[_Item], str, bool]:
    if not isinstance(body, dict):
        raise SyncError("the sync answer is not a JSON object", code="sync-bad-response")
    raw_items, cursor, more = body.get("items"), body.get("cursor"), body.get("more")
    if not isinstance(raw_items, list) or not isinstance(cursor, str) or not cursor:
        raise SyncError("the sync answer lacks items or cursor", code="sync-bad-response")
    if not isinstance(more, bool) or len(cursor) > 256:
        raise SyncError("the sync answer has a bad 'more' or cursor", code="sync-bad-response")
    items = []
    for raw in raw_items:
        item = _parse_item(raw)
        if item is None:
            report.invalid += 1
        else:
            items.append(item)
    return items, cursor, more


def _parse_item(raw: Any) -> _Item | None:
    if not isinstance(raw, dict):
        return None
    op, entry, bank = raw.get("op"), raw.get("entry"), raw.get("bank")
    if isinstance(entry, bool) or not isinstance(entry, int) or not 0 < entry < 2**63:
        return None
    if bank is not None and not isinstance(bank, str):
        return None
    if op == "remove":
        return _Item(entry, "remove", bank, None)
    if op != "add" or bank is None:
        return None
    fingerprints, label = raw.get("fingerprints"), raw.get("label")
    if not isinstance(fingerprints, list) or (label is not None and not isinstance(label, str)):
        return None
    pairs = []
    for fp in fingerprints:
        if not isinstance(fp, dict) or not isinstance(fp.get("type"), str):
            return None
        pairs.append((fp["type"], fp.get("value")))
    try:
        checked = checked_entry(NewEntry(pairs, label))
    except ConsentryError:
        return None
    return _Item(entry, "add", bank, checked)


# -- applying a page -------------------------------------------------------------------


def _apply_page(
    store: Store, source: str, prefix: str, items: list[_Item], report: SyncReport
) -> None:
    latest: dict[int, _Item] = {}
    for item in items:  # in seq order: the last word about an entry wins
        latest.pop(item.entry, None)
        latest[item.entry] = item
    notes = {entry: _note(source, entry) for entry in latest}
    copies = _local_copies(store, list(notes.values()))
    additions: dict[str, list[NewEntry]] = {}
    for entry, item in latest.items():
        for bank, local_id in copies.get(notes[entry], []):
            with contextlib.suppress(UnknownBank, UnknownEntry):
                store.remove_entry(bank, local_id, actor=SYNC_ACTOR)
                if item.op == "remove":
                    report.removed += 1
        if item.op == "add" and item.new is not None and item.bank is not None:
            local_bank = _local_bank_name(prefix, item.bank)
            if local_bank is None:
                report.invalid += 1
                continue
            if copies.get(notes[entry]):
                report.replaced += 1
            else:
                report.added += 1
            new = NewEntry(item.new.fingerprints, item.new.label, notes[entry])
            additions.setdefault(local_bank, []).append(new)
    for bank, new_entries in additions.items():
        _ensure_bank(store, bank, _kind_of(new_entries))
        store.add_entries(bank, new_entries, actor=SYNC_ACTOR)
        report.banks.append(bank)


def _note(source: str, remote_entry: int) -> str:
    return f"synced from {source} entry {remote_entry}"


def _local_copies(store: Store, notes: list[str]) -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {}
    with store.reading() as session:
        for start in range(0, len(notes), _NOTE_LOOKUP_BATCH):
            rows = session.execute(
                select(EntryRow.note, BankRow.name, EntryRow.id)
                .join(BankRow, BankRow.id == EntryRow.bank_id)
                .where(EntryRow.note.in_(notes[start : start + _NOTE_LOOKUP_BATCH]))
            )
            for note, bank, entry_id in rows:
                found.setdefault(note, []).append((bank, entry_id))
    return found


def _local_bank_name(prefix: str, remote_bank: str) -> str | None:
    try:
        return check_bank_name(prefix + remote_bank)
    except ConsentryError:
        return None


def _ensure_bank(store: Store, name: str, kind: str) -> None:
    try:
        store.get_bank(name)
    except UnknownBank:
        with contextlib.suppress(BankExists):
            store.create_bank(name, kind=kind, actor=SYNC_ACTOR)


def _kind_of(entries: list[NewEntry]) -> str:
    """A mirrored bank holding protected-photo fingerprints is a protected bank."""
    regions = any(kind == "regions" for entry in entries for kind, _ in entry.fingerprints)
    return "protected" if regions else "ncii"


# -- state file ------------------------------------------------------------------------


def _read_state(path: Path, source: str) -> str:
    if not path.exists():
        return ""
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SyncError(
            f"cannot read the sync state {path}: {error}; delete it to start over",
            code="sync-state-unreadable",
        ) from None
    if (
        not isinstance(state, dict)
        or state.get("version") != STATE_VERSION
        or not isinstance(state.get("cursor"), str)
    ):
        raise SyncError(
            f"the sync state {path} is not one Consentry wrote; delete it to start over",
            code="sync-state-unreadable",
        )
    if state.get("source") != source:
        raise SyncError(
            f"the sync state {path} belongs to {state.get('source')!r}, not {source!r}",
            code="sync-state-mismatch",
        )
    return state["cursor"]


def _write_state(path: Path, source: str, cursor: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": STATE_VERSION, "source": source, "cursor": cursor})
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".sync-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _shown(url: str) -> str:
    """A URL fit for a message: no credentials."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}" if parts.scheme else "(url)"
