"""Signals beyond fingerprints: what classifiers and provenance checks say about one file.

A fingerprint answers "is this a file someone registered?". An :class:`Inspector` answers
other questions about the same file, in memory: how likely it is to be nude
(``consentry.signals.classifiers``), whether its metadata, manifest or watermark says it
was made by a generator (``consentry.signals.provenance``), what an operator's own model
thinks. Each answer is a :class:`Finding`; the policy (``consentry.policy``) turns findings
and matches into a decision.

Findings are stored and shown to moderators, so they carry scores and evidence only:
never pixels, never the file, never free text copied out of it (a generator prompt may
name the person it targets; its length and SHA-256 are recorded instead).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

# Signal families a policy can refer to.
NUDITY = "nudity"
PROVENANCE = "provenance"
CLASSIFIER = "classifier"


@dataclass(frozen=True)
class Subject:
    """One file under inspection, held in memory only.

    ``data``: the file's bytes (metadata, manifests and chunks are read from them).
    ``format``: the sniffed format name (``consentry.media.sniff``): "jpeg", "png", "mp4"...
    ``image``: the first frame, upright RGB uint8 (H, W, 3), decoded at full size; None for a
    file that is not an image or could not be decoded (inspectors that need pixels then
    report nothing rather than fail).
    """

    data: bytes
    format: str
    image: np.ndarray | None = None


@dataclass(frozen=True)
class Finding:
    """One inspector's result on one file.

    ``signal``: the family (NUDITY, PROVENANCE, CLASSIFIER). ``source``: the implementation
    ("opennsfw", "nudenet", "c2pa", "xmp", "generator-metadata", "sd-watermark", or an
    operator classifier's configured name).
    ``score``: the headline probability in 0..1 where one exists (nudity, classifier).
    ``labels``: per-class scores (NudeNet classes, an operator model's labels).
    ``ai_generated``: provenance only: True when the evidence says the content was made or
    altered by a generative model, False when it positively says otherwise (a valid camera
    manifest), None when it makes no claim.
    ``evidence``: JSON-safe details a moderator can check (signer, assertion, chunk names,
    watermark message...). ``error``: "code: message" when the check could not run.
    """

    signal: str
    source: str
    score: float | None = None
    labels: Mapping[str, float] = field(default_factory=dict)
    ai_generated: bool | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"signal": self.signal, "source": self.source}
        if self.score is not None:
            out["score"] = round(float(self.score), 6)
        if self.labels:
            out["labels"] = {k: round(float(v), 6) for k, v in self.labels.items()}
        if self.ai_generated is not None:
            out["ai_generated"] = self.ai_generated
        if self.evidence:
            out["evidence"] = dict(self.evidence)
        if self.error is not None:
            out["error"] = self.error
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            signal=str(data["signal"]),
            source=str(data["source"]),
            score=data.get("score"),
            labels=dict(data.get("labels") or {}),
            ai_generated=data.get("ai_generated"),
            evidence=dict(data.get("evidence") or {}),
            error=data.get("error"),
        )


class Inspector(ABC):
    """One check run on a :class:`Subject`. ``name`` is what ``--signals`` selects.

    ``inspect`` never raises for bad or unexpected content: it returns a Finding with
    ``error`` set (or no finding). Models are loaded once per process, lazily, and shared
    by every thread (onnxruntime sessions are thread-safe for ``run``).
    """

    name: ClassVar[str]

    @abstractmethod
    def inspect(self, subject: Subject) -> list[Finding]:
        """Findings about the subject (possibly none)."""

    def inspect_many(self, subjects: list[Subject]) -> list[list[Finding]]:
        """Batch form; classifiers override it to run one batched model call."""
        return [self.inspect(subject) for subject in subjects]
