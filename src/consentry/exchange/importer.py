"""Applying parsed records to a bank: validation, grouping, idempotency, batched commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from consentry.exchange.records import ImportReport, LineIssue, Record
from consentry.store import Fingerprint, NewEntry, Store, StoreError
from consentry.store.validation import canonical_fingerprint

BATCH_GROUPS = 500  # entries per transaction: a crash loses at most one batch
SKIP_CODES = frozenset({"skipped-category"})


@dataclass
class Group:
    """Fingerprints that become one entry."""

    line: int
    label: str | None
    note: str | None
    fingerprints: list[Fingerprint] = field(default_factory=list)


def apply(
    store: Store,
    bank: str,
    items: Iterable[Record | LineIssue],
    report: ImportReport,
    label: str | None,
) -> None:
    groups: list[Group] = []
    for group in _groups(items, report, label):
        groups.append(group)
        if len(groups) >= BATCH_GROUPS:
            _commit(store, bank, groups, report)
            groups = []
    _commit(store, bank, groups, report)


def _groups(
    items: Iterable[Record | LineIssue], report: ImportReport, label: str | None
) -> Iterable[Group]:
    """Valid records gathered into groups, emitted when their group can no longer grow."""
    open_groups: dict[str, Group] = {}
    for item in items:
        if isinstance(item, LineIssue):
            (report.skipped if item.code in SKIP_CODES else report.errors).append(item)
            continue
        fingerprint = _validated(item, report)
        if fingerprint is None:
            continue
        if item.group is None:
            yield Group(item.line, item.label or label, item.note, [fingerprint])
            continue
        group = open_groups.get(item.group)
        if group is None:
            group = open_groups[item.group] = Group(item.line, item.label or label, item.note)
        elif item.label and item.label != group.label:
            report.errors.append(_conflict(item, group))
            continue
        if fingerprint not in group.fingerprints:
            group.fingerprints.append(fingerprint)
        group.note = group.note or item.note
    yield from open_groups.values()


def _conflict(record: Record, group: Group) -> LineIssue:
    return LineIssue(
        record.line,
        "conflicting-label",
        f"label {record.label!r} differs from {group.label!r} given on line {group.line} "
        "for the same entry",
    )


def _validated(record: Record, report: ImportReport) -> Fingerprint | None:
    try:
        return canonical_fingerprint(record.type, record.value)
    except StoreError as error:
        report.errors.append(LineIssue(record.line, error.code, error.message))
    except Exception as error:  # a signal parser's own error type: still one bad line
        report.errors.append(LineIssue(record.line, "invalid-fingerprint", str(error)))
    return None


def _commit(store: Store, bank: str, groups: list[Group], report: ImportReport) -> None:
    if not groups:
        return
    holders = store.holders(bank, {fp for group in groups for fp in group.fingerprints})
    new_entries: list[Group] = []
    for group in groups:
        target, missing = _place(group, holders)
        report.duplicates += len(group.fingerprints) - len(missing)
        if not missing:
            continue
        if target is None:
            new_entries.append(Group(group.line, group.label, group.note, missing))
        else:
            report.fingerprints_added += store.add_fingerprints(bank, target, missing)
            report.entry_ids.append(target)
        # Later groups in this batch must see these as present too.
        for fingerprint in missing:
            holders.setdefault(fingerprint, []).append((target or -group.line, group.label))
    _add_entries(store, bank, new_entries, report)


def _place(
    group: Group, holders: dict[Fingerprint, list[tuple[int, str | None]]]
) -> tuple[int | None, list[Fingerprint]]:
    """The existing entry (same label) that already holds part of the group, and what it lacks."""
    target: int | None = None
    missing = []
    for fingerprint in group.fingerprints:
        same_label = [e for e, lbl in holders.get(fingerprint, []) if lbl == group.label]
        if not same_label:
            missing.append(fingerprint)
        elif target is None and same_label[0] > 0:
            target = same_label[0]
    return target, missing


def _add_entries(store: Store, bank: str, groups: list[Group], report: ImportReport) -> None:
    if not groups:
        return
    ids = store.add_entries(bank, [NewEntry(g.fingerprints, g.label, g.note) for g in groups])
    report.entries_added += len(ids)
    report.fingerprints_added += sum(len(g.fingerprints) for g in groups)
    report.entry_ids.extend(ids)
