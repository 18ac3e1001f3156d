"""The signed evidence package of an investigation: flagged rows, a manifest, a signature.

``out/evidence/`` holds ``flagged.jsonl`` and ``flagged.csv`` (one row per flagged item: where
it was posted, its fingerprints, signals and decision — never media, never message text),
``manifest.json`` (SHA-256 and size of every input file and of every output file under ``out``),
``manifest.sig`` (Ed25519 over the manifest's exact bytes, base64) and ``public_key.pem``.

A package verifies against its own public key, which proves it is unchanged since it was
signed by *that* key; the key's fingerprint (printed by ``consentry evidence verify``) or a
trusted public key tells a recipient *who* signed it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from consentry import __version__
from consentry.investigate.evidence_keys import (
    KEY_FILE,
    EvidenceError,
    default_key_path,
    key_fingerprint,
    load_or_create_key,
    load_public_key,
    signing_key,
)
from consentry.investigate.evidence_rows import (
    CSV_COLUMNS,
    explain,
    flagged_row,
    write_csv,
    write_jsonl,
)
from consentry.investigate.records import ExportMessage, ItemResult

__all__ = [
    "CSV_COLUMNS",
    "KEY_FILE",
    "Difference",
    "EvidenceError",
    "VerifyResult",
    "default_key_path",
    "explain",
    "file_digest",
    "flagged_row",
    "key_fingerprint",
    "load_or_create_key",
    "load_public_key",
    "signing_key",
    "verify_evidence",
    "write_evidence",
]

EVIDENCE_DIR = "evidence"
FLAGGED_JSONL = "flagged.jsonl"
FLAGGED_CSV = "flagged.csv"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public_key.pem"
FORMAT = "consentry-evidence/1"
_UNSIGNED = (MANIFEST, SIGNATURE)  # the two files the manifest cannot list
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Difference:
    """One way a package differs from its manifest."""

    name: str  # the file, relative to the investigation's output folder (or the input's name)
    problem: str  # bad-signature | key-mismatch | unreadable-key | missing | changed | extra |
    # unreadable-manifest
    detail: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "problem": self.problem, "detail": self.detail}


@dataclass
class VerifyResult:
    signature_ok: bool
    key_fingerprint: str | None  # SHA-256 of the raw public key, hex
    differences: list[Difference] = field(default_factory=list)
    outputs_checked: int = 0
    inputs_checked: int = 0
    inputs_unreachable: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.signature_ok and not self.differences

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "signature_ok": self.signature_ok,
            "key_fingerprint": self.key_fingerprint,
            "differences": [d.to_json() for d in self.differences],
            "outputs_checked": self.outputs_checked,
            "inputs_checked": self.inputs_checked,
            "inputs_unreachable": self.inputs_unreachable,
        }


# --- writing -------------------------------------------------------------------------------


def write_evidence(
    out: Path,
    items: Iterable[ItemResult],
    messages: Mapping[tuple[int, int], ExportMessage] | Iterable[ExportMessage],
    inputs: Iterable[Path],
    *,
    key: Ed25519PrivateKey,
) -> Path:
    """Write ``out/evidence/`` for the flagged ``items`` and return that folder.

    ``messages``: the messages by identity (or any iterable of them). ``inputs``: every input
    file. Call it last: the manifest lists every file under ``out`` as it is now.
    """
    folder = out / EVIDENCE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    for name in (*_UNSIGNED, FLAGGED_JSONL, FLAGGED_CSV, PUBLIC_KEY):
        (folder / name).unlink(missing_ok=True)
    by_identity = _by_identity(messages)
    rows = [flagged_row(item, by_identity.get(item.identity)) for item in items if item.flagged]
    write_jsonl(folder / FLAGGED_JSONL, rows)
    write_csv(folder / FLAGGED_CSV, rows)
    public = key.public_key()
    (folder / PUBLIC_KEY).write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    manifest = _manifest(out, sorted({p.resolve() for p in inputs}), public, len(rows))
    data = _canonical(manifest)
    (folder / MANIFEST).write_bytes(data)
    (folder / SIGNATURE).write_text(base64.b64encode(key.sign(data)).decode("ascii") + "\n")
    return folder


def _by_identity(
    messages: Mapping[tuple[int, int], ExportMessage] | Iterable[ExportMessage],
) -> Mapping[tuple[int, int], ExportMessage]:
    if isinstance(messages, Mapping):
        return messages
    return {message.identity: message for message in messages}


def _manifest(
    out: Path, inputs: list[Path], public: Ed25519PublicKey, flagged: int
) -> dict[str, Any]:
    root = _common_root(inputs)
    return {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "tool": f"consentry {__version__}",
        "key": {"algorithm": "Ed25519", "sha256": key_fingerprint(public)},
        "flagged": flagged,
        "inputs_root": str(root) if root else None,
        "inputs": [_input_entry(path, root) for path in inputs],
        "outputs": [_file_entry(out / name, name) for name in _output_names(out)],
    }


def _common_root(paths: list[Path]) -> Path | None:
    if not paths:
        return None
    return Path(os.path.commonpath([str(p.parent) for p in paths]))


def _input_entry(path: Path, root: Path | None) -> dict[str, Any]:
    name = path.relative_to(root).as_posix() if root else path.name
    return {**_file_entry(path, name), "path": str(path)}


def _file_entry(path: Path, name: str) -> dict[str, Any]:
    digest, size = file_digest(path)
    return {"name": name, "sha256": digest, "size": size}


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _output_names(out: Path) -> list[str]:
    """Every regular file under ``out`` (posix, relative), but the manifest and signature."""
    unsigned = {f"{EVIDENCE_DIR}/{name}" for name in _UNSIGNED}
    return sorted(name for name in _walk(out) if name not in unsigned)


def _walk(root: Path) -> Iterator[str]:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            yield path.relative_to(root).as_posix()


def _canonical(manifest: Mapping[str, Any]) -> bytes:
    return (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


# --- verifying -----------------------------------------------------------------------------


def verify_evidence(
    folder: Path,
    *,
    trusted_key: Ed25519PublicKey | None = None,
    inputs_root: Path | None = None,
) -> VerifyResult:
    """Check a package: the signature, then every output's digest, then reachable inputs.

    ``folder``: the evidence folder or the investigation's output folder holding it.
    ``trusted_key``: when given, the package must be signed by it (not only by the key it
    carries). ``inputs_root``: where the inputs are now, when they were moved.
    """
    folder = _evidence_folder(folder)
    manifest, result = _check_signature(folder, trusted_key)
    if manifest is None:
        return result
    _check_outputs(folder.parent, manifest, result)
    _check_inputs(manifest, inputs_root, result)
    return result


def _evidence_folder(folder: Path) -> Path:
    if not folder.is_dir():
        raise EvidenceError(f"{folder} is not a folder", code="not-found")
    if not (folder / MANIFEST).exists() and (folder / EVIDENCE_DIR / MANIFEST).exists():
        return folder / EVIDENCE_DIR
    return folder


def _check_signature(
    folder: Path, trusted_key: Ed25519PublicKey | None
) -> tuple[dict[str, Any] | None, VerifyResult]:
    result = VerifyResult(signature_ok=False, key_fingerprint=None)
    try:
        data = (folder / MANIFEST).read_bytes()
        signature = base64.b64decode((folder / SIGNATURE).read_text("ascii").strip(), validate=True)
        key = trusted_key or load_public_key(folder / PUBLIC_KEY)
    except OSError as exc:
        name = Path(exc.filename).name if exc.filename else SIGNATURE
        result.differences.append(Difference(name, "missing", exc.strerror or str(exc)))
        return None, result
    except ValueError:
        result.differences.append(Difference(SIGNATURE, "bad-signature", "not base64"))
        return None, result
    except EvidenceError as exc:
        result.differences.append(Difference(PUBLIC_KEY, "unreadable-key", exc.message))
        return None, result
    result.key_fingerprint = key_fingerprint(key)
    try:
        key.verify(signature, data)
    except InvalidSignature:
        result.differences.append(
            Difference(MANIFEST, "bad-signature", "the signature does not match this manifest")
        )
        return None, result
    result.signature_ok = True
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        result.differences.append(Difference(MANIFEST, "unreadable-manifest", str(exc)))
        return None, result
    _check_key_file(manifest, key, result)
    return manifest, result


def _check_key_file(
    manifest: Mapping[str, Any], key: Ed25519PublicKey, result: VerifyResult
) -> None:
    expected = (manifest.get("key") or {}).get("sha256")
    if expected != key_fingerprint(key):
        result.differences.append(
            Difference(PUBLIC_KEY, "key-mismatch", "the manifest names a different signing key")
        )


def _check_outputs(root: Path, manifest: Mapping[str, Any], result: VerifyResult) -> None:
    listed = {entry["name"]: entry for entry in manifest.get("outputs") or []}
    present = set(_output_names(root))
    for name in sorted(present - listed.keys()):
        result.differences.append(Difference(name, "extra", "not in the manifest"))
    for name, entry in sorted(listed.items()):
        if name not in present:
            result.differences.append(Difference(name, "missing", "listed but not found"))
            continue
        _compare(root / name, name, entry, result)
        result.outputs_checked += 1


def _check_inputs(
    manifest: Mapping[str, Any], inputs_root: Path | None, result: VerifyResult
) -> None:
    for entry in manifest.get("inputs") or []:
        path = inputs_root / entry["name"] if inputs_root else Path(entry["path"])
        if not path.is_file():
            result.inputs_unreachable.append(entry["name"])
            continue
        _compare(path, f"input:{entry['name']}", entry, result)
        result.inputs_checked += 1


def _compare(path: Path, name: str, entry: Mapping[str, Any], result: VerifyResult) -> None:
    try:
        digest, size = file_digest(path)
    except OSError as exc:
        result.differences.append(Difference(name, "missing", str(exc)))
        return
    if digest != entry.get("sha256") or size != entry.get("size"):
        result.differences.append(
            Difference(name, "changed", f"sha256 {digest} size {size}, expected {entry['sha256']}")
        )
