"""``consentry investigate``: Telegram exports in, a report and a signed evidence package out."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from consentry.cli.common import policy_option, workers_option
from consentry.cli.exitcodes import ExitCode
from consentry.cli.output import emit_json, print_note, stderr_console, stdout_console
from consentry.cli.progress import RichScanProgress
from consentry.cli.state import state
from consentry.policy.option import policy_from_option

if TYPE_CHECKING:
    from consentry.investigate.process import InvestigationResult


def investigate_command(
    ctx: typer.Context,
    exports: list[Path] = typer.Argument(
        ...,
        metavar="EXPORT_DIR...",
        help="Telegram Desktop JSON exports: ChatExport_*/DataExport_* folders, their "
        "result.json, or a folder holding several.",
    ),
    out: Path = typer.Option(
        ..., "--out", "-o", metavar="DIR", help="Where the report, evidence and journal go."
    ),
    banks: list[str] = typer.Option(
        [], "--bank", "-b", metavar="NAME", help="Bank to match against (repeat for several)."
    ),
    known_only: bool = typer.Option(
        False,
        "--known-only",
        help="Do not decode a file whose SHA-256 already has an answer (in the journal, "
        "earlier in this run, or a --bank): reuse it. Faster on exports full of re-posts.",
    ),
    no_media: bool = typer.Option(
        False, "--no-media", help="Open no media file: counts, chats, bots and timing only."
    ),
    workers: int | None = workers_option(),
    to_bank: str | None = typer.Option(
        None,
        "--to-bank",
        metavar="NAME",
        help="Add the flagged items' fingerprints to this bank (one entry per SHA-256).",
    ),
    signing_key: Path | None = typer.Option(
        None,
        "--signing-key",
        metavar="FILE",
        help="Ed25519 key (PEM) signing the evidence; made (mode 0600) if absent. "
        "Default: HOME/keys/evidence-ed25519.pem",
    ),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also print report.pdf (Chromium)."),
    policy: str | None = policy_option(),
    json_output: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
) -> None:
    """Measure an abuse ecosystem from Telegram channel exports, without keeping its media.

    Every image and video is fingerprinted and checked in memory (nudity, provenance, the
    policy, the --bank matches); near-duplicates are grouped by PDQ distance. Writes
    DIR/report.html (and report.pdf), DIR/evidence/ (flagged rows as JSONL and CSV, a
    manifest of every input and output file's SHA-256, signed with Ed25519; check it with
    `consentry evidence verify DIR`), DIR/summary.json and DIR/problems.jsonl. No media and
    no message text is written anywhere.

    Resumable: DIR/work/items.jsonl records each finished item; run the same command again
    after an interruption and only the rest is done. Exit code 3 when some media could not
    be assessed or the exports had problems (both are counted in the report).

    Example: consentry investigate ./ChatExport_2024-03-01 --out case-17 --bank ncii-main
    """
    from consentry.investigate.evidence import signing_key as load_key
    from consentry.investigate.evidence import write_evidence
    from consentry.investigate.process import investigate
    from consentry.investigate.report import write_report

    st = state(ctx)
    key = load_key(st.home, signing_key)  # a bad key fails now, not after the whole run
    chosen_policy = policy_from_option(policy)
    console = stderr_console()
    progress = (
        RichScanProgress(console, label="assessing media")
        if console.is_terminal and not no_media
        else None
    )
    store_context = st.open_store() if banks or to_bank else nullcontext()
    with store_context as store:
        try:
            result = investigate(
                exports,
                out,
                banks=banks,
                known_only=known_only,
                no_media=no_media,
                workers=workers,
                progress=progress,
                to_bank=to_bank,
                store=store,
                policy=chosen_policy,
            )
        except KeyboardInterrupt:
            print_note(f"interrupted; run the same command again to resume into {out}")
            raise
    written = write_report(result.summary, out, pdf=pdf)
    evidence = write_evidence(out, result.items, result.messages, result.inputs, key=key)
    if json_output:
        emit_json(result.summary.to_json())
    else:
        for line in summary_lines(result, written, evidence, to_bank):
            stdout_console().print(line, markup=False, highlight=False)
    if pdf and not any(path.suffix == ".pdf" for path in written):
        print_note("report.pdf was not written: see the warning above")
    if result.summary.errors or result.summary.problems:
        raise typer.Exit(ExitCode.PARTIAL)


def summary_lines(
    result: InvestigationResult, written: list[Path], evidence: Path, to_bank: str | None
) -> list[str]:
    summary, counts = result.summary, result.counts
    lines = [
        f"read {summary.messages} messages from {len(summary.exports)} export(s); "
        f"{summary.problems} problems (see {result.out / 'problems.jsonl'})",
        f"images and videos {summary.media}: assessed {summary.assessed} "
        f"({counts.assessed_now} now, {counts.resumed} from the journal, "
        f"{counts.reused} by known SHA-256), not exported {summary.not_exported}, "
        f"failed {summary.errors}",
        f"flagged {summary.flagged}, matched {summary.matched}, likely nude "
        f"{summary.likely_nude} (nudity >= {summary.nudity_threshold}), synthetic "
        f"{summary.synthetic}",
        f"distinct images {summary.distinct}, copies {summary.copies}",
    ]
    if counts.restarted:
        lines.append("the journal was from other settings (banks or policy): started over")
    if to_bank:
        lines.append(f"added {result.pushed} entries to bank {to_bank}")
    lines += [f"report: {path}" for path in written]
    lines.append(f"evidence: {evidence} (check it: consentry evidence verify {evidence})")
    return lines
