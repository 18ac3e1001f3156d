"""Fingerprints of decoded media: PDQ (photos), vPDQ (videos, animations), MD5/SHA-256.

Every kind implements :class:`SignalType` and is registered in ``SIGNAL_TYPES``.
"""

from __future__ import annotations

from consentry.signals.base import Content, InvalidFingerprint, SignalError, SignalType
from consentry.signals.digests import MD5, SHA256
from consentry.signals.dihedral import TRANSFORMS, apply_transform
from consentry.signals.fingerprint import FileFingerprint, HashVariant, fingerprint
from consentry.signals.parallel import fingerprint_many, fingerprint_many_keyed
from consentry.signals.pdq import PDQ, hamming, is_low_quality, pdq_from_rgb
from consentry.signals.regions import REGIONS
from consentry.signals.vpdq import VPDQ, VpdqFrame, vpdq_match

SIGNAL_TYPES: dict[str, SignalType] = {
    signal.name: signal for signal in (PDQ, MD5, SHA256, VPDQ, REGIONS)
}


__all__ = [
    "MD5",
    "PDQ",
    "REGIONS",
    "SHA256",
    "SIGNAL_TYPES",
    "TRANSFORMS",
    "VPDQ",
    "Content",
    "FileFingerprint",
    "HashVariant",
    "InvalidFingerprint",
    "SignalError",
    "SignalType",
    "VpdqFrame",
    "apply_transform",
    "fingerprint",
    "fingerprint_many",
    "fingerprint_many_keyed",
    "hamming",
    "is_low_quality",
    "pdq_from_rgb",
    "vpdq_match",
]
