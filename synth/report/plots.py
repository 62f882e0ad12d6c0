"""Matplotlib figures from report aggregates, as base64 PNG (self-contained, no CDN, offline).

Every plot keeps one colour per side (real: blue, synthetic: orange; a real holdout is real),
lists real before synthetic in its legend, and sizes itself to its labels so none overlap:
categorical levels run down a horizontal bar chart, heatmaps grow with their columns, and a
numeric column's point masses (a value many rows share, such as 0) get bars of their own beside
the histogram of the continuous part.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

REAL, SYNTHETIC = "#1f4e79", "#e07b39"
LABEL_CHARS = 22


def png(fig: Figure) -> str:
    """The figure as a base64 PNG (the figure is closed)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def short(label: Any, chars: int = LABEL_CHARS) -> str:
    """A tick label cut to ``chars`` characters, marked with an ellipsis when cut."""
    text = str(label)
    return text if len(text) <= chars else text[: chars - 1] + "…"


def column_plot(column: dict[str, Any]) -> str:
    """Real vs synthetic distribution of one column, as PNG."""
    return png(column_figure(column))


def column_figure(column: dict[str, Any]) -> Figure:
    """Real vs synthetic distribution of one column."""
    if column["type"] != "numeric":
        return _levels_figure(column)
    masses = column.get("masses") or []
    if not masses:
        fig, ax = plt.subplots(figsize=(4.2, 2.6))
        _histogram(ax, column)
        ax.set_title(column["name"], fontsize=10)
        return fig
    fig, (left, right) = plt.subplots(1, 2, figsize=(5.2, 2.8), width_ratios=(1, 3), layout="constrained")
    x = np.arange(len(masses))
    left.bar(x - 0.2, [m["real"] for m in masses], 0.4, color=REAL, label="real")
    left.bar(x + 0.2, [m["synthetic"] for m in masses], 0.4, color=SYNTHETIC, label="synthetic")
    left.set_xticks(x, [f"= {m['value']:g}" for m in masses], fontsize=7)
    left.set_title("point masses", fontsize=8)
    left.set_ylabel("share of rows", fontsize=8)
    left.tick_params(labelsize=7)
    _histogram(right, column, legend=False)
    right.set_ylabel("")
    right.set_title("the rest", fontsize=8)
    fig.suptitle(column["name"], fontsize=10)
    _legend(left)
    return fig


def _histogram(ax, column: dict[str, Any], legend: bool = True) -> None:
    edges = np.asarray(column["edges"])
    ax.bar(
        edges[:-1], column["real"], width=np.diff(edges), align="edge", color=REAL, alpha=0.55, label="real"
    )
    ax.step(edges, [*column["synthetic"], column["synthetic"][-1]], where="post", color=SYNTHETIC, lw=1.8,
            label="synthetic")  # fmt: skip
    if column.get("datetime"):
        ax.set_xticks([])
    else:
        ax.locator_params(axis="x", nbins=5)
    ax.set_ylabel("share of rows", fontsize=8)
    ax.tick_params(labelsize=7)
    if legend:
        _legend(ax)


def _levels_figure(column: dict[str, Any]) -> Figure:
    levels = column["levels"]
    fig, ax = plt.subplots(figsize=(4.2, 0.9 + 0.22 * len(levels)))
    y = np.arange(len(levels))
    ax.barh(y - 0.2, column["real"], 0.4, color=REAL, label="real")
    ax.barh(y + 0.2, column["synthetic"], 0.4, color=SYNTHETIC, label="synthetic")
    ax.set_yticks(y, [short(level) for level in levels], fontsize=7)
    ax.invert_yaxis()
    ax.locator_params(axis="x", nbins=4)
    ax.set_xlabel("share of rows", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.set_title(column["name"], fontsize=10)
    _legend(ax)
    return fig


def _legend(ax) -> None:
    """Real first, synthetic second, whatever kind of artist drew each."""
    handles, names = ax.get_legend_handles_labels()
    order = sorted(
        range(len(names)), key=lambda i: (names[i] != "real" and not names[i].startswith("real"), i)
    )
    ax.legend([handles[i] for i in order], [names[i] for i in order], fontsize=7, frameon=False)


def association_plot(real: dict[str, Any], synthetic: dict[str, Any]) -> str:
    """Association matrices side by side (|r| or Cramér's V), as PNG."""
    return png(association_figure(real, synthetic))


def association_figure(real: dict[str, Any], synthetic: dict[str, Any]) -> Figure:
    """Association matrices side by side, each cell large enough for its tick label."""
    names = [short(n, 16) for n in real["names"]]
    side = max(3.5, 0.2 * len(names) + 1.5)
    fig, axes = plt.subplots(1, 2, figsize=(2 * side + 1.2, side), layout="constrained")
    for ax, matrix, title in zip(axes, (real, synthetic), ("real", "synthetic"), strict=True):
        image = ax.imshow(np.asarray(matrix["values"]), vmin=0, vmax=1, cmap="viridis")
        ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
        ax.set_yticks(range(len(names)), names, fontsize=7)
        ax.set_title(f"association: {title}", fontsize=10, color=REAL if title == "real" else SYNTHETIC)
    fig.colorbar(image, ax=axes, shrink=0.8)
    return fig


def dcr_plot(dcr: dict[str, Any]) -> str:
    """Distance to closest training row: synthetic rows against real holdout rows, as PNG."""
    edges = np.asarray(dcr["edges"])
    fig, ax = plt.subplots(figsize=(6, 3))
    for key, colour, label in (
        ("holdout", REAL, "real holdout (unseen)"),
        ("synthetic", SYNTHETIC, "synthetic"),
    ):
        ax.step(edges, [*dcr[key], dcr[key][-1]], where="post", color=colour, lw=2, label=label)
    ax.set_xlabel("distance to closest training row", fontsize=8)
    ax.set_ylabel("share of rows", fontsize=8)
    ax.tick_params(labelsize=7)
    _legend(ax)
    ax.set_title("DCR: synthetic vs real holdout", fontsize=10)
    return png(fig)


def loss_plot(losses: list[float], var: float, es: float) -> str:
    """A loss distribution of synthetic scenarios with its VaR and Expected Shortfall."""
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(losses, bins=40, color=SYNTHETIC, alpha=0.8)
    ax.axvline(var, color="#333", lw=2, label=f"VaR 99 % = {var:,.0f}")
    ax.axvline(es, color="#333", lw=2, ls="--", label=f"ES 97.5 % = {es:,.0f}")
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("loss distribution across scenarios", fontsize=10)
    return png(fig)
