"""What every classifier shares: one onnxruntime session per model, image normalisation, batching.

Sessions are created lazily, once per model file per process, under a lock, and then shared
by every thread (``InferenceSession.run`` is thread-safe). Models are read from bytes the
installed package or the operator put on disk; nothing is ever downloaded.

Threads: ``intra_op_num_threads`` is ``min(2, os.cpu_count())`` unless ``CONSENTRY_ONNX_THREADS``
says otherwise; ``inter_op_num_threads`` is 1 (our graphs are sequential). Scans already run
one worker process per core, so a larger intra-op pool would only oversubscribe the cores.
"""

from __future__ import annotations

import hashlib
import os
import threading
from abc import abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

# Importing onnxruntime (1.32, Linux wheel) starts Microsoft's 1DS usage telemetry: a device
# id and an event store under ~/.cache/Microsoft, a session file in the temp folder, queued for
# Microsoft's collector. Consentry reports nothing to anyone, so it is switched off before the
# import (an operator's explicit ORT_DISABLE_TELEMETRY setting is left alone).
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import onnxruntime as ort

from consentry.errors import ConsentryError
from consentry.signals.findings import Finding, Inspector, Subject

ONNX_THREADS_ENV = "CONSENTRY_ONNX_THREADS"
DEFAULT_MAX_THREADS = 2
BATCH_SIZE = 16


@dataclass(frozen=True)
class LoadedModel:
    """An onnxruntime session and the identity of the file it was built from."""

    path: Path
    sha256: str
    session: ort.InferenceSession

    @property
    def short_digest(self) -> str:
        """First 12 hex digits of the model file's SHA-256: enough to tell versions apart."""
        return self.sha256[:12]


_lock = threading.Lock()
_models: dict[Path, LoadedModel] = {}
_models_pid = os.getpid()


def onnx_threads() -> int:
    """The intra-op thread count sessions are created with."""
    raw = os.environ.get(ONNX_THREADS_ENV, "").strip()
    if not raw:
        return max(1, min(DEFAULT_MAX_THREADS, os.cpu_count() or 1))
    if not raw.isdigit() or int(raw) < 1:
        raise ConsentryError(
            f"{ONNX_THREADS_ENV} must be a whole number of threads (1 or more), got {raw!r}",
            code="invalid-onnx-threads",
        )
    return int(raw)


def session_options() -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.intra_op_num_threads = onnx_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Quiet: onnxruntime's warnings (e.g. unused initialisers) are not the user's concern.
    options.log_severity_level = 3
    return options


def load_model(path: Path) -> LoadedModel:
    """The shared session for the model at ``path``, created on first use in this process.

    Raises OSError when the file cannot be read and onnxruntime's errors when it is not a
    loadable model; callers turn both into a ConsentryError that names the file.
    """
    global _models_pid
    key = path.resolve()
    with _lock:
        if _models_pid != os.getpid():
            # A forked child inherits the dict but not onnxruntime's threads: start over.
            _models.clear()
            _models_pid = os.getpid()
        model = _models.get(key)
        if model is None:
            data = key.read_bytes()
            session = ort.InferenceSession(
                data, sess_options=session_options(), providers=["CPUExecutionProvider"]
            )
            model = LoadedModel(key, hashlib.sha256(data).hexdigest(), session)
            _models[key] = model
        return model


def as_rgb(image: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 RGB from RGB, grey (H, W) or (H, W, 1), or RGBA (composited over white)."""
    if image.dtype != np.uint8:
        raise ConsentryError(f"expected uint8 pixels, got {image.dtype}", code="unsupported-image")
    if image.ndim == 2:
        image = image[:, :, np.newaxis]
    if image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise ConsentryError(
            f"expected an (H, W, 3) image, got shape {image.shape}", code="unsupported-image"
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise ConsentryError("the image has no pixels", code="unsupported-image")
    if image.shape[2] == 1:
        return np.ascontiguousarray(np.repeat(image, 3, axis=2))
    if image.shape[2] == 4:
        alpha = image[:, :, 3:].astype(np.float32) / 255.0
        over_white = image[:, :, :3] * alpha + 255.0 * (1.0 - alpha)
        return np.clip(np.rint(over_white), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(image)


def error_text(error: Exception) -> str:
    """A Finding's ``error``: "code: message" (an unexpected exception keeps its type name)."""
    if isinstance(error, ConsentryError):
        return f"{error.code}: {error.message}"
    return f"classifier-failed: {type(error).__name__}: {error}"


class BatchedImageInspector(Inspector):
    """An inspector that turns each subject's first frame into one model input, run in batches.

    Subclasses say how to prepare one image (``prepare``) and how to turn one batch of prepared
    inputs into one Finding each (``run_batch``, a single ``session.run``). Subjects without
    pixels get no finding; a subject whose image cannot be prepared, or a batch the model
    fails on, gets a Finding with ``error`` set instead of an exception.
    """

    signal: ClassVar[str]
    source: str
    batch_size: int = BATCH_SIZE

    @abstractmethod
    def prepare(self, rgb: np.ndarray) -> Any:
        """The model input for one (H, W, 3) uint8 RGB image."""

    @abstractmethod
    def run_batch(self, prepared: Sequence[Any]) -> list[Finding]:
        """One Finding per prepared input, in order."""

    def inspect(self, subject: Subject) -> list[Finding]:
        return self.inspect_many([subject])[0]

    def inspect_many(self, subjects: list[Subject]) -> list[list[Finding]]:
        results: list[list[Finding]] = [[] for _ in subjects]
        pending: list[tuple[int, Any]] = []
        for index, subject in enumerate(subjects):
            if subject.image is None:
                continue
            try:
                pending.append((index, self.prepare(as_rgb(subject.image))))
            except Exception as error:
                results[index] = [self.error_finding(error)]
        for start in range(0, len(pending), self.batch_size):
            chunk = pending[start : start + self.batch_size]
            try:
                findings = self.run_batch([prepared for _, prepared in chunk])
            except Exception as error:
                findings = [self.error_finding(error)] * len(chunk)
            for (index, _), finding in zip(chunk, findings, strict=True):
                results[index] = [finding]
        return results

    def error_finding(self, error: Exception) -> Finding:
        return Finding(signal=self.signal, source=self.source, error=error_text(error))
