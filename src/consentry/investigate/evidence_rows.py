"""The rows of an evidence package: one per flagged item, as JSON lines and as CSV.

A row says where the item was posted (chat, message id, link, time, sender id, forwarding and
bot), its fingerprints, signals and decision, and why it was flagged in words. It never holds
media or message text; the sender's display name is left out too (the id is enough).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from datetime import UTC
from pathlib import Path
from typing import Any

from consentry.investigate.records import ExportMessage, ItemResult

CSV_COLUMNS = (
    "chat_id",
    "chat_name",
    "chat_type",
    "message_id",
    "link",
    "time",
    "sender_id",
    "forwarded_from",
    "via_bot",
    "media_kind",
    "sha256",
    "md5",
    "pdq",
    "pdq_quality",
    "vpdq_frames",
    "matches",
    "nudity",
    "synthetic",
    "signals",
    "action",
    "rule",
    "explanation",
    "error",
)
# A spreadsheet runs a cell starting with one of these as a formula; chat names are
# attacker-chosen, so such text cells get a leading apostrophe in the CSV (JSONL keeps them as is).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def flagged_row(item: ItemResult, message: ExportMessage | None) -> dict[str, Any]:
    """One evidence row: where the item was posted and what was found; no text, no media."""
    chat_id, message_id = item.identity
    return {
        "chat_id": chat_id,
        "chat_name": message.chat_name if message else None,
        "chat_type": message.chat_type if message else None,
        "message_id": message_id,
        "link": message.link() if message else None,
        "time": message.date.astimezone(UTC).isoformat() if message else None,
        "sender_id": message.sender_id if message else None,
        "forwarded_from": message.forwarded_from if message else None,
        "via_bot": message.via_bot if message else None,
        "media_kind": message.media.kind if message and message.media else None,
        "sha256": item.sha256,
        "md5": item.md5,
        "pdq": item.pdq,
        "pdq_quality": item.pdq_quality,
        "vpdq_frames": item.vpdq_frames,
        "matches": item.matches,
        "nudity": item.nudity,
        "synthetic": item.synthetic,
        "findings": item.findings,
        "decision": item.decision,
        "explanation": explain(item),
        "error": item.error,
    }


def explain(item: ItemResult) -> str:
    """Why the item is flagged, in words: the deciding rule and its reasons, or the matches."""
    parts: list[str] = []
    decision = item.decision
    if decision:
        rule = decision.get("rule")
        about = f" ({decision['description']})" if decision.get("description") else ""
        head = f"rule '{rule}'{about}" if rule else "the policy's default"
        parts.append(f"{decision.get('action')}: {head}")
        parts += [str(r.get("detail")) for r in decision.get("reasons") or [] if r.get("detail")]
    if item.matches and not any(r.get("condition") == "match" for r in _reasons(decision)):
        parts.append("matched " + ", ".join(_match_words(m) for m in item.matches))
    if item.error:
        parts.append(f"could not be assessed: {item.error}")
    return "; ".join(parts)


def _reasons(decision: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return list((decision or {}).get("reasons") or [])


def _match_words(match: Mapping[str, Any]) -> str:
    return (
        f"bank {match.get('bank')} entry {match.get('entry')} "
        f"({match.get('signal')}, distance {match.get('distance')})"
    )


def _finding_words(finding: Mapping[str, Any]) -> str:
    words = f"{finding.get('signal')}/{finding.get('source')}"
    if finding.get("score") is not None:
        words += f" score={finding['score']}"
    if finding.get("ai_generated") is not None:
        words += f" ai_generated={finding['ai_generated']}"
    if finding.get("error"):
        words += f" error={finding['error']}"
    return words


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            writer.writerow([_csv_cell(value) for value in _csv_values(row)])


def _csv_values(row: Mapping[str, Any]) -> list[Any]:
    decision = row["decision"] or {}
    flat = {
        **row,
        "matches": "; ".join(_match_words(m) for m in row["matches"]),
        "signals": "; ".join(_finding_words(f) for f in row["findings"]),
        "action": decision.get("action"),
        "rule": decision.get("rule"),
    }
    return [flat.get(column) for column in CSV_COLUMNS]


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
