"""The run report's plots as inline SVG, drawn here rather than by Matplotlib: a report has one
per column, and Matplotlib spends a quarter of a second on each small bar chart (text layout,
then rasterising and encoding a PNG), the longest part of publishing a run. These are bars, step
lines, coloured cells, ticks and labels: a few dozen to a few hundred elements each, written in
about a millisecond, sharp at any zoom, and smaller than the PNGs they replace. Column plots,
the association heatmaps and the distances to the closest record are drawn here; the risk and
credit pages keep Matplotlib (:mod:`synth.report.plots`).

The plots read as the report's others (:mod:`synth.report.style`): one colour per side (real:
blue, synthetic: orange), real first in every legend, a numeric column's point masses (a value
many rows share, such as 0) as bars of their own beside the histogram of the rest, categorical
levels down a horizontal bar chart whose height and label margin grow with the levels. Every
text is escaped: level names and column names are data.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

from synth.report.style import LABEL_CHARS, REAL, SYNTHETIC, short

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"
TICK, LABEL, TITLE = 9, 10, 12
WIDTH = 420
CHAR = 0.62
"""A character's width over the font's size, a little over the average of sans-serif faces, so
that estimated labels are never narrower than drawn ones.
"""


def text_width(text: str, size: float) -> float:
    """The width a label takes, estimated from its length (no font metrics in the page)."""
    return len(text) * size * CHAR


def column_svg(column: dict[str, Any]) -> str:
    """Real vs synthetic distribution of one column, as an ``<svg>`` element."""
    if column["type"] != "numeric":
        return _levels(column)
    masses = column.get("masses") or []
    if not masses:
        return _figure(column["name"], 260, [_histogram(column, (52, 44, WIDTH - 40, 232))])
    labels = [f"= {m['value']:g}" for m in masses]
    slot = max(34.0, max(text_width(label, TICK) for label in labels) + 10)
    right = 52 + slot * len(masses) + 16
    parts = [
        _masses(masses, labels, (52, 58, right - 16, 236)),
        _histogram(
            column, (right + 40, 58, max(WIDTH, right + 240) - 40, 236), title="the rest", ylabel=False
        ),
    ]
    return _figure(column["name"], 264, parts, width=max(WIDTH, right + 240))


def _figure(name: str, height: float, parts: list[str], width: float = WIDTH, solid: bool = False) -> str:
    entries = [("real", REAL, 1.0 if solid else 0.55), ("synthetic", SYNTHETIC, None)]
    return _svg(f"distribution of {name}", str(name), width, height, _legend(width, entries) + "".join(parts))


def _svg(alt: str, title: str, width: float, height: float, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{escape(alt)}" font-family="{FONT}">'
        f"<title>{escape(alt)}</title>"
        f'<text class="title" x="{width / 2:.1f}" y="16" font-size="{TITLE}" text-anchor="middle">'
        f"{escape(title)}</text>{body}</svg>"
    )


def _legend(width: float, entries: list[tuple[str, str, float | None]], y: float = 30) -> str:
    """Right-aligned under the title, in the order given (real first): a swatch of the given
    opacity for a side drawn as bars, a line for one drawn as a line (opacity None).
    """
    x = width - 12 - sum(24 + text_width(label, LABEL) for label, _, _ in entries)
    marks = []
    for label, colour, opacity in entries:
        marks.append(
            f'<line x1="{x:.1f}" y1="{y - 3.5:.1f}" x2="{x + 14:.1f}" y2="{y - 3.5:.1f}" '
            f'stroke="{colour}" stroke-width="2"/>'
            if opacity is None
            else f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="14" height="9" fill="{colour}" '
            f'fill-opacity="{opacity}"/>'
        )
        marks.append(f'<text x="{x + 18:.1f}" y="{y:.1f}">{escape(label)}</text>')
        x += 24 + text_width(label, LABEL)
    return f'<g class="legend" font-size="{LABEL}">{"".join(marks)}</g>'


def _histogram(column: dict[str, Any], box, title: str | None = None, ylabel: bool = True) -> str:
    """Real shares as bars over the bins, synthetic shares as a step line on top."""
    left, top, right, bottom = box
    edges = [float(e) for e in column["edges"]]
    real, synthetic = column["real"], column["synthetic"]
    lo, hi, peak, x, y = _binned_scales(edges, [*real, *synthetic], box)
    bars = "".join(
        f'<rect x="{x(a):.1f}" y="{y(share):.1f}" width="{max(x(b) - x(a), 0.5):.1f}" '
        f'height="{bottom - y(share):.1f}"/>'
        for a, b, share in zip(edges[:-1], edges[1:], real, strict=True)
    )
    xticks = [] if column.get("datetime") else _fitting(lo, hi, right - left)
    return (
        f'<g fill="{REAL}" fill-opacity="0.55">{bars}</g>'
        + _steps(edges, synthetic, x, y, SYNTHETIC)
        + _x_axis(xticks, x, left, right, bottom)
        + _y_axis(_ticks(0, peak), y, left, top, bottom, "share of rows" if ylabel else None)
        + (_panel_title(title, (left + right) / 2, top) if title else "")
    )


def _binned_scales(edges: list[float], shares: list[float], box):
    """The bins' range, the top of the share axis, and the two maps from values to pixels."""
    left, top, right, bottom = box
    lo, hi = edges[0], edges[-1] if edges[-1] > edges[0] else edges[0] + 1
    peak = max([*shares, 1e-12]) * 1.08
    x = lambda v: left + (v - lo) / (hi - lo) * (right - left)  # noqa: E731
    y = lambda v: bottom - v / peak * (bottom - top)  # noqa: E731
    return lo, hi, peak, x, y


def _x_label(text: str, left: float, right: float, bottom: float) -> str:
    return (
        f'<text x="{(left + right) / 2:.1f}" y="{bottom + 30:.1f}" font-size="{LABEL}" '
        f'text-anchor="middle">{text}</text>'
    )


def _steps(edges: list[float], shares: list[float], x, y, colour: str) -> str:
    """Shares over bins as a step line: a level segment across each bin."""
    points = [(edges[0], shares[0])]
    for edge, before, after in zip(edges[1:-1], shares[:-1], shares[1:], strict=True):
        points += [(edge, before), (edge, after)]
    points.append((edges[-1], shares[-1]))
    line = " ".join(f"{x(a):.1f},{y(s):.1f}" for a, s in points)
    return f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.8"/>'


def _masses(masses: list[dict[str, Any]], labels: list[str], box) -> str:
    """Each point mass's real and synthetic share, side by side."""
    left, top, right, bottom = box
    peak = max([m[side] for m in masses for side in ("real", "synthetic")] + [1e-12]) * 1.08
    y = lambda v: bottom - v / peak * (bottom - top)  # noqa: E731
    slot = (right - left) / len(masses)
    parts = []
    for i, (mass, label) in enumerate(zip(masses, labels, strict=True)):
        centre = left + slot * (i + 0.5)
        for offset, side, colour in ((-0.4, "real", REAL), (0.0, "synthetic", SYNTHETIC)):
            share = mass[side]
            parts.append(
                f'<rect x="{centre + offset * slot:.1f}" y="{y(share):.1f}" width="{slot * 0.4:.1f}" '
                f'height="{bottom - y(share):.1f}" fill="{colour}"/>'
            )
        parts.append(_tick_label(centre, bottom + 13, label, "middle"))
    return (
        "".join(parts)
        + _x_axis([], None, left, right, bottom)
        + _y_axis(_ticks(0, peak), y, left, top, bottom, "share of rows")
        + _panel_title("point masses", (left + right) / 2, top)
    )


def _levels(column: dict[str, Any]) -> str:
    """Categorical levels down the side, a real and a synthetic bar each."""
    labels = [short(level, LABEL_CHARS) for level in column["levels"]]
    row = 20
    left = 12 + max(text_width(label, TICK) for label in labels)
    top, right = 44, WIDTH - 24
    bottom = top + row * len(labels)
    peak = max([*column["real"], *column["synthetic"], 1e-12]) * 1.08
    x = lambda v: left + v / peak * (right - left)  # noqa: E731
    parts = []
    for i, (label, real, synthetic) in enumerate(
        zip(labels, column["real"], column["synthetic"], strict=True)
    ):
        middle = top + row * (i + 0.5)
        parts.append(f'<rect x="{left:.1f}" y="{middle - 8:.1f}" width="{x(real) - left:.1f}" height="8" '
                     f'fill="{REAL}"/>')  # fmt: skip
        parts.append(f'<rect x="{left:.1f}" y="{middle:.1f}" width="{x(synthetic) - left:.1f}" height="8" '
                     f'fill="{SYNTHETIC}"/>')  # fmt: skip
        parts.append(_tick_label(left - 4, middle + 3, label, "end"))
    axes = _x_axis(_fitting(0, peak, right - left), x, left, right, bottom) + (
        _line(left, top, left, bottom) + _x_label("share of rows", left, right, bottom)
    )
    return _figure(column["name"], bottom + 40, ["".join(parts) + axes], solid=True)


def _x_axis(ticks: list[float], x, left: float, right: float, bottom: float) -> str:
    marks = "".join(
        _line(x(t), bottom, x(t), bottom + 4) + _tick_label(x(t), bottom + 14, _number(t), "middle")
        for t in ticks
    )
    return _line(left, bottom, right, bottom) + marks


def _y_axis(ticks: list[float], y, left: float, top: float, bottom: float, label: str | None) -> str:
    marks = "".join(
        _line(left - 4, y(t), left, y(t)) + _tick_label(left - 6, y(t) + 3, _number(t), "end") for t in ticks
    )
    title = (
        f'<text x="12" y="{(top + bottom) / 2:.1f}" font-size="{LABEL}" text-anchor="middle" '
        f'transform="rotate(-90 12 {(top + bottom) / 2:.1f})">{label}</text>'
        if label
        else ""
    )
    return _line(left, top, left, bottom) + marks + title


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#333"/>'


def _tick_label(x: float, y: float, text: str, anchor: str) -> str:
    return (
        f'<text class="tick" x="{x:.1f}" y="{y:.1f}" font-size="{TICK}" text-anchor="{anchor}">'
        f"{escape(text)}</text>"
    )


def _panel_title(text: str, x: float, top: float) -> str:
    return f'<text x="{x:.1f}" y="{top - 6:.1f}" font-size="{LABEL}" text-anchor="middle">{text}</text>'


def _ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """At most ``count``-ish round ticks (steps of 1, 2, 2.5 or 5 times a power of ten) within
    ``[lo, hi]``.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    return [round(k * step, 12) for k in range(first, math.floor(hi / step + 1e-9) + 1)]


def _fitting(lo: float, hi: float, length: float) -> list[float]:
    """Round ticks for an axis ``length`` pixels long, as many as fit their labels side by side."""
    for count in (5, 4, 3, 2, 1):
        ticks = _ticks(lo, hi, count)
        widest = max((text_width(_number(t), TICK) for t in ticks), default=0)
        if (
            len(ticks) < 2
            or (widest + 6) * len(ticks) <= length * (ticks[-1] - ticks[0]) / (hi - lo) + widest
        ):
            return ticks
    return ticks[:1]


def _number(value: float) -> str:
    """A tick's label: thousands separated, no float noise (0.3, not 0.30000000000000004)."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.6g}"


VIRIDIS = ("#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962", "#addc30", "#fde725")
"""Matplotlib's viridis at nine even stops (0, 1/8, ..., 1): a perceptually even scale that
reads in grey too; cells take the colour interpolated between the two nearest stops.
"""


def association_svg(real: dict[str, Any], synthetic: dict[str, Any]) -> str:
    """Association matrices (|r| or Cramér's V, 0 to 1) side by side, with their colour scale;
    each cell is as tall and wide as a tick label needs.
    """
    names = [short(n, 16) for n in real["names"]]
    cell = max(13.0, min(24.0, 300 / max(len(names), 1)))
    margin = 10 + max((text_width(n, TICK) for n in names), default=0)
    side = cell * len(names)
    panels, left = [], margin
    for matrix, title, colour in ((real, "real", REAL), (synthetic, "synthetic", SYNTHETIC)):
        panels.append(_heatmap(matrix["values"], names, left, 44, cell, f"association: {title}", colour))
        left += side + 20 + margin
    scale = _colour_scale(left - margin, 44, side)
    width, height = left - margin + 50, 44 + side + margin + 8
    return _svg(
        "association matrices", "associations: real and synthetic", width, height, "".join(panels) + scale
    )


def _heatmap(values, names: list[str], left: float, top: float, cell: float, title: str, colour: str) -> str:
    cells = "".join(
        f'<rect x="{left + j * cell:.1f}" y="{top + i * cell:.1f}" width="{cell:.1f}" height="{cell:.1f}" '
        f'fill="{_viridis(v)}"/>'
        for i, row in enumerate(values)
        for j, v in enumerate(row)
    )
    bottom = top + cell * len(names)
    labels = "".join(
        _tick_label(left - 4, top + (k + 0.5) * cell + 3, name, "end")
        + f'<g transform="rotate(-90 {left + (k + 0.5) * cell + 3:.1f} {bottom + 4:.1f})">'
        + _tick_label(left + (k + 0.5) * cell + 3, bottom + 4, name, "end")
        + "</g>"
        for k, name in enumerate(names)
    )
    middle = left + cell * len(names) / 2
    heading = (
        f'<text x="{middle:.1f}" y="{top - 8:.1f}" font-size="{LABEL}" text-anchor="middle" '
        f'fill="{colour}">{escape(title)}</text>'
    )
    return cells + labels + heading


def _colour_scale(left: float, top: float, height: float) -> str:
    stops = "".join(
        f'<stop offset="{k / (len(VIRIDIS) - 1):.3f}" stop-color="{c}"/>' for k, c in enumerate(VIRIDIS)
    )
    marks = "".join(
        _line(left + 12, top + (1 - v) * height, left + 16, top + (1 - v) * height)
        + _tick_label(left + 18, top + (1 - v) * height + 3, _number(v), "start")
        for v in (0, 0.2, 0.4, 0.6, 0.8, 1)
    )
    return (
        f'<defs><linearGradient id="viridis" x1="0" y1="1" x2="0" y2="0">{stops}</linearGradient></defs>'
        f'<rect x="{left:.1f}" y="{top:.1f}" width="12" height="{height:.1f}" fill="url(#viridis)"/>{marks}'
    )


def _viridis(value: float) -> str:
    v = min(max(float(value), 0.0), 1.0) * (len(VIRIDIS) - 1)
    k = min(int(v), len(VIRIDIS) - 2)
    a, b = (tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in VIRIDIS[k : k + 2])
    return "#" + "".join(f"{round(p + (q - p) * (v - k)):02x}" for p, q in zip(a, b, strict=True))


def dcr_svg(dcr: dict[str, Any]) -> str:
    """Distance to the closest training row: synthetic rows against real holdout rows."""
    edges = [float(e) for e in dcr["edges"]]
    width, (left, top, right, bottom) = 560, (52, 44, 520, 232)
    lo, hi, peak, x, y = _binned_scales(
        edges, [*dcr["holdout"], *dcr["synthetic"]], (left, top, right, bottom)
    )
    body = (
        _legend(width, [("real holdout (unseen)", REAL, None), ("synthetic", SYNTHETIC, None)])
        + _steps(edges, dcr["holdout"], x, y, REAL)
        + _steps(edges, dcr["synthetic"], x, y, SYNTHETIC)
        + _x_axis(_fitting(lo, hi, right - left), x, left, right, bottom)
        + _y_axis(_ticks(0, peak), y, left, top, bottom, "share of rows")
        + _x_label("distance to closest training row", left, right, bottom)
    )
    return _svg("DCR histogram", "DCR: synthetic vs real holdout", width, bottom + 40, body)
