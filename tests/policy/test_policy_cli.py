"""``consentry policy check`` / ``show-default`` and the decision printer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from policy_helpers import match
from typer.testing import CliRunner, Result

from consentry.cli.exitcodes import ExitCode
from consentry.cli.policy_cmd import policy_app, show_decision
from consentry.policy import Evidence, default_policy, default_policy_text, parse_policy

VALID = """\
version = 1
name = "helpline"
[thresholds]
nudity = 0.7

[[rule]]
name = "intimate"
decision = "block"
when.match = { label = "intimate" }

[[rule]]
name = "deepfake"
decision = "review"
when.classifier = { name = "deepfake", label = "fake", above = 0.9 }
when.nudity = { above = "$nudity" }

[[scope]]
partner = "acme"
thresholds = { nudity = 0.9 }
disable = ["deepfake"]
"""

INVALID = VALID.replace('decision = "review"', 'decision = "reveiw"')


def _run(*args: object) -> Result:
    return CliRunner().invoke(policy_app, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    valid, invalid = tmp_path / "valid.toml", tmp_path / "invalid.toml"
    valid.write_text(VALID, encoding="utf-8")
    invalid.write_text(INVALID, encoding="utf-8")
    return {"valid": valid, "invalid": invalid}


def test_check_valid_file_describes_it(files: dict[str, Path]) -> None:
    result = _run("check", files["valid"])
    assert result.exit_code == ExitCode.OK, result.stderr
    out = result.stdout
    assert f"{files['valid']}: valid policy (version 1), 'helpline'" in out
    assert "a match labelled 'intimate'" in out
    assert "classifier 'deepfake' label 'fake' score at or above 0.9" in out
    assert "nudity score at or above 0.7 ($nudity)" in out
    assert "Thresholds: nudity = 0.7." in out
    assert "scope partner 'acme':" in out and "disables: deepfake" in out
    assert "Signals needed: deepfake, nudity." in out
    assert result.stderr == ""


def test_check_invalid_file_exit_code_and_line(files: dict[str, Path]) -> None:
    result = _run("check", files["invalid"])
    assert result.exit_code == ExitCode.INVALID
    assert result.stdout == ""
    line = result.stderr.strip()
    assert line.startswith(f"error: {files['invalid']}:13: rule 'deepfake': unknown decision")
    assert "did you mean 'review'" in line and line.endswith("[invalid-policy]")


def test_check_json_valid(files: dict[str, Path]) -> None:
    result = _run("check", files["valid"], "--json")
    assert result.exit_code == ExitCode.OK
    data = json.loads(result.stdout)
    assert data["valid"] is True and data["file"] == str(files["valid"])
    assert data["thresholds"] == {"nudity": 0.7} and data["default"] == "allow"
    assert [rule["name"] for rule in data["rules"]] == ["intimate", "deepfake"]
    assert data["rules"][1]["signals"] == ["deepfake", "nudity"]
    assert data["signals_needed"] == ["deepfake", "nudity"]
    scope = data["scopes"][0]
    assert scope["partner"] == ["acme"] and scope["disable"] == ["deepfake"]
    assert scope["signals_needed"] == []  # with deepfake disabled, fingerprints suffice


def test_check_json_invalid(files: dict[str, Path]) -> None:
    result = _run("check", files["invalid"], "--json")
    assert result.exit_code == ExitCode.INVALID
    data = json.loads(result.stdout)
    assert data["valid"] is False
    assert data["error"]["line"] == 13 and data["error"]["code"] == "invalid-policy"
    assert f"{files['invalid']}:13:" in result.stderr


def test_check_missing_file(tmp_path: Path) -> None:
    result = _run("check", tmp_path / "nope.toml")
    assert result.exit_code == ExitCode.INVALID
    assert "cannot read the policy file" in result.stderr


def test_check_needs_exactly_one_of_file_and_default(files: dict[str, Path]) -> None:
    assert _run("check").exit_code == ExitCode.USAGE
    assert _run("check", files["valid"], "--default").exit_code == ExitCode.USAGE


def test_check_default_and_show_default() -> None:
    checked = _run("check", "--default")
    assert checked.exit_code == ExitCode.OK
    assert "registered-intimate" in checked.stdout and "bank-action" in checked.stdout
    shown = _run("show-default")
    assert shown.exit_code == ExitCode.OK
    assert shown.stdout == default_policy_text()
    assert "# " in shown.stdout  # comments kept: operators start from it
    assert [r.name for r in parse_policy(shown.stdout).rules] == [
        r.name for r in default_policy().rules
    ]


def test_every_command_has_help_with_an_example() -> None:
    for command in ("check", "show-default"):
        result = _run(command, "--help")
        assert result.exit_code == 0 and "Example: consentry policy" in result.stdout


def test_show_decision_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    evidence = Evidence(matches=[match("cases", 42, "intimate", distance=3)])
    decision = default_policy().decide(evidence)
    show_decision(decision, json_output=False, subject="upload.jpg")
    text = capsys.readouterr().out
    assert text.startswith("upload.jpg: block: rule 'registered-intimate'")
    assert "bank 'cases' entry 42 (label intimate, pdq, 3 bits)" in text
    show_decision(decision, json_output=True, subject="upload.jpg")
    data = json.loads(capsys.readouterr().out)
    assert data["file"] == "upload.jpg" and data["action"] == "block"
    assert data["reasons"][0]["values"]["entry"] == 42
