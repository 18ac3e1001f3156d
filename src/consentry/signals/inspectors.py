"""Choosing inspectors by name (``--signals nudity,provenance,...``) and running them.

Names: ``nudity`` (open_nsfw, the default nudity score), ``nudenet`` (NudeNet's region
detector, opt-in extra), ``provenance`` (C2PA, IPTC/XMP source type, generator metadata,
Stable Diffusion's watermark), and the name of each operator classifier configured with
``--classifier FILE.toml``. ``all`` selects every one that is installed.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import cache

import numpy as np

from consentry.errors import ConsentryError
from consentry.media import DEFAULT_LIMITS, Limits, decode_image, iter_video_frames, sniff
from consentry.media.sniff import HEAD_BYTES
from consentry.signals.findings import Finding, Inspector, Subject

BUILT_IN = ("nudity", "nudenet", "provenance")


class UnknownSignal(ConsentryError):
    code = "unknown-signal"


@dataclass(frozen=True)
class InspectorOptions:
    """What building inspectors may need: operator classifier configs, C2PA trust anchors."""

    classifier_configs: tuple[str, ...] = ()
    trust_anchors: str | None = None  # path of a PEM bundle


def parse_signal_names(text: str | None) -> tuple[str, ...]:
    """``"nudity, provenance"`` -> ("nudity", "provenance"); empty or None -> ()."""
    if not text:
        return ()
    names = [part.strip().lower() for part in text.split(",")]
    return tuple(dict.fromkeys(name for name in names if name))


def build_inspectors(
    names: Iterable[str], options: InspectorOptions = InspectorOptions()
) -> list[Inspector]:
    """One inspector per name, in order; raises UnknownSignal naming what is available."""
    operators = _operator_classifiers(options.classifier_configs)
    wanted = list(names)
    if "all" in wanted:
        wanted = [n for n in BUILT_IN if n != "nudenet" or _nudenet_installed()]
        wanted += list(operators)
    inspectors: list[Inspector] = []
    for name in dict.fromkeys(wanted):
        if name in operators:
            inspectors.append(operators[name])
        elif name == "provenance":
            inspectors.append(_provenance(options.trust_anchors))
        elif name in ("nudity", "nudenet"):
            inspectors.append(_classifier(name))
        else:
            known = ", ".join([*BUILT_IN, *operators, "all"])
            raise UnknownSignal(f"unknown signal {name!r}: choose from {known}")
    return inspectors


def subject_of(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> Subject:
    """The bytes, their sniffed format and the first frame's pixels (full size) when the
    file is an image or a video that decodes; otherwise no pixels (never raises)."""
    sniffed = sniff(data[:HEAD_BYTES])
    if sniffed is None:
        return Subject(data=data, format="unknown")
    image: np.ndarray | None = None
    try:
        if sniffed.kind == "image":
            image = decode_image(data, max_frames=1, limits=limits).frames[0]
        else:
            with closing(iter_video_frames(data, every_seconds=None, limits=limits)) as frames:
                image = next(frames).rgb
    except (ConsentryError, StopIteration):
        image = None
    return Subject(data=data, format=sniffed.format, image=image)


def operator_names(options: InspectorOptions) -> list[str]:
    """Names of the operator classifiers ``options`` configures (loading each: checks it)."""
    return list(_operator_classifiers(options.classifier_configs))


def run_inspectors(inspectors: Sequence[Inspector], subject: Subject) -> list[Finding]:
    """Every inspector's findings; one that fails unexpectedly becomes an error finding."""
    findings: list[Finding] = []
    for inspector in inspectors:
        try:
            findings.extend(inspector.inspect(subject))
        except ConsentryError as error:
            findings.append(_failed(inspector, f"{error.code}: {error.message}"))
        except Exception as error:  # a model or library bug must not stop the batch
            findings.append(_failed(inspector, f"internal: {type(error).__name__}"))
    return findings


def _failed(inspector: Inspector, message: str) -> Finding:
    family = "provenance" if inspector.name == "provenance" else "classifier"
    if inspector.name in ("nudity", "nudenet"):
        family = "nudity"
    return Finding(signal=family, source=inspector.name, error=message)


@cache
def _classifier(name: str) -> Inspector:
    from consentry.signals.classifiers import classifier_inspector

    return classifier_inspector(name)


@cache
def _provenance(trust_anchors: str | None) -> Inspector:
    from consentry.signals.provenance import (
        C2paSettings,
        ProvenanceInspector,
        ProvenanceSettings,
    )

    pem = None
    if trust_anchors is not None:
        try:
            with open(trust_anchors, encoding="utf-8") as handle:
                pem = handle.read()
        except OSError as error:
            raise ConsentryError(
                f"cannot read C2PA trust anchors {trust_anchors}: {error.strerror}",
                code="unreadable-trust-anchors",
            ) from None
    return ProvenanceInspector(ProvenanceSettings(c2pa=C2paSettings(trust_anchors_pem=pem)))


def _operator_classifiers(configs: tuple[str, ...]) -> dict[str, Inspector]:
    if not configs:
        return {}
    loaded = [_cached_operator(os.path.abspath(path)) for path in configs]
    clashing = [i.name for i in loaded if i.name in BUILT_IN or i.name == "all"]
    if clashing:
        raise UnknownSignal(f"an operator classifier may not be named {clashing[0]!r}")
    return {inspector.name: inspector for inspector in loaded}


@cache
def _cached_operator(path: str) -> Inspector:
    from consentry.signals.classifiers import load_operator_classifier

    return load_operator_classifier(path)


def _nudenet_installed() -> bool:
    return importlib.util.find_spec("nudenet") is not None
