"""A fake per-file job for the scan engine: no images needed, behaviour driven by file content."""

from __future__ import annotations

from pathlib import Path

from consentry.errors import ConsentryError
from consentry.scan import FileEntry, Outcome


def fake_work(path: str) -> dict[str, object]:
    text = Path(path).read_text()
    if text.startswith("bad"):
        raise ConsentryError(f"{path}: broken on purpose", code="corrupt")
    if text.startswith("txt"):
        raise ConsentryError(f"{path}: looks like text", code="unsupported-format")
    return {"kind": "video" if text.startswith("video") else "image", "pdq": text.strip()}


class FakeJob:
    """Records every file it finished, so tests can tell what was (re)processed."""

    def __init__(self) -> None:
        self.finished: list[str] = []

    @property
    def work(self):
        return fake_work

    def finish(self, entry: FileEntry, outcome: Outcome) -> dict[str, object]:
        self.finished.append(entry.path)
        record: dict[str, object] = {
            "path": entry.path,
            "size": entry.size,
            "mtime_ns": entry.mtime_ns,
            "kind": None,
            "matches": [],
            "error": outcome.error.to_dict() if outcome.error else None,
        }
        if outcome.result:
            record.update(outcome.result)
            if "match" in str(outcome.result.get("pdq")):
                record["matches"] = [{"bank": "b", "entry": 1, "distance": 0}]
        return record
