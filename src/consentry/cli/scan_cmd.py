"""``consentry scan``: a whole directory tree, resumable, in parallel, with a report file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.assessment import Assessor, store_bank_actions
from consentry.cli.common import (
    ROTATIONS_HELP,
    checked_signals,
    classifier_option,
    inspector_options,
    policy_option,
    signals_option,
    trust_anchors_option,
    workers_option,
)
from consentry.cli.exitcodes import ExitCode
from consentry.cli.match_cmd import kind_words
from consentry.cli.output import (
    add_row,
    emit_json,
    new_table,
    print_note,
    stderr_console,
    stdout_console,
)
from consentry.cli.progress import RichScanProgress
from consentry.cli.state import state
from consentry.errors import ConsentryError
from consentry.policy import Context
from consentry.policy.option import policy_from_option
from consentry.scan import (
    ScanOptions,
    ScanSummary,
    default_report_path,
    format_for,
    run_scan,
)
from consentry.scan.jobs import WORKER_PRELOAD, FingerprintJob

if TYPE_CHECKING:
    from collections.abc import Callable

    from consentry.matching import Matcher
    from consentry.policy import Decision, Policy
    from consentry.store import Store

MAX_LISTED_HITS = 50


def scan_command(
    ctx: typer.Context,
    directory: str = typer.Argument(..., metavar="DIR", help="The directory to scan."),
    banks: list[str] = typer.Option(
        [], "--bank", "-b", metavar="NAME", help="Bank to match against (repeat for several)."
    ),
    report: Path | None = typer.Option(
        None,
        "--report",
        metavar="FILE",
        help="Report file, also the journal used to resume. Default: HOME/scans/DIRNAME-ID.jsonl",
    ),
    report_format: str | None = typer.Option(
        None,
        "--format",
        metavar="jsonl|csv",
        help="Report format (default: from the report's extension, else jsonl).",
    ),
    workers: int | None = workers_option(),
    no_resume: bool = typer.Option(
        False, "--no-resume", help="Start over: overwrite the report instead of resuming it."
    ),
    rotations: bool = typer.Option(False, "--rotations", help=ROTATIONS_HELP),
    json_output: bool = typer.Option(
        False, "--json", help="Print the final summary as one JSON object."
    ),
    signals: str | None = signals_option(),
    classifiers: list[Path] = classifier_option(),
    trust_anchors: Path | None = trust_anchors_option(),
    policy: str | None = policy_option(),
) -> None:
    """Scan a directory tree: fingerprint every image and video and match it against banks.

    With --signals, each file is also run through those signals (nudity, provenance...);
    with --policy FILE (or --policy default) each file gets the policy's decision, and the
    signals the policy needs run even if not listed. Findings and decisions go into the
    report; the media never does.

    Results go to a report file, one line per file, written as each file is done; the report
    is the journal: run the same command again after an interruption (Ctrl-C, crash, reboot)
    and only files not yet in it (by path, size and modification time) are done. Symlinks are
    never followed; files that are not images or videos are recorded as unsupported-format
    and skipped without reading them whole. Files already in the report keep the results of
    the run that did them: after changing --bank or --rotations, use --no-resume.
    Exit code 3 if some media files failed.

    Example: consentry scan ./uploads --bank ncii-main --workers 4 --report uploads.csv
    """
    st = state(ctx)
    if not os.path.isdir(directory):
        raise ConsentryError(f"{directory} is not a directory", code="not-a-directory")
    fmt = format_for(report, report_format) if report else format_for(Path("x"), report_format)
    report_path = report or default_report_path(st.home, directory, fmt)
    print_note(f"report: {report_path}")
    inspect_options = inspector_options(classifiers, trust_anchors)
    chosen_policy = policy_from_option(policy)
    needed = sorted(chosen_policy.signals_needed()) if chosen_policy is not None else []
    names = checked_signals(",".join([signals or "", *needed]), inspect_options)
    with st.open_store() as store:
        matcher = _matcher(store, banks)
        options = ScanOptions(
            report=report_path,
            format=fmt,
            workers=workers,
            resume=not no_resume,
            preload=WORKER_PRELOAD,
            skip_dirs=(state(ctx).home,),
        )
        job = FingerprintJob(
            matcher,
            rotations=rotations,
            signals=names,
            inspector_options=inspect_options,
            decide=_decider(store, chosen_policy),
        )
        console = stderr_console()
        progress = RichScanProgress(console) if console.is_terminal else None
        try:
            summary = run_scan(directory, job, options, progress)
        except KeyboardInterrupt:
            print_note(f"interrupted; run the same command again to resume from {report_path}")
            raise
    _print_summary(summary, json_output)
    if summary.failed:
        raise typer.Exit(ExitCode.PARTIAL)


def _decider(store: Store, policy: Policy | None) -> Callable[[list, list], Decision] | None:
    if policy is None:
        return None
    assessor = Assessor(policy=policy, bank_actions=store_bank_actions(store))

    def decide(matches: list, findings: list) -> Decision:
        decided = assessor.decide(matches, findings, Context())
        assert decided is not None
        return decided

    return decide


def _matcher(store: Store, banks: list[str]) -> Matcher | None:
    if not banks:
        print_note("no --bank given: fingerprinting only, nothing is matched")
        return None
    from consentry.matching import Matcher

    return Matcher(store, list(dict.fromkeys(banks)))


def _print_summary(summary: ScanSummary, as_json: bool) -> None:
    if as_json:
        emit_json(summary.to_dict())
        return
    console = stdout_console()
    if summary.hits:
        table = new_table(
            "file",
            "bank",
            "entry",
            "label",
            "distance",
            "transform",
            "signal",
            "kind",
            title="matches",
        )
        for hit in summary.hits[:MAX_LISTED_HITS]:
            for number, match in enumerate(hit["matches"]):
                add_row(
                    table,
                    hit["path"] if number == 0 else "",
                    str(match.get("bank")),
                    str(match.get("entry")),
                    str(match.get("label") or "-"),
                    str(match.get("distance")),
                    str(match.get("transform") or "-"),
                    str(match.get("signal")),
                    kind_words(match),
                )
        console.print(table)
        if len(summary.hits) > MAX_LISTED_HITS:
            console.print(
                f"... and {len(summary.hits) - MAX_LISTED_HITS} more matched files in the report"
            )
    for line in summary_lines(summary):
        console.print(line, markup=False)


def summary_lines(summary: ScanSummary) -> list[str]:
    errors = ", ".join(f"{code} {count}" for code, count in sorted(summary.errors.items()))
    lines = [
        f"scanned {summary.root}: {summary.files} files "
        f"({summary.hashed} fingerprinted now, {summary.resumed} already in the report)",
        f"images {summary.images}, videos {summary.videos}, not media {summary.not_media}, "
        f"failed {summary.failed}",
        f"matched files {summary.matched} ({summary.matches} matches)",
        *(
            [f"decisions: {', '.join(f'{a} {n}' for a, n in sorted(summary.decisions.items()))}"]
            if summary.decisions
            else []
        ),
        f"errors by code: {errors or 'none'}",
        f"time {summary.seconds:.1f} s ({summary.files_per_second:.1f} files/s)",
        f"report: {summary.report}",
    ]
    skipped = summary.walk.symlinks_skipped + summary.walk.special_skipped
    if skipped:
        lines.append(
            f"not followed: {summary.walk.symlinks_skipped} symlinks, "
            f"{summary.walk.special_skipped} special files"
        )
    for directory in summary.walk.skipped_dirs:
        lines.append(f"not entered: {directory} (Consentry's own data directory)")
    if summary.walk.unreadable_dirs:
        lines.append(
            f"unreadable directories: {len(summary.walk.unreadable_dirs)} "
            f"(first: {summary.walk.unreadable_dirs[0]})"
        )
    return lines
