"""The quality floor: a synthetic table below it is quarantined, like one that fails privacy.

Two checks. The detection score (:mod:`synth.evaluation.detection`) must reach
``detection_min``; when the job names a target, TSTR must keep ``tstr_lift_min`` of what the
real rows' own model gains over chance: ``(TSTR AUC - 0.5) / (real AUC - 0.5)``, the real
model trained on as many real rows as there are synthetic ones (``real_matched_auc``), so that a
job asking for few rows is not failed for their number.

Both AUCs are estimates from a finite number of rows (a 136-row holdout with 20 defaults
gives a TSTR AUC of +-0.13), so a check fails only when the evidence says so: when even the
AUC's upper 99 % bound (Hanley and McNeil's standard error; for TSTR, of its difference to the
real AUC) misses the floor. The figure shown
is the point estimate; the check's detail gives the bound. Defaults and the false-alarm rates
they give are in ``docs/quality.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from synth.privacy.gate import Check
from synth.stats import Z_EVIDENCE, auc_se


def quality_checks(figures: dict[str, Any], *, detection_min: float, tstr_lift_min: float) -> list[Check]:
    """The floor's checks from a run's figures (``detection``, ``tstr_auc``, ``real_train_auc``)."""
    checks = []
    if figures.get("detection") is not None and np.isfinite(figures["detection"]):
        score = float(figures["detection"])
        side = int(figures.get("detection_rows", 0))
        auc = 1 - score / 2
        best = max(0.0, min(1.0, 2 * (1 - max(0.5, auc - Z_EVIDENCE * auc_se(auc, side, side)))))
        detail = f"upper 99 % bound {best:.3f} ({side:,} real and {side:,} synthetic rows)"
        checks.append(Check("detection", score, detection_min, ">=", best >= detection_min, detail))
    if figures.get("tstr_auc") is not None and figures.get("real_train_auc") is not None:
        tstr, real = figures["tstr_auc"], figures.get("real_matched_auc", figures["real_train_auc"])
        lift = tstr_lift(tstr, real)
        counts = figures.get("holdout_positives", 0), figures.get("holdout_negatives", 0)
        spread = np.hypot(auc_se(tstr, *counts), auc_se(real, *counts))  # both AUCs are estimates
        best = tstr_lift(tstr + Z_EVIDENCE * spread, real)
        detail = f"TSTR {tstr:.3f}, real {real:.3f}; upper 99 % bound of the lift {best:.3f}"
        checks.append(Check("tstr_lift", lift, tstr_lift_min, ">=", best >= tstr_lift_min, detail))
    return checks


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
