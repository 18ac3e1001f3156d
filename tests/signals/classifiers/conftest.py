"""Fixtures for the classifier tests: the built-in inspectors (one per session) and a folder
holding the tiny channel-mean model the operator config tests point at."""

from __future__ import annotations

from pathlib import Path

import pytest
from classifier_models import channel_mean_model

from consentry.signals.classifiers import NudeNetInspector, OpenNsfwInspector


@pytest.fixture(scope="session")
def opennsfw() -> OpenNsfwInspector:
    return OpenNsfwInspector()


@pytest.fixture(scope="session")
def nudenet() -> NudeNetInspector:
    return NudeNetInspector()


@pytest.fixture
def model_folder(tmp_path: Path) -> Path:
    """A folder with colour.onnx (NCHW, dynamic batch and size, red-vs-blue logits)."""
    channel_mean_model(tmp_path / "colour.onnx")
    return tmp_path
