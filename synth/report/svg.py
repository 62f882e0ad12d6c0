"""The report's column plots as inline SVG, drawn here rather than by Matplotlib: a report has one
per column, and Matplotlib spends a quarter of a second on each small bar chart (text layout,
then rasterising and encoding a PNG), the longest part of publishing a run. These are bars, a
step line, ticks and labels: a few dozen elements each, written in well under a millisecond,
sharp at any zoom, and smaller than the PNGs they replace.

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
    alt = escape(f"distribution of {name}")
    legend = _legend(width - 150, 30, 1.0 if solid else 0.55)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{alt}" font-family="{FONT}">'
        f"<title>{alt}</title>"
        f'<text class="title" x="{width / 2:.1f}" y="16" font-size="{TITLE}" text-anchor="middle">'
        f"{escape(str(name))}</text>{legend}{''.join(parts)}</svg>"
    )


def _legend(x: float, y: float, opacity: float) -> str:
    """Real first, then synthetic: a swatch (as opaque as real's bars) and a line."""
    return (
        f'<g class="legend" font-size="{LABEL}">'
        f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="14" height="9" fill="{REAL}" fill-opacity="{opacity}"/>'
        f'<text x="{x + 18:.1f}" y="{y:.1f}">real</text>'
        f'<line x1="{x + 56:.1f}" y1="{y - 3.5:.1f}" x2="{x + 70:.1f}" y2="{y - 3.5:.1f}" '
        f'stroke="{SYNTHETIC}" stroke-width="2"/>'
        f'<text x="{x + 74:.1f}" y="{y:.1f}">synthetic</text></g>'
    )


def _histogram(column: dict[str, Any], box, title: str | None = None, ylabel: bool = True) -> str:
    """Real shares as bars over the bins, synthetic shares as a step line on top."""
    left, top, right, bottom = box
    edges = [float(e) for e in column["edges"]]
    real, synthetic = column["real"], column["synthetic"]
    lo, hi = edges[0], edges[-1] if edges[-1] > edges[0] else edges[0] + 1
    peak = max([*real, *synthetic, 1e-12]) * 1.08
    x = lambda v: left + (v - lo) / (hi - lo) * (right - left)  # noqa: E731
    y = lambda v: bottom - v / peak * (bottom - top)  # noqa: E731
    bars = "".join(
        f'<rect x="{x(a):.1f}" y="{y(share):.1f}" width="{max(x(b) - x(a), 0.5):.1f}" '
        f'height="{bottom - y(share):.1f}"/>'
        for a, b, share in zip(edges[:-1], edges[1:], real, strict=True)
    )
    steps = [(edges[0], synthetic[0])]
    for edge, before, after in zip(edges[1:-1], synthetic[:-1], synthetic[1:], strict=True):
        steps += [(edge, before), (edge, after)]
    steps.append((edges[-1], synthetic[-1]))
    line = " ".join(f"{x(a):.1f},{y(s):.1f}" for a, s in steps)
    xticks = [] if column.get("datetime") else _fitting(lo, hi, right - left)
    return (
        f'<g fill="{REAL}" fill-opacity="0.55">{bars}</g>'
        f'<polyline points="{line}" fill="none" stroke="{SYNTHETIC}" stroke-width="1.8"/>'
        + _x_axis(xticks, x, left, right, bottom)
        + _y_axis(_ticks(0, peak), y, left, top, bottom, "share of rows" if ylabel else None)
        + (_panel_title(title, (left + right) / 2, top) if title else "")
    )


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
        _line(left, top, left, bottom)
        + f'<text x="{(left + right) / 2:.1f}" y="{bottom + 30:.1f}" font-size="{LABEL}" '
        f'text-anchor="middle">share of rows</text>'
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
