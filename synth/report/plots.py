"""Matplotlib figures from report aggregates, as base64 PNG (self-contained, no CDN, offline):
the association heatmaps, the distances to the closest record, a risk run's losses. The column
plots, one per column, are SVG of our own (:mod:`synth.report.svg`).

Every plot keeps one colour per side (real: blue, synthetic: orange; a real holdout is real),
lists real before synthetic in its legend, and sizes itself to its labels so none overlap:
heatmaps grow with their columns.
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

from synth.report.style import REAL, SYNTHETIC, short  # noqa: E402


def png(fig: Figure) -> str:
    """The figure as a base64 PNG (the figure is closed)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


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
