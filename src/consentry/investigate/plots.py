"""Inline SVG plots for the investigation report, drawn directly (no scripts, no fonts, no links).

Every label comes from an export (chat names, bot names) and is escaped; long labels are cut
and keep their full text in a ``<title>`` tooltip. Each plot is a standalone ``<svg>`` string
with ``role="img"`` and an ``aria-label`` saying what it shows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from consentry.investigate.summary import ClusterCount, ForwardEdge

INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#d9e2ec"
BLUE = "#2f6fb3"
LIGHT_BLUE = "#9dc3e6"
RED = "#c0392b"
ORANGE = "#e67e22"
PURPLE = "#7d3c98"
GREEN = "#2e8b57"
FONT = 12
CHAR_WIDTH = 0.62  # of the font size: rough width of a sans-serif character, for layout only


def number(value: float) -> str:
    """1234567 -> "1,234,567"; fractions keep one decimal."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def cut(label: str, chars: int) -> str:
    return label if len(label) <= chars else label[: max(chars - 1, 1)] + "…"


class Svg:
    """Collects escaped SVG elements; ``render`` wraps them in a scalable ``<svg>``."""

    def __init__(self, width: float, height: float, label: str, plot_id: str) -> None:
        self.width, self.height, self.label, self.plot_id = width, height, label, plot_id
        self.parts: list[str] = []

    def add(self, element: str) -> None:
        self.parts.append(element)

    def rect(self, x: float, y: float, w: float, h: float, fill: str, tip: str = "") -> None:
        title = f"<title>{escape(tip)}</title>" if tip else ""
        self.add(
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(max(w, 0))}" height="{_n(max(h, 0))}" '
            f'fill="{fill}">{title}</rect>'
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, stroke: str = GRID) -> None:
        self.add(
            f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}"/>'
        )

    def text(
        self,
        x: float,
        y: float,
        content: str,
        *,
        anchor: str = "start",
        size: int = FONT,
        fill: str = INK,
        tip: str = "",
        extra: str = "",
    ) -> None:
        title = f"<title>{escape(tip)}</title>" if tip else ""
        self.add(
            f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{fill}"{extra}>{title}{escape(content)}</text>'
        )

    def render(self) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" id="{self.plot_id}" class="plot" '
            f'viewBox="0 0 {_n(self.width)} {_n(self.height)}" role="img" '
            f'aria-label="{escape(self.label)}" style="max-width:{_n(self.width)}px">'
            f"<title>{escape(self.label)}</title>{''.join(self.parts)}</svg>"
        )


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """0 and round steps up to at least ``top``: 0, 50, 100, 150 for 137."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    # Counts are whole numbers: no 2.5 steps below 10, and no step below 1.
    steps = (1, 2, 2.5, 5, 10) if magnitude >= 10 else (1, 2, 5, 10)
    step = max(next(m * magnitude for m in steps if m * magnitude >= raw), 1)
    return [step * i for i in range(math.ceil(top / step) + 1)]


def empty(plot_id: str, label: str, width: float = 640) -> str:
    svg = Svg(width, 60, label, plot_id)
    svg.rect(0, 0, width, 60, "#f5f7fa")
    svg.text(width / 2, 35, "Nothing to show", anchor="middle", fill=MUTED)
    return svg.render()


@dataclass(frozen=True)
class Series:
    name: str
    color: str


def legend(svg: Svg, series: Sequence[Series], x: float, y: float) -> None:
    for item in series:
        svg.rect(x, y - 10, 12, 12, item.color)
        svg.text(x + 17, y, item.name)
        x += 32 + len(item.name) * FONT * CHAR_WIDTH


def bar_chart(
    rows: Sequence[tuple[str, Sequence[int]]],
    series: Sequence[Series],
    *,
    plot_id: str,
    label: str,
    width: float = 720,
) -> str:
    """Horizontal bars, one row per label; later series are drawn over earlier ones (subsets)."""
    if not rows:
        return empty(plot_id, label, width)
    label_chars = 28
    left, right, row_h, top = label_chars * FONT * CHAR_WIDTH + 16, 110, 26, 34
    height = top + row_h * len(rows) + 26
    svg = Svg(width, height, label, plot_id)
    legend(svg, series, left, 16)
    ticks = nice_ticks(max(max(values) for _, values in rows))
    scale = (width - left - right) / ticks[-1]
    bottom = top + row_h * len(rows)
    for tick in ticks:
        svg.line(left + tick * scale, top - 4, left + tick * scale, bottom)
        svg.text(left + tick * scale, bottom + 16, number(tick), anchor="middle", fill=MUTED)
    for index, (name, values) in enumerate(rows):
        y = top + index * row_h
        svg.text(left - 8, y + 17, cut(name, label_chars), anchor="end", tip=name)
        for value, item in zip(values, series, strict=True):
            svg.rect(
                left,
                y + 4,
                value * scale,
                row_h - 8,
                item.color,
                f"{name}: {item.name} {number(value)}",
            )
        svg.text(left + values[0] * scale + 5, y + 17, _values_text(values), fill=MUTED)
    return svg.render()


def _values_text(values: Sequence[int]) -> str:
    return " / ".join(number(value) for value in values)


def column_chart(
    labels: Sequence[str],
    values: Sequence[Sequence[int]],
    series: Sequence[Series],
    *,
    plot_id: str,
    label: str,
    every: int = 1,
    width: float = 760,
) -> str:
    """Vertical columns over ``labels`` (every ``every``-th one written); series overlap."""
    if not labels or not any(any(column) for column in values):
        return empty(plot_id, label, width)
    left, right, top, plot_h = 52, 12, 34, 200
    svg = Svg(width, top + plot_h + 46, label, plot_id)
    legend(svg, series, left, 16)
    ticks = nice_ticks(max(max(column) for column in values))
    scale = plot_h / ticks[-1]
    base = top + plot_h
    for tick in ticks:
        svg.line(left, base - tick * scale, width - right, base - tick * scale)
        svg.text(left - 6, base - tick * scale + 4, number(tick), anchor="end", fill=MUTED)
    slot = (width - left - right) / len(labels)
    widest = max(len(name) for name in labels) * 11 * CHAR_WIDTH + 10
    every = max(every, math.ceil(widest / slot))  # labels never overlap
    for index, (name, column) in enumerate(zip(labels, values, strict=True)):
        x = left + index * slot + slot * 0.12
        for value, item in zip(column, series, strict=True):
            tip = f"{name}: {item.name} {number(value)}"
            svg.rect(x, base - value * scale, slot * 0.76, value * scale, item.color, tip)
        if index % every == 0:
            # Kept inside the plot, so the first and last dates are not cut off.
            x_label = min(max(left + (index + 0.5) * slot, 32), width - 32)
            svg.text(x_label, base + 16, name, anchor="middle", size=11, fill=MUTED)
    svg.line(left, base, width - right, base, MUTED)
    return svg.render()


def stacked_bar(parts: Sequence[tuple[str, int, str]], *, plot_id: str, label: str) -> str:
    """One bar split into ``(name, value, color)`` parts, with shares written below."""
    total = sum(value for _, value, _ in parts)
    if total <= 0:
        return empty(plot_id, label)
    width, left, bar_w = 640, 10, 620
    svg = Svg(width, 96, label, plot_id)
    x = left
    for name, value, color in parts:
        share = value / total
        svg.rect(x, 10, bar_w * share, 40, color, f"{name}: {number(value)}")
        x += bar_w * share
    x = left
    for name, value, color in parts:
        svg.rect(x, 66, 12, 12, color)
        text = f"{name}: {number(value)} ({value / total:.0%})"
        svg.text(x + 17, 77, text)
        x += 40 + len(text) * FONT * CHAR_WIDTH
    return svg.render()


def forward_graph(
    edges: Sequence[ForwardEdge], *, plot_id: str, label: str, limit: int = 24
) -> str:
    """Chats as nodes on a circle, forwards as arrows whose width grows with their count."""
    kept = sorted(
        (e for e in edges if e.source != e.target and e.count > 0), key=lambda e: -e.count
    )[:limit]
    if not kept:
        return empty(plot_id, label, 760)
    width, height = 760, 560
    names = _node_order(kept)
    cx, cy, radius = width / 2, height / 2 + 10, min(width, height) / 2 - 110
    places = {
        name: (
            cx + radius * math.cos(_angle(i, len(names))),
            cy + radius * math.sin(_angle(i, len(names))),
        )
        for i, name in enumerate(names)
    }
    svg = Svg(width, height, label, plot_id)
    svg.add(
        f'<defs><marker id="{plot_id}-arrow" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="3" markerHeight="3" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{BLUE}"/></marker></defs>'
    )
    legend(svg, [Series("chat in the export", BLUE), Series("forwarded from only", ORANGE)], 12, 18)
    top = max(e.count for e in kept)
    sizes = _node_sizes(kept)
    for edge in kept:
        _arrow(svg, edge, places, sizes, 1.2 + 3.8 * edge.count / top, f"{plot_id}-arrow")
    targets = {e.target for e in kept}
    for name in names:
        _node(svg, name, places[name], sizes[name], BLUE if name in targets else ORANGE, (cx, cy))
    return svg.render()


def _angle(index: int, count: int) -> float:
    return -math.pi / 2 + 2 * math.pi * index / count


def _node_order(edges: Sequence[ForwardEdge]) -> list[str]:
    """Busiest chats first, so they spread around the circle in a stable order."""
    traffic: dict[str, int] = {}
    for edge in edges:
        for name in (edge.source, edge.target):
            traffic[name] = traffic.get(name, 0) + edge.count
    return sorted(traffic, key=lambda name: (-traffic[name], name))


def _node_sizes(edges: Sequence[ForwardEdge]) -> dict[str, float]:
    traffic: dict[str, int] = {}
    for edge in edges:
        for name in (edge.source, edge.target):
            traffic[name] = traffic.get(name, 0) + edge.count
    top = max(traffic.values())
    return {name: 7 + 13 * math.sqrt(count / top) for name, count in traffic.items()}


def _arrow(
    svg: Svg,
    edge: ForwardEdge,
    places: dict[str, tuple[float, float]],
    sizes: dict[str, float],
    stroke: float,
    marker: str,
) -> None:
    (x1, y1), (x2, y2) = places[edge.source], places[edge.target]
    # Bend each arrow to its right, so A->B and B->A stay apart.
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    qx, qy = mx + (y2 - y1) * 0.18, my - (x2 - x1) * 0.18
    sx, sy = _towards(x1, y1, qx, qy, sizes[edge.source] + 1)
    ex, ey = _towards(x2, y2, qx, qy, sizes[edge.target] + 2)
    tip = f"{edge.source} → {edge.target}: {number(edge.count)} forwarded"
    svg.add(
        f'<path d="M{_n(sx)},{_n(sy)} Q{_n(qx)},{_n(qy)} {_n(ex)},{_n(ey)}" fill="none" '
        f'stroke="{BLUE}" stroke-opacity="0.65" stroke-width="{_n(stroke)}" '
        f'marker-end="url(#{marker})"><title>{escape(tip)}</title></path>'
    )
    lx, ly = 0.25 * x1 + 0.5 * qx + 0.25 * x2, 0.25 * y1 + 0.5 * qy + 0.25 * y2
    svg.text(
        lx,
        ly + 4,
        number(edge.count),
        anchor="middle",
        size=11,
        extra=' stroke="#fff" stroke-width="3" paint-order="stroke"',
    )


def _towards(x: float, y: float, tx: float, ty: float, distance: float) -> tuple[float, float]:
    length = math.hypot(tx - x, ty - y) or 1
    return x + (tx - x) * distance / length, y + (ty - y) * distance / length


def _node(
    svg: Svg,
    name: str,
    place: tuple[float, float],
    size: float,
    color: str,
    centre: tuple[float, float],
) -> None:
    x, y = place
    svg.add(
        f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(size)}" fill="{color}" stroke="#fff" '
        f'stroke-width="2"><title>{escape(name)}</title></circle>'
    )
    dx, dy = x - centre[0], y - centre[1]
    length = math.hypot(dx, dy) or 1
    lx, ly = x + dx / length * (size + 8), y + dy / length * (size + 8) + 4
    anchor = "middle" if abs(dx) < 20 else ("start" if dx > 0 else "end")
    svg.text(lx, ly, cut(name, 26), anchor=anchor, tip=name)


def cluster_table(clusters: Sequence[ClusterCount], *, plot_id: str, label: str) -> str:
    """Largest clusters: rank, the PDQ bits as a 16x16 grid, the hash in hex, and the count."""
    if not clusters:
        return empty(plot_id, label, 760)
    width, row_h, top = 760, 50, 26
    svg = Svg(width, top + row_h * len(clusters) + 6, label, plot_id)
    svg.text(10, 16, "rank", fill=MUTED)
    svg.text(52, 16, "bits", fill=MUTED)
    svg.text(104, 16, "PDQ fingerprint (hex)", fill=MUTED)
    svg.text(390, 16, "copies in the exports", fill=MUTED)
    largest = max(c.size for c in clusters)
    for index, cluster in enumerate(clusters):
        y = top + index * row_h
        svg.text(10, y + 26, f"#{index + 1}")
        _bit_grid(svg, cluster.pdq, 52, y + 4)
        hex_text = cluster.pdq.lower()
        for line_no in range(2):
            svg.text(
                104,
                y + 16 + line_no * 16,
                hex_text[line_no * 32 : (line_no + 1) * 32],
                size=11,
                extra=' font-family="monospace"',
            )
        bar = (width - 390 - 80) * cluster.size / largest
        svg.rect(390, y + 10, bar, 20, RED, f"cluster {cluster.id}: {number(cluster.size)} items")
        svg.text(390 + bar + 6, y + 25, number(cluster.size))
    return svg.render()


def _bit_grid(svg: Svg, pdq: str, x: float, y: float, cell: float = 2.5) -> None:
    """The 256 hash bits as dark cells: a way to tell fingerprints apart at a glance."""
    try:
        bits = bin(int(pdq, 16))[2:].zfill(256) if len(pdq) == 64 else ""
    except ValueError:
        bits = ""
    svg.rect(x, y, cell * 16, cell * 16, "#eef2f7")
    cells = [
        f"M{_n(x + (i % 16) * cell)},{_n(y + (i // 16) * cell)}h{cell}v{cell}h-{cell}z"
        for i, bit in enumerate(bits)
        if bit == "1"
    ]
    if cells:
        svg.add(f'<path d="{"".join(cells)}" fill="{INK}"/>')
