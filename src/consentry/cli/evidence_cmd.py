"""``consentry evidence verify DIR``: check an investigation's signed evidence package."""

from __future__ import annotations

from pathlib import Path

import typer

from consentry.cli.output import emit_json, print_note, stdout_console
from consentry.investigate.evidence import VerifyResult, load_public_key, verify_evidence

EXIT_TAMPERED = 1

VERIFY_EXIT_HELP = (
    "Exit codes: 0 the package is intact; 1 the signature or a file differs (each difference "
    "is listed); 4 DIR or the given key cannot be read."
)

evidence_app = typer.Typer(
    rich_markup_mode="markdown",
    help=(
        "Evidence packages written by `consentry investigate`: flagged rows (JSONL, CSV) and a "
        "manifest of every input and output file's SHA-256, signed with Ed25519.\n\n"
        "Example: consentry evidence verify ./out/evidence"
    ),
    no_args_is_help=True,
)


@evidence_app.command("verify", epilog=VERIFY_EXIT_HELP)
def verify(
    folder: Path = typer.Argument(
        ..., metavar="DIR", help="The evidence folder, or the investigation's --out folder."
    ),
    public_key: Path | None = typer.Option(
        None,
        "--public-key",
        metavar="FILE",
        help="Require a signature by this key (PEM, public or private), not only by the key "
        "the package carries.",
    ),
    inputs: Path | None = typer.Option(
        None,
        "--inputs",
        metavar="DIR",
        help="Where the input files are now, when they were moved (the manifest's names are "
        "relative to the inputs' common folder). Default: their original paths.",
    ),
    json_output: bool = typer.Option(False, "--json", help="One JSON object instead of text."),
) -> None:
    """Check the signature over the manifest, then every output file's SHA-256, then the
    input files that can be reached. Lists every difference: changed, missing, extra files.

    The signature proves the package is unchanged since the key signed it; compare the printed
    key fingerprint with the signer's, or pass `--public-key`, to know who signed it.

    Example: consentry evidence verify ./out --inputs ./exports
    """
    trusted = load_public_key(public_key) if public_key else None
    result = verify_evidence(folder, trusted_key=trusted, inputs_root=inputs)
    if json_output:
        emit_json(result.to_json())
    else:
        _print_result(result)
    if not result.ok:
        raise typer.Exit(EXIT_TAMPERED)


def _print_result(result: VerifyResult) -> None:
    console = stdout_console()
    signature = "valid" if result.signature_ok else "INVALID"
    console.print(f"signature: {signature} (key sha256 {result.key_fingerprint or '-'})")
    for difference in result.differences:
        detail = f": {difference.detail}" if difference.detail else ""
        console.print(f"{difference.problem}: {difference.name}{detail}", markup=False)
    if result.signature_ok:
        console.print(
            f"checked {result.outputs_checked} output and {result.inputs_checked} input files"
        )
    if result.inputs_unreachable:
        print_note(
            f"note: {len(result.inputs_unreachable)} input files not found, so not checked "
            "(use --inputs DIR if they moved)"
        )
    console.print("ok: the package is intact" if result.ok else "TAMPERED: the package differs")
