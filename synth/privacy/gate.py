"""The privacy gate: every synthetic table is protected, then measured, before it is published.

``protect`` changes the synthetic table: exact copies of training rows are removed and rare
categorical levels replaced. ``evaluate`` measures it and returns one :class:`Check` per figure
with its threshold and verdict. ``gate`` does both. Results hold aggregates only.

Default thresholds (each overridable in a job's ``privacy:`` block):

========================  =====  ======================================================
check                     limit  meaning
========================  =====  ======================================================
copies                    0.01   share of synthetic rows that were exact training copies,
                                 above the holdout's own share (real tables have duplicates)
dcr_share                 0.55   share closer to train than to an equal-size holdout
dcr_p5_ratio              0.5    synthetic 5th-pct DCR / holdout's own (must be >=)
nndr_p5_ratio             0.5    synthetic 5th-pct NNDR / holdout's own (must be >=)
membership_inference      0.60   ROC-AUC of the distance attack (0.5 = no signal)
singling_out, linkability,
attribute_inference       0.09   anonymeter's risk (Singapore PDPC)
rare_values               0      rare training levels emitted verbatim
identifiers               0      identifier values equal to a real one
========================  =====  ======================================================

Judged on evidence (``judge: evidence``, ``attack_bound: evidence``, the defaults): a check
fails when its figure is beyond the limit and its 99 % interval excludes what real unseen rows
give (risk 0, share 0.5, AUC 0.5, ratio 1, the holdout's copy rate) or the limit itself (a
limit set stricter than real rows give is enforced). Each figure is an estimate
from finite rows; on small tables (a 170-row holdout allows 170 attacks, an interval ~0.3 wide)
judging the figure alone refused honest data in most draws (``docs/quality.md`` gives the
false-alarm rates before and after). ``judge: estimate`` judges the figures alone;
``attack_bound: upper`` demands the attacks' upper 95 % bound below the limit, ``auto`` the
former rule (the bound from ``bound_min_attacks`` attacks on, the estimate below).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from synth.privacy.attacks import AttackRisk, anonymeter_risks
from synth.privacy.copies import copy_mask
from synth.privacy.distance import dcr_figures, nearest_records, nndr
from synth.privacy.mia import membership_auc
from synth.privacy.rare import count_rare, suppress_rare
from synth.schema import Schema
from synth.stats import Z_EVIDENCE, auc_se, excess_share, mean_interval, p5_ratio_interval


class PrivacyConfig(BaseModel):
    """Thresholds and options of the gate (a job file's ``privacy:`` block)."""

    model_config = ConfigDict(extra="forbid")

    copies_share_max: float = Field(0.01, ge=0, le=1)
    dcr_share_max: float = Field(0.55, gt=0, le=1)
    dcr_p5_ratio_min: float = Field(0.5, ge=0)
    nndr_p5_ratio_min: float = Field(0.5, ge=0)
    mia_auc_max: float = Field(0.60, gt=0, le=1)
    attack_risk_max: float = Field(0.09, ge=0, le=1)
    attack_bound: Literal["evidence", "auto", "upper", "estimate"] = "evidence"
    judge: Literal["evidence", "estimate"] = Field(
        "evidence", description="evidence: fail only beyond the limit and significantly worse than real rows"
    )
    bound_min_attacks: int = Field(1000, ge=1)
    attacks: bool = True
    n_attacks: int = Field(1000, ge=10)
    secret: str | None = None
    rare_k: int = Field(5, ge=1)
    rare_mode: Literal["token", "frequent"] = "token"


@dataclass(frozen=True)
class Check:
    """One figure against its threshold."""

    name: str
    figure: float
    threshold: float
    rule: Literal["<=", ">="]
    passed: bool
    detail: str = ""


@dataclass
class GateResult:
    """All checks of one gate run, and what ``protect`` changed."""

    checks: list[Check]
    copies_removed: int = 0
    rare_replaced: dict[str, int] = field(default_factory=dict)
    figures: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(c.passed for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        """The checks that failed."""
        return [c for c in self.checks if not c.passed]

    def to_dict(self) -> dict:
        """JSON-ready (aggregates only)."""
        return {
            "passed": self.passed,
            "checks": [asdict(c) for c in self.checks],
            "copies_removed": self.copies_removed,
            "rare_replaced": self.rare_replaced,
            "figures": self.figures,
        }

    def summary(self) -> str:
        """One line naming each failed check, its figure and threshold."""
        if self.passed:
            return "privacy gate passed"
        parts = [f"{c.name} {c.figure:.3f} (must be {c.rule} {c.threshold:g})" for c in self.failed]
        return "privacy gate failed: " + "; ".join(parts)


def judge(
    name: str, figure: float, threshold: float, rule: str, detail: str = "", significant: bool = True
) -> Check:
    """A figure against its limit; with ``significant=False`` (the 99 % interval includes what
    real unseen rows give) a figure beyond the limit is noise and the check passes, saying so.
    """
    within = figure <= threshold if rule == "<=" else figure >= threshold
    if not within and not significant:
        detail = f"{detail}; beyond the limit but within noise of real unseen rows".lstrip("; ")
    return Check(name, float(figure), float(threshold), rule, bool(within or not significant), detail)


def protect(
    synthetic: pd.DataFrame, train: pd.DataFrame, schema: Schema, config: PrivacyConfig
) -> tuple[pd.DataFrame, int, dict[str, int]]:
    """Remove exact copies of training rows and replace rare levels (before anything is written)."""
    modelled = [c.name for c in schema.modelled]
    copies = copy_mask(synthetic, train, modelled)
    kept = synthetic.loc[~copies].reset_index(drop=True)
    kept, replaced = suppress_rare(kept, train, schema, k=config.rare_k, mode=config.rare_mode)
    return kept, int(copies.sum()), replaced


def evaluate(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: Schema,
    config: PrivacyConfig | None = None,
    *,
    copies_removed: int = 0,
    seed: int = 0,
    holdout_entities: int | None = None,
) -> GateResult:
    """Measure a synthetic table against its training rows and a holdout never trained on.
    ``holdout_entities``: how many independent entities the holdout rows come from, when fewer
    than its rows (202 held-out transactions of 10 accounts tell about as much as 10 rows).
    """
    config = config or PrivacyConfig()
    modelled = [c.name for c in schema.modelled]
    checks = []
    checks.append(_copies_check(synthetic, train, holdout, modelled, copies_removed, config))
    records = nearest_records(synthetic, train, holdout, columns=modelled, seed=seed)
    figures = dcr_figures(records)
    checks += _distance_checks(records, figures, config, seed, holdout_entities)
    if config.attacks and len(modelled) >= 2:
        secret = config.secret if config.secret in modelled else _default_secret(train, schema)
        for risk in anonymeter_risks(
            synthetic,
            train,
            holdout,
            columns=modelled,
            secret=secret,
            n_attacks=config.n_attacks,
            seed=seed,
        ):
            figures[f"{risk.name}_risk"] = risk.risk
            checks.append(_attack_check(_per_entity(risk, holdout_entities), config))
    rare = count_rare(synthetic, train, schema, config.rare_k)
    checks.append(judge("rare_values", sum(rare.values()), 0, "<=", ", ".join(sorted(rare)) or ""))
    leaked = identifier_overlap(synthetic, train, schema)
    checks.append(judge("identifiers", sum(leaked.values()), 0, "<=", ", ".join(sorted(leaked)) or ""))
    return GateResult(checks, copies_removed, {}, figures)


def _copies_check(synthetic, train, holdout, modelled, removed: int, config: PrivacyConfig) -> Check:
    present = int(copy_mask(synthetic, train, modelled).sum())
    own = int(copy_mask(holdout, train, modelled).sum())
    return copies_check(present + removed, len(synthetic) + removed, own, len(holdout), config, removed)


def copies_check(
    copies: int, drawn: int, own: int, holdout_rows: int, config: PrivacyConfig, removed: int = 0
) -> Check:
    """Copies of training rows (``copies`` of ``drawn`` rows, ``removed`` of them before
    writing) against the limit plus the holdout's own rate (``own`` of ``holdout_rows``): real
    data has duplicates (identical sessions, loans), which real unseen rows repeat too.
    """
    total = max(drawn, 1)
    rate = own / max(holdout_rows, 1)
    z = excess_share(copies, total, own, holdout_rows)
    detail = f"{removed} removed before writing, {copies - removed} present; real unseen rows: {rate:.4f}"
    return judge(
        "copies", copies / total, config.copies_share_max + rate, "<=", detail,
        z > Z_EVIDENCE or config.judge == "estimate",
    )  # fmt: skip


def _distance_checks(
    records, figures: dict, config: PrivacyConfig, seed: int, entities: int | None = None
) -> list[Check]:
    """DCR share, 5th-percentile DCR and NNDR ratios, and the membership attack, each with its
    99 % interval (bootstrap for the percentile ratios).
    """
    strict = config.judge == "estimate"
    draws = min(len(records.holdout_to_train), entities or len(records.holdout_to_train))
    low, _ = mean_interval(records.closer_to_train, draws=draws)
    to_train, held = records.synthetic_to_train[:, 0], records.holdout_to_train[:, 0]
    _, dcr_high = p5_ratio_interval(to_train, held, seed=seed)
    _, nndr_high = p5_ratio_interval(
        nndr(records.synthetic_to_train), nndr(records.holdout_to_train), seed=seed
    )
    mia = membership_auc(records)
    figures["membership_auc"] = mia
    mia_low = mia - Z_EVIDENCE * auc_se(
        mia, len(records.train_to_synthetic), len(records.holdout_to_synthetic)
    )
    dcr_ratio = _safe_ratio(figures["dcr_p5_synthetic"], figures["dcr_p5_holdout"])
    nndr_ratio = _safe_ratio(figures["nndr_p5_synthetic"], figures["nndr_p5_holdout"])
    return [
        judge("dcr_share", figures["dcr_share"], config.dcr_share_max, "<=", f"99 % interval from {low:.3f}",
               strict or low > min(0.5, config.dcr_share_max)),
        judge("dcr_p5_ratio", dcr_ratio, config.dcr_p5_ratio_min, ">=",
               f"{_versus(figures, 'dcr_p5')}; 99 % interval to {dcr_high:.3f}",
               strict or dcr_high < max(1.0, config.dcr_p5_ratio_min)),
        judge("nndr_p5_ratio", nndr_ratio, config.nndr_p5_ratio_min, ">=",
               f"{_versus(figures, 'nndr_p5')}; 99 % interval to {nndr_high:.3f}",
               strict or nndr_high < max(1.0, config.nndr_p5_ratio_min)),
        judge("membership_inference", mia, config.mia_auc_max, "<=", f"99 % interval from {mia_low:.3f}",
               strict or mia_low > min(0.5, config.mia_auc_max)),
    ]  # fmt: skip


def _attack_check(risk: AttackRisk, config: PrivacyConfig) -> Check:
    """One anonymeter attack against the bound: its upper 95 % limit, or its estimate where
    too few attacks could run for the limit to decide anything (module docstring).
    """
    detail = f"risk {risk.risk:.4f}, 95% CI [{risk.low:.4f}, {risk.high:.4f}], {risk.attacks} attacks"
    if config.attack_bound == "evidence":
        low = risk.evidence_low if risk.evidence_low is not None else risk.low
        detail += f"; 99 % interval from {low:.4f}"
        return judge(risk.name, risk.risk, config.attack_risk_max, "<=", detail, low > 0)
    upper = config.attack_bound == "upper" or (
        config.attack_bound == "auto" and risk.attacks >= config.bound_min_attacks
    )
    if not upper:
        detail += "; judged on the estimate: too few attacks for the bound"
    if risk.powerless:
        detail += "; attack no better than random guessing"
    figure = risk.high if upper else risk.risk
    return judge(risk.name, figure, config.attack_risk_max, "<=", detail)


def _per_entity(risk: AttackRisk, entities: int | None) -> AttackRisk:
    """The attack's evidence bound widened to the holdout's independent entities, when its
    rows come from fewer (attacks on 202 transactions of 10 accounts are not 202 draws).
    """
    if not entities or entities >= risk.attacks or risk.evidence_low is None:
        return risk
    low = risk.risk - (risk.risk - risk.evidence_low) * float(np.sqrt(risk.attacks / entities))
    return replace(risk, evidence_low=low)


def _versus(figures: dict[str, float], name: str) -> str:
    synthetic, holdout = figures[name + "_synthetic"], figures[name + "_holdout"]
    return f"synthetic {synthetic:.4f} vs holdout {holdout:.4f}"


def _default_secret(train: pd.DataFrame, schema: Schema) -> str | None:
    """The categorical column with the most entropy: a binary secret's inference risk has a
    confidence interval too wide to judge at any affordable number of attacks.
    """
    best, best_entropy = None, -1.0
    for column in schema.modelled:
        if column.kind.value not in ("categorical", "boolean"):
            continue
        p = train[column.name].value_counts(normalize=True, dropna=False).to_numpy()
        entropy = float(-(p * np.log(p)).sum())
        if entropy > best_entropy:
            best, best_entropy = column.name, entropy
    return best


def _safe_ratio(synthetic: float, holdout: float) -> float:
    """Synthetic / holdout; where the holdout's own figure is 0 (duplicated data) nothing can
    be judged from the ratio and it counts as 1.
    """
    return synthetic / holdout if holdout > 0 else 1.0


def identifier_overlap(synthetic: pd.DataFrame, train: pd.DataFrame, schema: Schema) -> dict[str, int]:
    """Per identifier column, how many synthetic values equal a real one (must be none)."""
    leaked = {}
    for column in schema.columns:
        if column.modelled or column.name not in synthetic or column.name not in train:
            continue
        real = set(train[column.name].dropna().astype(str))
        n = int(synthetic[column.name].dropna().astype(str).isin(real).sum())
        if n:
            leaked[column.name] = n
    return leaked


def gate(
    synthetic: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    schema: Schema,
    config: PrivacyConfig | None = None,
    *,
    seed: int = 0,
) -> tuple[pd.DataFrame, GateResult]:
    """Protect, then evaluate: the table to publish (if ``result.passed``) and the figures."""
    config = config or PrivacyConfig()
    protected, removed, replaced = protect(synthetic, train, schema, config)
    if protected.empty:
        check = judge("copies", 1.0, config.copies_share_max, "<=", "every synthetic row was a copy")
        return protected, GateResult([check], removed, replaced, {})
    result = evaluate(protected, train, holdout, schema, config, copies_removed=removed, seed=seed)
    result.rare_replaced = replaced
    return protected, result


__all__ = ["Check", "GateResult", "PrivacyConfig", "evaluate", "gate", "identifier_overlap", "protect"]
