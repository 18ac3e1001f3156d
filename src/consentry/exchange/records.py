"""What parsers hand to the importer, and what the importer hands back."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Record:
    """One fingerprint read from one line of a file."""

    line: int
    type: str
    value: str
    label: str | None = None
    note: str | None = None
    group: str | None = None  # records sharing a group become one entry


@dataclass(frozen=True)
class LineIssue:
    """A line that was not imported: ``code`` says why in one word, ``reason`` in a sentence."""

    line: int
    code: str
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "code": self.code, "reason": self.reason}


@dataclass
class ImportReport:
    bank: str
    format: str
    entries_added: int = 0
    fingerprints_added: int = 0
    duplicates: int = 0  # fingerprints already in the bank with the same type, value and label
    entry_ids: list[int] = field(default_factory=list)  # new or extended entries
    skipped: list[LineIssue] = field(default_factory=list)  # deliberately left out, not errors
    errors: list[LineIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_json(self) -> dict[str, object]:
        return {
            "bank": self.bank,
            "format": self.format,
            "entries_added": self.entries_added,
            "fingerprints_added": self.fingerprints_added,
            "duplicates": self.duplicates,
            "entry_ids": list(self.entry_ids),
            "skipped": [issue.to_json() for issue in self.skipped],
            "errors": [issue.to_json() for issue in self.errors],
        }
