"""C2PA manifests (Content Credentials), read and validated in memory with c2pa-python.

A manifest is a signed statement about the file: who signed it (an X.509 certificate), which
tool made it, and what happened to the content ("c2pa.actions", whose ``digitalSourceType``
says whether a generative model made it). c2pa-python checks the signature, that the signed
hash still matches the bytes, and — when trust anchors are configured — that the signing
certificate chains to one of them.

Validation, as reported in ``evidence["validation"]``:

- ``trusted``: signature and content hash valid, signer chains to a configured trust anchor.
- ``untrusted``: signature and hash valid, but the signer chains to none of the anchors.
- ``valid``: signature and hash valid; no trust anchors configured, so trust was not checked.
- ``invalid``: c2pa-python reported failures (``status_codes``), e.g. the image was edited
  after signing (``assertion.dataHash.mismatch``).

``evidence["valid"]`` (what a policy's ``valid`` reads) is True for ``trusted`` and ``valid``:
the manifest validates under the configured trust. An ``untrusted`` signer is not valid.

``ai_generated`` is True when a manifest whose signature holds declares an AI source type (a
claim made and signed by the generator itself, trusted or not: anyone can sign, so policies
that need more can require ``validation == "trusted"``); False only for a ``trusted`` manifest
whose actions declare nothing but camera/film capture; None otherwise — an invalid manifest
says nothing about these pixels. Nothing is fetched: remote manifests and OCSP are off.
"""

from __future__ import annotations

import functools
import io
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import c2pa
from cryptography import x509

from consentry.errors import ConsentryError
from consentry.signals.findings import Finding
from consentry.signals.provenance.evidence import error_finding, finding, short_name
from consentry.signals.provenance.source_types import AI_TYPES, CAPTURE_TYPES, source_type_code

SOURCE = "c2pa"

# Every embedded manifest store carries this JUMBF label, uncompressed; files without it are
# skipped without waking the native library.
_MARKER = b"c2pa"
_UNTRUSTED = "signingCredential.untrusted"
_MAX_CODES = 20
_MAX_ACTIONS = 16
_SEARCH_DEPTH = 6


@dataclass(frozen=True)
class C2paSettings:
    """``trust_anchors_pem``: a PEM bundle of root certificates a signer must chain to for
    ``trusted``; None checks signatures and hashes only (``valid``)."""

    trust_anchors_pem: str | None = None

    def __post_init__(self) -> None:
        if self.trust_anchors_pem is None:
            return
        try:
            certificates = x509.load_pem_x509_certificates(self.trust_anchors_pem.encode())
        except ValueError as exc:
            raise ConsentryError(
                f"C2PA trust anchors are not a PEM certificate bundle: {exc}",
                code="invalid-trust-anchors",
            ) from exc
        if not certificates:
            raise ConsentryError(
                "C2PA trust anchors hold no certificate", code="invalid-trust-anchors"
            )
        try:  # c2pa's own certificate parser is stricter than cryptography's
            c2pa.Context.from_dict(_context_settings(self)).close()
        except c2pa.C2paError as exc:
            raise ConsentryError(
                f"c2pa refuses these trust anchors: {exc}", code="invalid-trust-anchors"
            ) from exc


class ManifestReader:
    """Reads manifests with one c2pa Context (settings) per process, shared by its threads.

    A forked child cannot use a native Context its parent made (c2pa refuses it as closed),
    so the Context is made lazily and again in each new process.
    """

    def __init__(self, settings: C2paSettings | None = None) -> None:
        self.settings = settings or C2paSettings()
        self._context: c2pa.Context | None = None
        self._context_pid = 0
        self._lock = threading.Lock()

    def read(self, data: bytes, mime: str | None = None) -> Finding | None:
        """The manifest finding for a file's bytes; None when it carries no manifest."""
        if _MARKER not in data:
            return None
        try:
            return self._read(data, mime)
        except c2pa.C2paError as exc:
            return _library_error(exc)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return error_finding(SOURCE, "c2pa-unreadable", type(exc).__name__, manifest=True)

    def _read(self, data: bytes, mime: str | None) -> Finding | None:
        reader = c2pa.Reader.try_create(mime or None, io.BytesIO(data), None, self.context())
        if reader is None:
            return None
        with reader:
            store = json.loads(reader.json())
            certificates = _certificate_info(reader)
            embedded = reader.is_embedded()
        return _store_finding(store, certificates, embedded, self.settings)

    def context(self) -> c2pa.Context:
        with self._lock:
            if self._context is None or self._context_pid != os.getpid():
                self._context = c2pa.Context.from_dict(_context_settings(self.settings))
                self._context_pid = os.getpid()
            return self._context


@functools.lru_cache(maxsize=8)
def _shared_reader(settings: C2paSettings) -> ManifestReader:
    return ManifestReader(settings)


def read_c2pa(
    data: bytes, mime: str | None = None, settings: C2paSettings | None = None
) -> Finding | None:
    """The C2PA finding for ``data`` (``mime`` e.g. "image/jpeg"; None lets c2pa detect it)."""
    return _shared_reader(settings or C2paSettings()).read(data, mime)


def _context_settings(settings: C2paSettings) -> dict[str, Any]:
    verify = {
        "remote_manifest_fetch": False,
        "ocsp_fetch": False,
        "verify_trust": settings.trust_anchors_pem is not None,
    }
    config: dict[str, Any] = {"verify": verify}
    if settings.trust_anchors_pem is not None:
        config["trust"] = {"trust_anchors": settings.trust_anchors_pem}
    return config


def _library_error(exc: c2pa.C2paError) -> Finding:
    kind = type(exc).__name__.lstrip("_").removeprefix("C2pa") or "Error"
    if kind == "RemoteManifest":
        return finding(SOURCE, {"manifest": "remote", "fetched": False})
    message = str(exc).splitlines()[0][:160] if str(exc) else kind
    return error_finding(SOURCE, "c2pa-unreadable", message, library_error=kind)


def _certificate_info(reader: c2pa.Reader) -> dict[str, dict[str, Any]]:
    """Signer certificate subject/issuer per manifest label, from the crJSON view (which,
    unlike the plain JSON, names the issuer)."""
    try:
        document = json.loads(reader.crjson())
    except (c2pa.C2paError, ValueError):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for manifest in _as_list(document.get("manifests")):
        if not isinstance(manifest, dict):
            continue
        info = _get(manifest, "signature", "certificateInfo")
        if isinstance(info, dict) and isinstance(manifest.get("label"), str):
            out[manifest["label"]] = info
    return out


def _store_finding(
    store: dict[str, Any],
    certificates: dict[str, dict[str, Any]],
    embedded: bool,
    settings: C2paSettings,
) -> Finding:
    manifests = store.get("manifests") if isinstance(store.get("manifests"), dict) else {}
    active_label = store.get("active_manifest")
    active = manifests.get(active_label) if isinstance(active_label, str) else None
    codes = _failure_codes(store)
    validation = _validation(store.get("validation_state"), codes)
    actions = list(_actions(manifests, active_label))[:_MAX_ACTIONS]
    source_types = {a["digital_source_type"] for a in actions if "digital_source_type" in a}
    source_types |= _iptc_source_types(manifests)
    evidence: dict[str, Any] = {
        "manifest": True,
        "embedded": embedded,
        "manifests": len(manifests),
        "validation": validation,
        "valid": validation in ("valid", "trusted"),
        "trust_anchors": settings.trust_anchors_pem is not None,
    }
    if codes:
        evidence["status_codes"] = codes
    if isinstance(active, dict):
        evidence["signer"] = _signer(active, certificates.get(str(active_label)))
        evidence["claim_generator"] = _claim_generator(active)
    if source_types:
        evidence["digital_source_types"] = sorted(source_types)
    if actions:
        evidence["actions"] = actions
    active_types = {
        a["digital_source_type"]
        for a in actions
        if a["manifest"] == "active" and "digital_source_type" in a
    }
    return finding(SOURCE, evidence, _ai_claim(validation, source_types, active_types))


def _ai_claim(validation: str, source_types: set[str], active_types: set[str]) -> bool | None:
    if validation == "invalid":
        return None
    if source_types & AI_TYPES:
        return True
    if validation == "trusted" and active_types and source_types <= CAPTURE_TYPES:
        return False
    return None


def _failure_codes(store: dict[str, Any]) -> list[str]:
    results = store.get("validation_results")
    entries: list[Any] = list(_as_list(store.get("validation_status")))
    if isinstance(results, dict):
        entries += _as_list(_get(results, "activeManifest", "failure"))
        for delta in _as_list(results.get("ingredientDeltas")):
            entries += _as_list(_get(delta, "validationDeltas", "failure"))
    codes = {e["code"] for e in entries if isinstance(e, dict) and isinstance(e.get("code"), str)}
    return sorted(codes)[:_MAX_CODES]


def _validation(state: object, codes: list[str]) -> str:
    if state == "Invalid":
        return "invalid"
    if state == "Trusted":
        return "trusted"
    if state == "Valid":
        return "untrusted" if _UNTRUSTED in codes else "valid"
    return "unknown"


def _signer(active: dict[str, Any], certificate: dict[str, Any] | None) -> dict[str, Any]:
    signer: dict[str, Any] = {}
    if certificate:
        subject, issuer = certificate.get("subject"), certificate.get("issuer")
        for prefix, name in (("", subject), ("issuer_", issuer)):
            if isinstance(name, dict):
                _put(signer, f"{prefix}common_name", name.get("CN"))
                _put(signer, f"{prefix}organization", name.get("O"))
        _put(signer, "serial", certificate.get("serialNumber"))
    info = active.get("signature_info")
    if isinstance(info, dict):
        if "common_name" not in signer:
            _put(signer, "common_name", info.get("common_name"))
            # c2pa's signature_info calls the signer's organisation "issuer"
            _put(signer, "organization", info.get("issuer"))
        _put(signer, "algorithm", info.get("alg"))
        _put(signer, "signed_at", info.get("time"))
    return signer


def _claim_generator(active: dict[str, Any]) -> list[dict[str, str]]:
    infos = active.get("claim_generator_info")
    generators: list[dict[str, str]] = []
    for info in _as_list(infos)[:4]:
        if isinstance(info, dict):
            entry: dict[str, str] = {}
            _put(entry, "name", info.get("name"))
            _put(entry, "version", info.get("version"))
            if entry:
                generators.append(entry)
    legacy = short_name(active.get("claim_generator"))
    if not generators and legacy:
        generators.append({"name": legacy})
    return generators


def _actions(manifests: dict[str, Any], active_label: object) -> Iterator[dict[str, str]]:
    labels = sorted(manifests, key=lambda label: label != active_label)
    for label in labels:
        manifest = manifests[label]
        role = "active" if label == active_label else "ingredient"
        for assertion in _as_list(
            manifest.get("assertions") if isinstance(manifest, dict) else None
        ):
            if not isinstance(assertion, dict) or not str(assertion.get("label", "")).startswith(
                "c2pa.actions"
            ):
                continue
            for action in _as_list(_get(assertion, "data", "actions")):
                if isinstance(action, dict):
                    yield _action_evidence(role, action)


def _action_evidence(role: str, action: dict[str, Any]) -> dict[str, str]:
    entry = {"manifest": role}
    _put(entry, "action", action.get("action"))
    code = source_type_code(action.get("digitalSourceType"))
    if code:
        entry["digital_source_type"] = code
    agent = action.get("softwareAgent")
    _put(entry, "software_agent", agent.get("name") if isinstance(agent, dict) else agent)
    return entry


def _iptc_source_types(manifests: dict[str, Any]) -> set[str]:
    """DigitalSourceType values in IPTC/metadata assertions (not only in actions)."""
    found: set[str] = set()
    for manifest in manifests.values():
        for assertion in _as_list(
            manifest.get("assertions") if isinstance(manifest, dict) else None
        ):
            label = str(assertion.get("label", "")) if isinstance(assertion, dict) else ""
            if label.startswith(("stds.iptc", "c2pa.metadata")):
                found |= _search_source_types(assertion.get("data"), _SEARCH_DEPTH)
    return found


def _search_source_types(value: Any, depth: int) -> set[str]:
    if depth <= 0:
        return set()
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower().endswith("digitalsourcetype"):
                code = source_type_code(item)
                if code:
                    found.add(code)
            else:
                found |= _search_source_types(item, depth - 1)
    elif isinstance(value, list):
        for item in value[:64]:
            found |= _search_source_types(item, depth - 1)
    return found


def _put(target: dict[str, Any], key: str, value: object) -> None:
    name = short_name(value)
    if name:
        target[key] = name


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
