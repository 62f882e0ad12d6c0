"""The credit-risk report: one offline HTML file (inline CSS and PNG, no script, no remote
resource) with the calibration, baseline against stressed figures with their intervals, the
loss distributions, the convergence of VaR 99.9 % and the ES contributions per segment.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synth.report.pages import render_page
from synth.report.plots import plt, png

BASELINE, STRESSED = "#1f4e79", "#b5452b"
_FIGURES = (
    ("mean", "mean loss"),
    ("var_99", "VaR 99 %"),
    ("var_99_9", "VaR 99.9 %"),
    ("es_97_5", "ES 97.5 %"),
)


def distribution_plot(losses: dict[str, np.ndarray], figures: dict[str, dict]) -> str:
    """Baseline and stressed loss distributions with VaR 99.9 % and ES 97.5 % and their intervals."""
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    totals = {name: values.sum(axis=1) for name, values in losses.items()}
    edges = np.histogram_bin_edges(np.concatenate(list(totals.values())), bins=60)
    for name, colour in (("baseline", BASELINE), ("stressed", STRESSED)):
        if name not in totals:
            continue
        ax.hist(totals[name], bins=edges, color=colour, alpha=0.45, label=name, density=True)
        for key, style in (("var_99_9", "-"), ("es_97_5", "--")):
            figure = figures[name][key]
            ax.axvline(figure["value"], color=colour, lw=1.6, ls=style)
            ax.axvspan(figure["low"], figure["high"], color=colour, alpha=0.12)
    ax.set_xlabel("portfolio loss per scenario")
    ax.set_ylabel("density")
    ax.plot([], [], color="#444", ls="-", label="VaR 99.9 % (band: 95 % interval)")
    ax.plot([], [], color="#444", ls="--", label="ES 97.5 %")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return png(fig)


def convergence_plot(figures: dict[str, dict]) -> str:
    """VaR 99.9 % estimated from the first k scenarios, with its interval, against k."""
    fig, ax = plt.subplots(figsize=(7.5, 3.0))
    if not figures["baseline"]["convergence_var_99_9"]:
        note = "fewer than 1,000 scenarios: no VaR 99.9 % to follow"
        ax.text(0.5, 0.5, note, ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return png(fig)
    for name, colour in (("baseline", BASELINE), ("stressed", STRESSED)):
        points = figures.get(name, {}).get("convergence_var_99_9", [])
        if not points:
            continue
        k = [p["scenarios"] for p in points]
        ax.plot(k, [p["value"] for p in points], color=colour, marker="o", ms=3, label=name)
        ax.fill_between(k, [p["low"] for p in points], [p["high"] for p in points], color=colour, alpha=0.15)
    ax.set_xscale("log")
    ax.set_xlabel("scenarios")
    ax.set_ylabel("VaR 99.9 %")
    ax.legend(fontsize=8, frameon=False)
    return png(fig)


def contribution_plot(figures: dict[str, dict]) -> str:
    """Euler ES 97.5 % contributions per segment, baseline beside stressed."""
    names = list(figures["baseline"]["es_contributions"])
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(names) + 1.2))
    y = np.arange(len(names))
    sides = [s for s in ("baseline", "stressed") if s in figures]
    height = 0.8 / len(sides)
    for i, (side, colour) in enumerate(zip(sides, (BASELINE, STRESSED), strict=False)):
        values = [figures[side]["es_contributions"][n] for n in names]
        ax.barh(y + i * height, values, height, color=colour, label=side)
    ax.set_yticks(y + height * (len(sides) - 1) / 2, [n[:24] for n in names], fontsize=8)
    ax.set_xlabel("contribution to ES 97.5 %")
    ax.legend(fontsize=8, frameon=False)
    return png(fig)


def _books(manifest: dict[str, Any]) -> str:
    books = manifest["rows"].get("books", 1)
    return f" ({books} books; scenario k is scored on book k mod {books})" if books > 1 else ""


def describe_stress(stress: dict[str, Any]) -> str:
    """The stress of a run in words."""
    from scipy import stats

    parts = []
    if stress.get("downturn_years"):
        years = stress["downturn_years"]
        parts.append(
            f"a 1-in-{years:g}-year downturn (systematic factor's mean at {stats.norm.ppf(1 / years):.2f})"
        )
    if stress.get("factor_shift"):
        parts.append(f"systematic factor shifted by {stress['factor_shift']:+g} standard deviations")
    parts += [f"PD x {factor:g} in {name}" for name, factor in stress.get("pd_multiplier", {}).items()]
    if stress.get("stress"):
        parts.append("book composition: " + ", ".join(stress["stress"]))
    return "; ".join(parts) or "none (baseline only)"


def render_credit(manifest: dict[str, Any], result: dict[str, Any], losses: dict[str, np.ndarray]) -> str:
    """The whole report page (``templates/credit.html.j2``)."""
    figures = result["figures"]
    sides = [s for s in ("baseline", "stressed") if s in figures]
    return render_page(
        "credit.html.j2",
        name=manifest["job"]["name"],
        run_id=manifest["run_id"],
        scenarios=figures["baseline"]["scenarios"],
        portfolio=manifest["credit"]["portfolio"],
        loans=manifest["rows"]["book"],
        books=_books(manifest),
        exposure=result["exposure"],
        calibration=result["calibration"],
        stress=describe_stress(manifest.get("credit", {}).get("stress", {})),
        sides=sides,
        rows=[(label, [figures[side][key] for side in sides]) for key, label in _FIGURES],
        images=[
            (distribution_plot(losses, figures), "loss distributions"),
            (convergence_plot(figures), "VaR convergence"),
            (contribution_plot(figures), "ES contributions per segment"),
        ],
    )
