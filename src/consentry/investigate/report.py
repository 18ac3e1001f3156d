"""The investigation report: one self-contained HTML page of plots, and a PDF of it.

The page has inline CSS and inline SVG only: no scripts, no images, no fonts, no links to
load; its Content-Security-Policy forbids loading anything at all. It shows counts, chat and
bot names and PDQ fingerprints — never media and never message text. The PDF is printed from
the page by headless Chromium when one is installed.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import date, timedelta
from html import escape
from pathlib import Path

from consentry.investigate import plots
from consentry.investigate.plots import Series
from consentry.investigate.summary import HOURS_IN_DAY, Summary

log = logging.getLogger(__name__)

HTML_NAME = "report.html"
PDF_NAME = "report.pdf"
CHROMIUM_ENV = "CONSENTRY_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PDF_TIMEOUT_SECONDS = 180
TOP_ROWS = 15
TOP_CLUSTERS = 10
CSP = "default-src 'none'; style-src 'unsafe-inline'"

CSS = """
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933;
  margin: 0 auto; max-width: 980px; padding: 24px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { font-size: 19px; margin: 28px 0 6px; }
.meta { color: #616e7c; font-size: 13px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(160px, 1fr)); gap: 10px;
  margin: 18px 0; }
.tile { border: 1px solid #d9e2ec; border-radius: 8px; padding: 10px 12px; }
.tile b { display: block; font-size: 24px; } .tile span { color: #616e7c; font-size: 13px; }
figure { margin: 0 0 10px; break-inside: avoid; page-break-inside: avoid; }
figcaption { color: #616e7c; font-size: 13px; margin-top: 4px; }
svg.plot { width: 100%; height: auto; display: block;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.note { background: #f5f7fa; border-left: 4px solid #9dc3e6; padding: 8px 12px; font-size: 13px; }
@page { size: A4; margin: 14mm; }
@media print { body { padding: 0; max-width: none; } h2 { break-after: avoid; } }
"""


def write_report(summary: Summary, out: Path, *, pdf: bool) -> list[Path]:
    """Write ``out/report.html`` (and ``out/report.pdf`` when asked and possible).

    Returns the files written. Without Chromium, or when printing fails, the PDF is left out
    and a warning says why; :func:`pdf_unavailable_reason` says so up front.
    """
    out.mkdir(parents=True, exist_ok=True)
    html_path = out / HTML_NAME
    html_path.write_text(render_html(summary), encoding="utf-8")
    written = [html_path]
    if pdf:
        pdf_path = print_pdf(html_path, out / PDF_NAME)
        if pdf_path is not None:
            written.append(pdf_path)
    return written


def chromium_executable() -> str | None:
    """``$CONSENTRY_CHROMIUM``, else the first Chromium or Chrome on the PATH; None if none."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured if _executable(configured) else None
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def _executable(path: str) -> bool:
    return (Path(path).is_file() and os.access(path, os.X_OK)) or shutil.which(path) is not None


def pdf_unavailable_reason() -> str | None:
    """None when a PDF can be printed; otherwise a plain sentence saying why not."""
    if chromium_executable() is not None:
        return None
    where = os.environ.get(CHROMIUM_ENV)
    found = (
        f"${CHROMIUM_ENV} points at {where}, which is not executable"
        if where
        else ("no chromium, chromium-browser or google-chrome on the PATH")
    )
    return (
        f"report.pdf not written: printing it needs headless Chromium ({found}); install it "
        f"(apt-get install chromium) or open report.html and print it from a browser"
    )


def print_pdf(html_path: Path, pdf_path: Path) -> Path | None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium; None (and a warning) if not."""
    executable = chromium_executable()
    if executable is None:
        log.warning("%s", pdf_unavailable_reason())
        return None
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="consentry-chromium-") as profile:
        command = [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, timeout=PDF_TIMEOUT_SECONDS, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            log.warning("report.pdf not written: Chromium failed to print it (%s)", error)
            return None
    if done.returncode != 0 or not _is_pdf(pdf_path):
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        log.warning(
            "report.pdf not written: Chromium exited with %s (%s)", done.returncode, detail[0]
        )
        pdf_path.unlink(missing_ok=True)
        return None
    return pdf_path


def _is_pdf(path: Path) -> bool:
    if not path.is_file():
        return False
    with path.open("rb") as handle:
        return handle.read(5) == b"%PDF-"


def render_html(summary: Summary) -> str:
    """The whole report page as one string."""
    sections = "".join(
        _section(title, plot, caption) for title, plot, caption in _sections(summary)
    )
    exports = ", ".join(escape(name) for name in summary.exports) or "none"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        "<title>Consentry investigation report</title>"
        f"<style>{CSS}</style></head><body>"
        "<h1>Investigation report</h1>"
        f'<p class="meta">Made by Consentry on {escape(_when(summary))} from: {exports}</p>'
        f"{_tiles(summary)}{_notes(summary)}{sections}"
        '<p class="note">This report holds counts, chat and bot names and image fingerprints '
        "only. It contains no media and no message text: caption languages are kept as "
        "language codes, and re-posted images are shown by their PDQ fingerprints.</p>"
        "</body></html>\n"
    )


def _when(summary: Summary) -> str:
    return summary.generated_at.strftime("%Y-%m-%d %H:%M UTC")


def _section(title: str, plot: str, caption: str) -> str:
    return (
        f"<section><h2>{escape(title)}</h2><figure>{plot}"
        f"<figcaption>{escape(caption)}</figcaption></figure></section>"
    )


def _tiles(summary: Summary) -> str:
    tiles = [
        ("messages", summary.messages),
        ("with media", summary.media),
        ("assessed", summary.assessed),
        ("flagged", summary.flagged),
        ("matched a bank", summary.matched),
        ("likely nude", summary.likely_nude),
        ("synthetic provenance", summary.synthetic),
        ("distinct images", summary.distinct),
        ("copies", summary.copies),
    ]
    body = "".join(
        f'<div class="tile"><b>{plots.number(value)}</b><span>{escape(name)}</span></div>'
        for name, value in tiles
    )
    return f'<div class="tiles" id="key-figures">{body}</div>'


def _notes(summary: Summary) -> str:
    notes = []
    if summary.not_exported:
        notes.append(f"{plots.number(summary.not_exported)} media items were not in the export")
    if summary.errors:
        notes.append(f"{plots.number(summary.errors)} media files could not be assessed")
    if summary.problems:
        notes.append(f"{plots.number(summary.problems)} problems were met reading the exports")
    if not notes:
        return ""
    return f'<p class="note">{escape("; ".join(notes))}.</p>'


def _sections(summary: Summary) -> list[tuple[str, str, str]]:
    return [
        ("Media and what was found", _media_plot(summary), _media_caption(summary)),
        (
            "Distinct images and copies",
            _distinct_plot(summary),
            "Near-duplicates (PDQ distance within the clustering radius) count as one image; "
            "every further item is a copy.",
        ),
        (
            "Weekly timeline",
            _weekly_plot(summary),
            "Media items per week (weeks start on Monday, UTC), and how many of them were flagged.",
        ),
        (
            "Chats",
            _chats_plot(summary),
            f"The {TOP_ROWS} chats with the most media, and how many of their items were flagged.",
        ),
        (
            "Bots",
            _bots_plot(summary),
            "Messages sent through inline bots (Telegram's via_bot), by bot.",
        ),
        (
            "Forwarding between chats",
            _forward_plot(summary),
            "Arrows run from the chat a message was forwarded from to the chat it was found in; "
            "thicker arrows carry more messages.",
        ),
        ("Activity by hour", _hours_plot(summary), "Messages by hour of the day, in UTC."),
        (
            "Caption languages",
            _languages_plot(summary),
            "The language of each caption, as detected; only the language code is kept.",
        ),
        (
            "Most re-posted images",
            _clusters_plot(summary),
            "The largest clusters of near-duplicate images, shown by their PDQ fingerprint "
            "(never by the image) and how many items they hold. The grid draws the hash's 256 "
            "bits; it is not a picture.",
        ),
    ]


def _media_caption(summary: Summary) -> str:
    return (
        f"Likely nude means a nudity score of at least {summary.nudity_threshold:g}. Synthetic "
        "means the file's provenance says it was AI-generated; absence proves nothing, since "
        "Telegram strips most metadata."
    )


def _media_plot(summary: Summary) -> str:
    rows = [
        ("media items", summary.media),
        ("assessed", summary.assessed),
        ("flagged", summary.flagged),
        ("matched a bank", summary.matched),
        ("likely nude", summary.likely_nude),
        ("synthetic provenance", summary.synthetic),
        ("not exported", summary.not_exported),
        ("could not be assessed", summary.errors),
    ]
    if not any(value for _, value in rows):
        return plots.empty("plot-media", "Media counts")
    return plots.bar_chart(
        [(name, [value]) for name, value in rows],
        [Series("items", plots.BLUE)],
        plot_id="plot-media",
        label="Media counts: items, matched, likely nude, synthetic",
    )


def _distinct_plot(summary: Summary) -> str:
    return plots.stacked_bar(
        [
            ("distinct images", summary.distinct, plots.GREEN),
            ("copies", summary.copies, plots.ORANGE),
        ],
        plot_id="plot-distinct",
        label="Distinct images versus copies",
    )


def _weekly_plot(summary: Summary) -> str:
    weeks = _all_weeks(sorted(set(summary.weekly) | set(summary.weekly_flagged)))
    values = [[summary.weekly.get(w, 0), summary.weekly_flagged.get(w, 0)] for w in weeks]
    return plots.column_chart(
        weeks,
        values,
        [Series("media items", plots.LIGHT_BLUE), Series("flagged", plots.RED)],
        plot_id="plot-weekly",
        label="Weekly timeline of media items and flagged items",
        every=max(1, len(weeks) // 8),
    )


def _all_weeks(weeks: Sequence[str]) -> list[str]:
    """The given Monday dates with the empty weeks between them filled in."""
    try:
        dates = [date.fromisoformat(week) for week in weeks]
    except ValueError:
        return list(weeks)
    if not dates:
        return []
    filled, current = [], dates[0]
    while current <= dates[-1]:
        filled.append(current.isoformat())
        current += timedelta(days=7)
    return filled if len(filled) < 2000 else list(weeks)


def _top(counts: dict[str, int], limit: int = TOP_ROWS) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]


def _chats_plot(summary: Summary) -> str:
    rows = [
        (name, [count, summary.chats_flagged.get(name, 0)]) for name, count in _top(summary.chats)
    ]
    return plots.bar_chart(
        rows,
        [Series("media items", plots.LIGHT_BLUE), Series("flagged", plots.RED)],
        plot_id="plot-chats",
        label="Chats by media items and flagged items",
    )


def _bots_plot(summary: Summary) -> str:
    return plots.bar_chart(
        [(name, [count]) for name, count in _top(summary.bots)],
        [Series("messages via the bot", plots.PURPLE)],
        plot_id="plot-bots",
        label="Bots used (via_bot) by messages",
    )


def _forward_plot(summary: Summary) -> str:
    return plots.forward_graph(
        summary.forwards, plot_id="plot-forwards", label="Forwarding graph between chats"
    )


def _hours_plot(summary: Summary) -> str:
    hours = (list(summary.hours) + [0] * HOURS_IN_DAY)[:HOURS_IN_DAY]
    return plots.column_chart(
        [f"{hour:02d}" for hour in range(HOURS_IN_DAY)],
        [[count] for count in hours],
        [Series("messages", plots.BLUE)],
        plot_id="plot-hours",
        label="Activity by hour of the day (UTC)",
        every=2,
    )


def _languages_plot(summary: Summary) -> str:
    return plots.bar_chart(
        [(code, [count]) for code, count in _top(summary.languages, 12)],
        [Series("captions", plots.GREEN)],
        plot_id="plot-languages",
        label="Caption languages",
    )


def _clusters_plot(summary: Summary) -> str:
    clusters = sorted(summary.clusters, key=lambda c: (-c.size, c.id))[:TOP_CLUSTERS]
    return plots.cluster_table(
        clusters, plot_id="plot-clusters", label="Most re-posted images by PDQ fingerprint"
    )


PLOT_IDS = (
    "plot-media",
    "plot-distinct",
    "plot-weekly",
    "plot-chats",
    "plot-bots",
    "plot-forwards",
    "plot-hours",
    "plot-languages",
    "plot-clusters",
)
