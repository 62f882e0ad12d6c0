"""Matplotlib figures from report aggregates, as base64 PNG (self-contained, no CDN, offline)."""

from __future__ import annotations

import base64
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

REAL, SYNTHETIC, HOLDOUT = "#1f4e79", "#e07b39", "#5b8c5a"


def png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def column_plot(column: dict[str, Any]) -> str:
    """Real vs synthetic distribution of one column."""
    fig, ax = plt.subplots(figsize=(4.2, 2.6))
    if column["type"] == "numeric":
        edges = np.asarray(column["edges"])
        width = np.diff(edges)
        ax.bar(
            edges[:-1],
            column["real"],
            width=width,
            align="edge",
            color=REAL,
            alpha=0.55,
            label="real",
        )
        ax.step(
            edges[:-1],
            column["synthetic"],
            where="post",
            color=SYNTHETIC,
            lw=1.8,
            label="synthetic",
        )
        if column.get("datetime"):
            ax.set_xticks([])
    else:
        x = np.arange(len(column["levels"]))
        ax.bar(x - 0.2, column["real"], 0.4, color=REAL, label="real")
        ax.bar(x + 0.2, column["synthetic"], 0.4, color=SYNTHETIC, label="synthetic")
        ax.set_xticks(x, [str(level)[:14] for level in column["levels"]], rotation=60, ha="right", fontsize=7)
    ax.set_title(column["name"], fontsize=10)
    ax.set_ylabel("share", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    return png(fig)


def association_plot(real: dict[str, Any], synthetic: dict[str, Any]) -> str:
    """Association matrices side by side (|r| or Cramér's V)."""
    names = real["names"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, matrix, title in zip(axes, (real, synthetic), ("real", "synthetic"), strict=True):
        image = ax.imshow(np.asarray(matrix["values"]), vmin=0, vmax=1, cmap="viridis")
        ax.set_xticks(range(len(names)), [n[:12] for n in names], rotation=90, fontsize=7)
        ax.set_yticks(range(len(names)), [n[:12] for n in names], fontsize=7)
        ax.set_title(f"association: {title}", fontsize=10)
    fig.colorbar(image, ax=axes, shrink=0.8)
    return png(fig)


def dcr_plot(dcr: dict[str, Any]) -> str:
    """Distance to closest training row: synthetic rows against real holdout rows."""
    edges = np.asarray(dcr["edges"])
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.step(
        edges[:-1],
        dcr["holdout"],
        where="post",
        color=HOLDOUT,
        lw=2,
        label="holdout (real, unseen)",
    )
    ax.step(edges[:-1], dcr["synthetic"], where="post", color=SYNTHETIC, lw=2, label="synthetic")
    ax.set_xlabel("distance to closest training row", fontsize=8)
    ax.set_ylabel("share", fontsize=8)
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("DCR: synthetic vs holdout", fontsize=10)
    return png(fig)


def loss_plot(losses: list[float], var: float, es: float) -> str:
    """A loss distribution with its VaR and Expected Shortfall (risk simulation)."""
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(losses, bins=40, color=REAL, alpha=0.8)
    ax.axvline(var, color=SYNTHETIC, lw=2, label=f"VaR 99 % = {var:,.0f}")
    ax.axvline(es, color="#a33", lw=2, ls="--", label=f"ES 97.5 % = {es:,.0f}")
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("loss distribution across scenarios", fontsize=10)
    return png(fig)
