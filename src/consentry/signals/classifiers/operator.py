"""Operator-supplied ONNX classifiers, each described by a small TOML file.

    name = "deepfake"            # the Finding's source and the --signals name
    model = "deepfake.onnx"      # relative to the config file's folder
    input_size = [224, 224]      # width, height
    layout = "NCHW"              # or "NHWC"
    channels = "RGB"             # or "BGR"; mean and std are given in this order
    scale = 255.0                # pixel / scale, then (x - mean) / std per channel
    mean = [0.485, 0.456, 0.406]
    std = [0.229, 0.224, 0.225]
    labels = ["real", "fake"]    # one per output value
    output = "softmax"           # "softmax", "sigmoid" or "probabilities" (used as is)
    score_label = "fake"         # the label whose probability is the Finding's score
    output_name = ""             # optional: which output, when the model has several

Everything is checked when the file is loaded, model included (input shape against layout and
input_size, output size against labels, one probe run), so a mistake is reported once, with the
file and the key, and never as a failure on the first scanned picture.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from consentry.errors import ConsentryError
from consentry.signals.classifiers.base import BatchedImageInspector, LoadedModel, load_model
from consentry.signals.findings import CLASSIFIER, Finding

REQUIRED_KEYS = (
    "name",
    "model",
    "input_size",
    "layout",
    "channels",
    "scale",
    "mean",
    "std",
    "labels",
    "output",
    "score_label",
)
OPTIONAL_KEYS = ("output_name",)
LAYOUTS = ("NCHW", "NHWC")
CHANNEL_ORDERS = ("RGB", "BGR")
OUTPUTS = ("softmax", "sigmoid", "probabilities")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
# Built-in inspector and signal names an operator classifier may not shadow.
RESERVED_NAMES = frozenset({"all", "nudity", "nudenet", "provenance"})
MAX_INPUT_SIDE = 4096
# A "probabilities" output this far outside 0..1 means the config is wrong, not rounding.
PROBABILITY_SLACK = 1e-3


def invalid(path: Path, problem: str, key: str | None = None) -> ConsentryError:
    where = f"classifier config {path}"
    if key is not None:
        where += f": key `{key}`"
    return ConsentryError(f"{where}: {problem}", code="invalid-classifier-config")


@dataclass(frozen=True)
class OperatorClassifierConfig:
    """A validated config file; ``model`` is resolved against the file's folder."""

    path: Path
    name: str
    model: Path
    input_size: tuple[int, int]
    layout: str
    channels: str
    scale: float
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    labels: tuple[str, ...]
    output: str
    score_label: str
    output_name: str = ""


@dataclass(frozen=True)
class ModelBinding:
    """What the config check learnt about the model: tensor names and the batch it takes."""

    input_name: str
    output_name: str
    batch_size: int


def read_operator_config(path: str | Path) -> OperatorClassifierConfig:
    """Parse and type-check a config file (the model itself is checked by ``bind_model``)."""
    path = Path(path)
    data = _read_toml(path)
    unknown = sorted(set(data) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        valid = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)
        raise invalid(path, f"unknown key (valid keys: {valid})", unknown[0])
    for key in REQUIRED_KEYS:
        if key not in data:
            raise invalid(path, "missing (every key but output_name is required)", key)
    fields = _Fields(path, data)
    labels = fields.labels()
    return OperatorClassifierConfig(
        path=path,
        name=fields.name(),
        # Absolute, so a copy of the inspector sent to a worker process finds the same file.
        model=(path.parent / fields.text("model")).absolute(),
        input_size=fields.input_size(),
        layout=fields.choice("layout", LAYOUTS),
        channels=fields.choice("channels", CHANNEL_ORDERS),
        scale=fields.number("scale"),
        mean=fields.triple("mean", positive=False),
        std=fields.triple("std", positive=True),
        labels=labels,
        output=fields.choice("output", OUTPUTS),
        score_label=fields.score_label(labels),
        output_name=fields.text("output_name", allow_empty=True) if "output_name" in data else "",
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise invalid(path, f"cannot be read: {error.strerror or error}") from error
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise invalid(path, "is not UTF-8 text") from error
    except tomllib.TOMLDecodeError as error:
        raise invalid(path, f"is not valid TOML: {error}") from error


@dataclass(frozen=True)
class _Fields:
    """Typed access to the TOML table, each failure naming the file and the key."""

    path: Path
    data: dict[str, Any]

    def fail(self, key: str, problem: str) -> ConsentryError:
        return invalid(self.path, f"{problem}, got {self.data[key]!r}", key)

    def text(self, key: str, *, allow_empty: bool = False) -> str:
        value = self.data[key]
        if not isinstance(value, str) or not (value or allow_empty):
            raise self.fail(
                key, "must be a string" if allow_empty else "must be a non-empty string"
            )
        return value

    def name(self) -> str:
        value = self.text("name")
        if not NAME_PATTERN.match(value):
            raise self.fail(
                "name",
                "must be 1-64 lowercase letters, digits, '-' or '_', starting with a "
                "letter or digit",
            )
        if value in RESERVED_NAMES:
            raise self.fail("name", f"is taken by a built-in ({', '.join(sorted(RESERVED_NAMES))})")
        return value

    def choice(self, key: str, options: tuple[str, ...]) -> str:
        value = self.data[key]
        if value not in options:
            raise self.fail(key, "must be one of " + ", ".join(f'"{o}"' for o in options))
        return str(value)

    def number(self, key: str) -> float:
        if not _is_number(self.data[key], positive=True):
            raise self.fail(key, "must be a positive number")
        return float(self.data[key])

    def triple(self, key: str, *, positive: bool) -> tuple[float, float, float]:
        value = self.data[key]
        if not (
            isinstance(value, list)
            and len(value) == 3
            and all(_is_number(v, positive=positive) for v in value)
        ):
            kind = "positive numbers" if positive else "numbers"
            raise self.fail(key, f"must be a list of 3 {kind} (one per channel)")
        return float(value[0]), float(value[1]), float(value[2])

    def input_size(self) -> tuple[int, int]:
        value = self.data["input_size"]
        sides_ok = isinstance(value, list) and len(value) == 2
        if not sides_ok or not all(_is_side(side) for side in value):
            raise self.fail(
                "input_size", f"must be [width, height], whole numbers 1..{MAX_INPUT_SIDE}"
            )
        return int(value[0]), int(value[1])

    def labels(self) -> tuple[str, ...]:
        value = self.data["labels"]
        if not isinstance(value, list) or not value:
            raise self.fail("labels", "must be a non-empty list of strings")
        if not all(isinstance(label, str) and label for label in value):
            raise self.fail("labels", "must hold only non-empty strings")
        if len(set(value)) != len(value):
            raise self.fail("labels", "must not repeat a label")
        return tuple(value)

    def score_label(self, labels: tuple[str, ...]) -> str:
        value = self.text("score_label")
        if value not in labels:
            raise self.fail("score_label", f"must be one of the labels ({', '.join(labels)})")
        return value


def _is_number(value: Any, *, positive: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and (value > 0 or not positive)


def _is_side(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_INPUT_SIDE


def bind_model(config: OperatorClassifierConfig) -> ModelBinding:
    """Load the model (shared session) and check it fits the config; one probe run."""
    path = config.path
    if not config.model.is_file():
        raise invalid(path, f"model file not found: {config.model}", "model")
    try:
        loaded = load_model(config.model)
    except Exception as error:
        problem = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise invalid(
            path, f"{config.model} is not a loadable ONNX model ({problem})", "model"
        ) from error
    input_name, batch_size = _check_input(config, loaded)
    output_name = _choose_output(config, loaded)
    _check_output_size(config, loaded, input_name, output_name)
    return ModelBinding(input_name, output_name, batch_size)


def expected_input_shape(config: OperatorClassifierConfig) -> list[int]:
    """The input shape without the batch dimension."""
    width, height = config.input_size
    return [3, height, width] if config.layout == "NCHW" else [height, width, 3]


def _check_input(config: OperatorClassifierConfig, loaded: LoadedModel) -> tuple[str, int]:
    inputs = loaded.session.get_inputs()
    if len(inputs) != 1:
        names = ", ".join(i.name for i in inputs)
        raise invalid(
            config.path,
            f"the model takes {len(inputs)} inputs ({names}); an operator "
            "classifier takes exactly one image tensor",
            "model",
        )
    tensor = inputs[0]
    if tensor.type != "tensor(float)":
        raise invalid(
            config.path,
            f"the model's input `{tensor.name}` is {tensor.type}; expected float32 (tensor(float))",
            "model",
        )
    shape = list(tensor.shape)
    expected = expected_input_shape(config)
    described = f"the model's input `{tensor.name}` has shape {_shape_text(shape)}"
    if len(shape) != 4:
        raise invalid(
            config.path,
            f"{described}; layout {config.layout} needs rank 4 "
            f"[N, {', '.join(map(str, expected))}]",
            "layout",
        )
    wrong = [i for i, want in enumerate(expected) if _static(shape[i + 1]) not in (None, want)]
    if wrong:
        channel_axis = 0 if config.layout == "NCHW" else 2
        key = "layout" if channel_axis in wrong else "input_size"
        raise invalid(
            config.path,
            f"{described}, which does not fit layout {config.layout} with "
            f"input_size {list(config.input_size)} (expected [N, "
            f"{', '.join(map(str, expected))}])",
            key,
        )
    batch = _static(shape[0])
    if batch not in (None, 1):
        raise invalid(
            config.path,
            f"{described}: a fixed batch of {batch}; expected a dynamic batch dimension or 1",
            "model",
        )
    return tensor.name, 1 if batch == 1 else BatchedImageInspector.batch_size


def _choose_output(config: OperatorClassifierConfig, loaded: LoadedModel) -> str:
    names = [output.name for output in loaded.session.get_outputs()]
    if config.output_name:
        if config.output_name not in names:
            raise invalid(
                config.path,
                f"the model has no output `{config.output_name}` (its outputs: {', '.join(names)})",
                "output_name",
            )
        return config.output_name
    if len(names) != 1:
        raise invalid(
            config.path,
            f"the model has {len(names)} outputs ({', '.join(names)}); say which one to use",
            "output_name",
        )
    return names[0]


def _check_output_size(
    config: OperatorClassifierConfig, loaded: LoadedModel, input_name: str, output_name: str
) -> None:
    probe = np.zeros([1, *expected_input_shape(config)], dtype=np.float32)
    try:
        (out,) = loaded.session.run([output_name], {input_name: probe})
    except Exception as error:
        raise invalid(
            config.path,
            f"the model failed on a {_shape_text(list(probe.shape))} input "
            f"({str(error).strip().splitlines()[0]})",
            "model",
        ) from error
    size = int(np.asarray(out).size)
    if size != len(config.labels):
        raise invalid(
            config.path,
            f"the model's output `{output_name}` has {size} values per picture "
            f"but {len(config.labels)} labels are listed",
            "labels",
        )


def _static(dim: Any) -> int | None:
    return dim if isinstance(dim, int) and dim > 0 else None


def _shape_text(shape: list[Any]) -> str:
    return "[" + ", ".join(str(d) if _static(d) else "?" for d in shape) + "]"


class OperatorClassifierInspector(BatchedImageInspector):
    """An operator's ONNX model, scoring the whole picture against its labels."""

    name: ClassVar[str]
    signal: ClassVar[str] = CLASSIFIER

    def __init__(self, config: OperatorClassifierConfig, binding: ModelBinding) -> None:
        self.config = config
        self.binding = binding
        self.name = config.name  # type: ignore[misc]  # one instance per configured model
        self.source = config.name
        self.batch_size = binding.batch_size
        channel_order = slice(None, None, -1) if config.channels == "BGR" else slice(None)
        self._channel_order = channel_order
        self._mean = np.asarray(config.mean, dtype=np.float32)
        self._std = np.asarray(config.std, dtype=np.float32)

    def prepare(self, rgb: np.ndarray) -> np.ndarray:
        resized = Image.fromarray(rgb).resize(self.config.input_size, Image.Resampling.BILINEAR)
        pixels = np.asarray(resized, dtype=np.float32)[:, :, self._channel_order]
        normalised = (pixels / np.float32(self.config.scale) - self._mean) / self._std
        if self.config.layout == "NCHW":
            normalised = normalised.transpose(2, 0, 1)
        return np.ascontiguousarray(normalised, dtype=np.float32)

    def run_batch(self, prepared: Sequence[np.ndarray]) -> list[Finding]:
        loaded = load_model(self.config.model)
        (out,) = loaded.session.run(
            [self.binding.output_name], {self.binding.input_name: np.stack(prepared)}
        )
        values = np.asarray(out, dtype=np.float64).reshape(len(prepared), -1)
        if values.shape[1] != len(self.config.labels):
            raise ConsentryError(
                f"{self.name}: the model returned {values.shape[1]} values per picture for "
                f"{len(self.config.labels)} labels",
                code="classifier-output",
            )
        evidence = {"model": self.config.model.name, "sha256": loaded.short_digest}
        return [self._finding(row, evidence) for row in _activate(values, self.config.output)]

    def _finding(self, probabilities: np.ndarray, evidence: dict[str, str]) -> Finding:
        problem = _probability_problem(probabilities, self.config.output)
        if problem:
            return self.error_finding(ConsentryError(problem, code="classifier-output"))
        clipped = np.clip(probabilities, 0.0, 1.0)
        labels = {label: float(p) for label, p in zip(self.config.labels, clipped, strict=True)}
        return Finding(
            signal=CLASSIFIER,
            source=self.source,
            score=labels[self.config.score_label],
            labels=labels,
            evidence=dict(evidence),
        )


def _activate(values: np.ndarray, output: str) -> np.ndarray:
    if output == "softmax":
        shifted = np.exp(values - values.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)
    if output == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * values))  # overflow-free form of 1 / (1 + e^-x)
    return values


def _probability_problem(probabilities: np.ndarray, output: str) -> str | None:
    if not np.all(np.isfinite(probabilities)):
        return "the model returned a value that is not a finite number"
    low, high = float(probabilities.min()), float(probabilities.max())
    if low < -PROBABILITY_SLACK or high > 1 + PROBABILITY_SLACK:
        return (
            f"the model returned {low:.4g}..{high:.4g}, outside 0..1, with output = "
            f'"{output}": should the config say "softmax" or "sigmoid"?'
        )
    return None


def load_operator_classifier(path: str | Path) -> OperatorClassifierInspector:
    """Read, validate and bind one config file. Raises ConsentryError
    ("invalid-classifier-config") naming the file, the key and the problem."""
    config = read_operator_config(path)
    return OperatorClassifierInspector(config, bind_model(config))


def load_operator_classifiers(
    folder_or_files: str | Path | Iterable[str | Path],
) -> list[OperatorClassifierInspector]:
    """Every ``*.toml`` of a folder (sorted by name), or the given files, in order."""
    sources = (
        [folder_or_files] if isinstance(folder_or_files, str | Path) else list(folder_or_files)
    )
    inspectors: list[OperatorClassifierInspector] = []
    seen: dict[str, Path] = {}
    for path in _config_files(sources):
        inspector = load_operator_classifier(path)
        if inspector.name in seen:
            raise invalid(
                path, f"{inspector.name!r} is already the name of {seen[inspector.name]}", "name"
            )
        seen[inspector.name] = path
        inspectors.append(inspector)
    return inspectors


def _config_files(sources: list[str | Path]) -> list[Path]:
    files: list[Path] = []
    for source in map(Path, sources):
        if source.is_dir():
            files.extend(sorted(source.glob("*.toml")))
        elif source.is_file():
            files.append(source)
        else:
            raise ConsentryError(
                f"classifier config {source}: no such file or folder",
                code="invalid-classifier-config",
            )
    return files
