"""Matplotlib figures as base64 PNG (self-contained, no CDN, offline) for the risk and credit
pages: a risk run's loss distribution here, the credit page's own figures through :func:`png`.
The run report's plots are SVG of our own (:mod:`synth.report.svg`).
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from synth.report.style import SYNTHETIC  # noqa: E402


def png(fig: Figure) -> str:
    """The figure as a base64 PNG (the figure is closed)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def loss_plot(losses: list[float], var: float, es: float) -> str:
    """A loss distribution of synthetic scenarios with its VaR and Expected Shortfall."""
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(losses, bins=40, color=SYNTHETIC, alpha=0.8)
    ax.axvline(var, color="#333", lw=2, label=f"VaR 99 % = {var:,.0f}")
    ax.axvline(es, color="#333", lw=2, ls="--", label=f"ES 97.5 % = {es:,.0f}")
    ax.legend(fontsize=8, frameon=False)
    ax.set_title("loss distribution across scenarios", fontsize=10)
    return png(fig)
