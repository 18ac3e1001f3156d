"""``consentry demo``: see the main job work end to end, on benign sample photos."""

from __future__ import annotations

import shutil

import typer

from consentry.cli.exitcodes import ExitCode
from consentry.cli.output import add_row, new_table, print_note, stdout_console
from consentry.cli.state import state
from consentry.demo import DEMO_BANK, DemoResult, iter_rows, run_demo


def demo_command(
    ctx: typer.Context,
    keep: bool = typer.Option(
        False, "--keep", help="Keep HOME/demo (photos, the demo bank, the report) to explore."
    ),
) -> None:
    """Run the main job on sample photos: bank some photos, then find their edited copies.

    Writes benign sample photos and edited copies of them (resized, recompressed, rotated,
    mirrored, bordered, brightened) plus unrelated photos into HOME/demo, puts the originals'
    fingerprints in a bank of the demo's own (your banks are not touched), scans the copies
    and explains each result. Removes HOME/demo afterwards unless --keep.
    Exit code 3 if a result was not the expected one.

    Example: consentry demo --keep
    """
    home = state(ctx).home
    print_note(f"writing sample photos and edited copies to {home / 'demo'} ...")
    result = run_demo(home)
    _print(result, keep)
    if not keep:
        shutil.rmtree(result.folder, ignore_errors=True)
    if not result.all_expected:
        raise typer.Exit(ExitCode.PARTIAL)


def _print(result: DemoResult, keep: bool) -> None:
    console = stdout_console()
    console.print(
        f"Bank {DEMO_BANK!r} holds the fingerprints of {len(result.originals)} photos "
        f"({result.source}): "
        + ", ".join(f.path.name for f in result.originals)
        + ". The photos themselves are not stored.",
        markup=False,
    )
    table = new_table("file in the inbox", "what it is", "result", "why", title="scan of the inbox")
    for row in iter_rows(result):
        add_row(table, *row)
    console.print(table)
    matched = sum(bool(o.matches) for o in result.outcomes)
    console.print(
        f"{matched} of {len(result.outcomes)} files matched; "
        f"{'every result as expected' if result.all_expected else 'SOME RESULTS UNEXPECTED'}.",
        markup=False,
    )
    if keep:
        console.print(
            f"Kept {result.folder}. Explore it with: consentry --home {result.folder} bank list; "
            f"consentry --home {result.folder} match {result.folder / 'inbox'} --bank {DEMO_BANK} "
            f"--rotations; report: {result.report}",
            markup=False,
        )
    else:
        print_note(f"removed {result.folder} (use --keep to keep it)")
