"""Global options, help, exit codes and error lines."""

from __future__ import annotations

from pathlib import Path

from cli_helpers import Invoke, json_lines, run_module
from typer.testing import CliRunner

from consentry import __version__
from consentry.cli import ExitCode, app


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"consentry {__version__}"


def test_help_lists_commands_and_exit_codes() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("hash", "bank", "match", "scan", "demo"):
        assert command in result.stdout
    assert "Exit codes" in result.stdout and "3 finished but some" in result.stdout


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    commands = [["hash"], ["match"], ["scan"], ["demo"], ["bank"]]
    commands += [["bank", c] for c in ("create", "list", "add", "add-hashes", "remove")]
    commands += [["bank", c] for c in ("export", "import", "delete")]
    for command in commands:
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, command
        assert "Example: consentry" in result.stdout, command


def test_usage_error_is_exit_2(cli: Invoke) -> None:
    assert cli("hash").exit_code == ExitCode.USAGE
    assert cli("no-such-command").exit_code == ExitCode.USAGE
    assert cli("bank", "create", "x", "--radius", "abc").exit_code == ExitCode.USAGE


def test_consentry_error_is_one_line_and_exit_4(cli: Invoke) -> None:
    result = cli("bank", "remove", "missing-bank", "1")
    assert result.exit_code == ExitCode.INVALID
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ") and lines[0].endswith("[unknown-bank]")
    assert "Traceback" not in result.output


def test_internal_error_is_exit_1_without_traceback(cli: Invoke, monkeypatch) -> None:
    from consentry.cli import state as state_module

    def explode(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(state_module.CliState, "open_store", explode)
    result = cli("bank", "list")
    assert result.exit_code == ExitCode.INTERNAL
    assert "internal error" in result.stderr and "boom" in result.stderr
    assert "Traceback" not in result.output


def test_home_option_and_environment(tmp_path: Path, monkeypatch) -> None:
    runner = CliRunner()
    by_option = tmp_path / "by-option"
    by_env = tmp_path / "by-env"
    monkeypatch.setenv("CONSENTRY_HOME", str(by_env))
    assert runner.invoke(app, ["--home", str(by_option), "bank", "create", "one"]).exit_code == 0
    assert runner.invoke(app, ["bank", "create", "two"]).exit_code == 0
    assert (by_option / "consentry.db").exists() and (by_env / "consentry.db").exists()
    listed = runner.invoke(app, ["--home", str(by_option), "bank", "list", "--json"])
    assert [b["name"] for b in json_lines(listed.stdout)] == ["one"]
    listed = runner.invoke(app, ["bank", "list", "--json"])
    assert [b["name"] for b in json_lines(listed.stdout)] == ["two"]


def test_subprocess_home_and_exit_codes(tmp_path: Path) -> None:
    env_home = tmp_path / "env-home"
    created = run_module("bank", "create", "sub", env={"CONSENTRY_HOME": str(env_home)})
    assert created.returncode == 0, created.stderr
    assert (env_home / "consentry.db").exists()
    again = run_module("bank", "create", "sub", env={"CONSENTRY_HOME": str(env_home)})
    assert again.returncode == ExitCode.INVALID
    assert again.stderr.strip().endswith("[bank-exists]")
    option_home = tmp_path / "option-home"
    listed = run_module(
        "--home", option_home, "bank", "list", "--json", env={"CONSENTRY_HOME": str(env_home)}
    )
    assert listed.returncode == 0 and listed.stdout == ""
    assert run_module("--version").stdout.strip() == f"consentry {__version__}"
    assert run_module("hash", "--bogus").returncode == ExitCode.USAGE
