"""The quality floor: a synthetic table below it is quarantined, like one that fails privacy.

Two checks. The detection score (:mod:`synth.evaluation.detection`) must reach
``detection_min``; when the job names a target, TSTR must keep ``tstr_lift_min`` of what the
real rows' own model gains over chance: ``(TSTR AUC - 0.5) / (real AUC - 0.5)``.

Both AUCs are estimates from a finite number of rows (a 136-row holdout with 20 defaults
gives a TSTR AUC of +-0.13), so a check fails only when the evidence says so: when even the
AUC's upper 95 % bound (Hanley and McNeil's standard error) misses the floor. The figure shown
is the point estimate; the check's detail gives the bound. Defaults and the false-alarm rates
they give are in ``docs/quality.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synth.privacy.gate import Check


def quality_checks(figures: dict[str, Any], *, detection_min: float, tstr_lift_min: float) -> list[Check]:
    """The floor's checks from a run's figures (``detection``, ``tstr_auc``, ``real_train_auc``)."""
    checks = []
    if figures.get("detection") is not None and np.isfinite(figures["detection"]):
        score = float(figures["detection"])
        side = int(figures.get("detection_rows", 0))
        auc = 1 - score / 2
        best = max(0.0, min(1.0, 2 * (1 - max(0.5, auc - Z * auc_se(auc, side, side)))))
        detail = f"upper 95 % bound {best:.3f} ({side:,} real and {side:,} synthetic rows)"
        checks.append(Check("detection", score, detection_min, ">=", best >= detection_min, detail))
    if figures.get("tstr_auc") is not None and figures.get("real_train_auc") is not None:
        tstr, real = figures["tstr_auc"], figures["real_train_auc"]
        lift = tstr_lift(tstr, real)
        upper = tstr + Z * auc_se(
            tstr, figures.get("holdout_positives", 0), figures.get("holdout_negatives", 0)
        )
        best = tstr_lift(upper, real)
        detail = f"TSTR {tstr:.3f}, real {real:.3f}; upper 95 % bound of the lift {best:.3f}"
        checks.append(Check("tstr_lift", lift, tstr_lift_min, ">=", best >= tstr_lift_min, detail))
    return checks


Z = 1.96


def auc_se(auc: float, positives: int, negatives: int) -> float:
    """Hanley and McNeil's (1982) standard error of a ROC-AUC; infinite without both classes."""
    if positives < 1 or negatives < 1:
        return float("inf")
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (positives - 1) * (q1 - auc**2) + (negatives - 1) * (q2 - auc**2)) / (
        positives * negatives
    )
    return float(np.sqrt(max(var, 0.0)))


def tstr_lift(tstr: float, real: float) -> float:
    """The share of the real model's gain over chance that the synthetic-trained one keeps."""
    if real <= 0.5:
        return 1.0
    return max(0.0, (tstr - 0.5) / (real - 0.5))


def summary(checks: list[Check]) -> str:
    """One line: passed, or each failed check with its figure and threshold."""
    failed = [c for c in checks if not c.passed]
    if not failed:
        return "quality floor passed"
    return "quality floor failed: " + "; ".join(
        f"{c.name} {c.figure:.3f} (must be >= {c.threshold:g})" for c in failed
    )
