"""The interface every fingerprint kind implements, and the content it is computed from.

A new kind (classifier score, provenance manifest, region fingerprint...) is one small
class implementing :class:`SignalType`, registered in ``SIGNAL_TYPES``; nothing else changes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from consentry.errors import ConsentryError

if TYPE_CHECKING:
    from consentry.signals.vpdq import VpdqFrame


class SignalError(ConsentryError):
    """A fingerprint could not be computed or read."""

    code = "signal-error"


class InvalidFingerprint(SignalError):
    """A fingerprint's text form is not valid for its type."""

    code = "invalid-fingerprint"


@dataclass
class Content:
    """What a signal is computed from: the file's bytes and, when decoded, its pixels.

    ``image`` is the first (or only) frame as (H, W, 3) uint8 RGB; ``frames`` are the
    video or animation frame hashes already computed by the pipeline.
    """

    data: bytes | None = None
    image: np.ndarray | None = None
    frames: list[VpdqFrame] | None = field(default=None)


class SignalType(ABC):
    """One fingerprint kind: its name, version, text form, distance and computation."""

    name: ClassVar[str]
    version: ClassVar[int]

    @abstractmethod
    def parse(self, text: str) -> str:
        """Return the canonical text form, or raise :class:`InvalidFingerprint`."""

    @abstractmethod
    def distance(self, a: str, b: str) -> int:
        """Distance between two canonical values; 0 means identical."""

    @abstractmethod
    def compute(self, content: Content) -> str | None:
        """Fingerprint the content; None when this kind does not apply to it."""

    def serialise(self, value: str) -> str:
        """Text form for storage and exchange (canonical values are already text)."""
        return self.parse(value)

    def is_valid(self, text: str) -> bool:
        try:
            self.parse(text)
        except InvalidFingerprint:
            return False
        return True

    def __repr__(self) -> str:
        return f"<SignalType {self.name} v{self.version}>"
