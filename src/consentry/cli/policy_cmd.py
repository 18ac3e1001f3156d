"""``consentry policy ...``: check a policy file, print the default policy, explain what a
policy decides about one file and why.

``show_decision`` prints one :class:`~consentry.policy.Decision` (text or JSON).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.cli.common import (
    checked_signals,
    classifier_option,
    inspector_options,
    signals_option,
    trust_anchors_option,
)
from consentry.cli.exitcodes import EXIT_CODES_HELP, ExitCode
from consentry.cli.output import add_row, emit_json, new_table, print_error, stdout_console
from consentry.cli.signals_view import finding_words
from consentry.cli.state import state
from consentry.policy import Decision, Policy, PolicyError, default_policy, load_policy
from consentry.policy.describe import (
    DECISION_WORDS,
    conditions_words,
    policy_summary,
    scope_lines,
    thresholds_words,
)
from consentry.policy.parse import default_policy_text

if TYPE_CHECKING:
    from consentry.assessment import Assessment

DEFAULT_SOURCE = "<default policy>"

policy_app = typer.Typer(
    rich_markup_mode="markdown",
    help=(
        "Policies: TOML rules that turn fingerprint matches and signals (nudity, provenance, "
        "classifiers) into block / review / allow, with the reasons. docs/policy.md describes "
        "the language.\n\n"
        "Example: consentry policy show-default > policy.toml && consentry policy check policy.toml"
    ),
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
)


@policy_app.command("check", epilog=EXIT_CODES_HELP)
def check(
    file: Path | None = typer.Argument(None, metavar="FILE", help="The policy file (TOML)."),
    default: bool = typer.Option(
        False, "--default", help="Check the built-in default policy instead of a file."
    ),
    json_output: bool = typer.Option(
        False, "--json", help="One JSON object: valid, and the rules, thresholds, scopes..."
    ),
) -> None:
    """Validate a policy and say what it would do: its rules in plain words, thresholds,
    scopes and the signals it needs.

    An invalid policy prints `error: FILE:LINE: reason [invalid-policy]` on stderr and
    exits 4 (with --json, also `{"valid": false, "error": ...}` on stdout).

    Example: consentry policy check policy.toml --json
    """
    if (file is None) != default:
        raise typer.BadParameter("give a policy FILE or --default (one of them)")
    source = DEFAULT_SOURCE if file is None else str(file)
    try:
        policy = default_policy() if file is None else load_policy(file)
    except PolicyError as exc:
        if json_output:
            emit_json({"file": source, "valid": False, "error": exc.to_dict()})
        print_error(exc.message, exc.code)
        raise typer.Exit(ExitCode.INVALID) from None
    if json_output:
        emit_json({"file": source, "valid": True, **policy_summary(policy)})
        return
    _print_policy(source, policy)


@policy_app.command("show-default", epilog=EXIT_CODES_HELP)
def show_default() -> None:
    """Print the default policy's TOML, comments included, to start your own from.

    Example: consentry policy show-default > policy.toml
    """
    sys.stdout.write(default_policy_text())
    sys.stdout.flush()


@policy_app.command("explain", epilog=EXIT_CODES_HELP)
def explain(
    ctx: typer.Context,
    media: Path = typer.Argument(..., metavar="MEDIA", help="An image or video file."),
    policy: str = typer.Option(
        "default",
        "--policy",
        envvar="CONSENTRY_POLICY",
        metavar="FILE|default",
        help="The policy to apply (default: the shipped one).",
    ),
    banks: list[str] = typer.Option(
        [], "--bank", "-b", metavar="NAME", help="Match against this bank (default: every bank)."
    ),
    partner: str | None = typer.Option(None, "--partner", help="Decide as for this partner."),
    chat: str | None = typer.Option(None, "--chat", help="Decide as for this chat."),
    signals: str | None = signals_option(),
    classifiers: list[Path] = classifier_option(),
    trust_anchors: Path | None = trust_anchors_option(),
    json_output: bool = typer.Option(False, "--json", help="One JSON object instead of text."),
) -> None:
    """Run every signal the policy needs on one file, match it, and show the decision and why.

    The file is read into memory and never stored. Signals the policy refers to run
    automatically; --signals adds more. Exit code 0 whatever the decision; 3 if the file
    could not be read as media (what could be decided is still shown).

    Example: consentry policy explain upload.jpg --policy mine.toml --chat -100123
    """
    from consentry.assessment import Assessor, store_bank_actions
    from consentry.matching import Matcher
    from consentry.media import read_bytes
    from consentry.policy import Context
    from consentry.policy.option import policy_from_option

    chosen = policy_from_option(policy)
    options = inspector_options(classifiers, trust_anchors)
    names = checked_signals(signals, options)
    data, _ = read_bytes(str(media))
    with state(ctx).open_store() as store:
        matcher = Matcher(store, banks or None)
        assessor = Assessor(
            match=matcher.match,
            policy=chosen,
            bank_actions=store_bank_actions(store),
            inspector_options=options,
            needs_regions=lambda: matcher.has_regions,
        )
        result = assessor.assess(data, signals=names, context=Context(partner=partner, chat=chat))
    del data
    if json_output:
        emit_json({"file": str(media), **result.to_json()})
    else:
        _print_assessment(str(media), result)
    if result.fingerprint.error is not None:
        raise typer.Exit(ExitCode.PARTIAL)


def _print_assessment(name: str, result: Assessment) -> None:
    fp = result.fingerprint
    lines = [f"{name}: {fp.kind or 'not media'} {fp.format or ''}".rstrip()]
    if fp.error is not None:
        lines.append(f"  error: {fp.error.message} [{fp.error.code}]")
    if fp.pdq:
        lines.append(f"  pdq {fp.pdq} (quality {fp.quality})")
    for match in result.matches:
        lines.append(
            f"  match: bank {match.bank!r} entry {match.entry} label {match.label or '-'} "
            f"({match.signal}, distance {match.distance}, {match.transform})"
        )
    if not result.matches:
        lines.append("  match: none")
    for finding in result.findings:
        lines.append(f"  signal: {finding_words(finding)}")
    typer.echo("\n".join(lines))
    if result.decision is not None:
        show_decision(result.decision, json_output=False)


def show_decision(decision: Decision, *, json_output: bool, subject: str | None = None) -> None:
    """Print one decision: a JSON object, or its plain explanation (prefixed by ``subject``)."""
    if json_output:
        emit_json({"file": subject, **decision.to_json()} if subject else decision.to_json())
        return
    lines = decision.explain().splitlines()
    if subject:
        lines[0] = f"{subject}: {lines[0]}"
    typer.echo("\n".join(lines))


def _print_policy(source: str, policy: Policy) -> None:
    console = stdout_console()
    title = f"{source}: valid policy (version {policy.version})"
    if policy.name:
        title += f", {policy.name!r}"
    console.print(title, markup=False)
    if policy.description:
        console.print(policy.description, markup=False)
    table = new_table("rule", "decision", "when")
    for rule in policy.rules:
        add_row(table, rule.name, rule.decision, conditions_words(rule, policy.thresholds))
    console.print(table)
    lines = [
        "The most severe decision among the rules that apply wins "
        "(block > review > allow; equal ones: the first listed).",
        f"When no rule applies: {DECISION_WORDS[policy.default]}.",
        f"Thresholds: {thresholds_words(policy.thresholds)}.",
    ]
    for scope in policy.scopes:
        lines.extend(scope_lines(scope, policy))
    needed = ", ".join(sorted(policy.signals_needed())) or "none (fingerprints only)"
    lines.append(f"Signals needed: {needed}.")
    for line in lines:
        console.print(line, markup=False, highlight=False)
