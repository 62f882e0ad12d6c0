"""How often the gate cries wolf, and how often it still catches what it must.

``synth bench --false-alarms --data adult-sample,berka-loans,... --draws 20``: for each table and
draw ``d``, the rows (at most :data:`MAX_ROWS`, drawn with seed ``d``) are split 60/20/20 into
training rows, the holdout the gate compares with, and *real unseen rows* that play the
synthetic table. Honest data like that must pass every verdict: the privacy gate (copies,
DCR/NNDR, membership inference, anonymeter's attacks, rare values, identifiers) and the quality
floor (detection, TSTR lift where the table has a target). Two planted failures must fail each
draw: the unseen rows with half of them replaced by copies of training rows (the gate's own
``protect`` step removes the copies and the ``copies`` check reports them), and the unseen rows
with one rare training value planted, judged before ``protect`` would replace it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth.bench.files import write_result
from synth.bench.machine import machine_summary
from synth.errors import InputError
from synth.evaluation.detection import detection_rows, detection_score
from synth.evaluation.floor import quality_checks
from synth.evaluation.utility import positive_label, tstr_auc
from synth.io import read
from synth.privacy.gate import PrivacyConfig, evaluate, gate
from synth.privacy.rare import rare_levels
from synth.progress import Progress
from synth.resources import bundled
from synth.rules.check import holds_share
from synth.rules.mine import mine_rules
from synth.schema import Schema, infer_schema

MAX_ROWS = 10_000
SHARED = {
    "adult": ("adult/adult.csv", "income"),
    "bank-marketing": ("tables/bank_marketing.csv.gz", "y"),
    "creditcard-default": ("tables/creditcard_default.csv.gz", "has_default"),
    "online-shoppers": ("tables/online_shoppers.csv.gz", "Revenue"),
}
BUNDLED = {
    "adult-sample": ("adult_sample.csv", "income"),
    "berka-loans": ("berka_loans.csv", "default"),
    "berka-accounts": ("berka_accounts.csv", None),
}


@dataclass
class TableAlarms:
    """One table's draws: how many passed, which checks failed, and the planted failures."""

    table: str
    rows: int
    draws: int = 0
    honest_passed: int = 0
    failed_checks: dict[str, int] = field(default_factory=dict)
    copies_caught: int = 0
    rare_caught: int = 0
    rare_planted: int = 0
    rules_hold: list[float] = field(default_factory=list)


@dataclass
class FalseAlarms:
    """The whole study."""

    tables: list[TableAlarms]
    machine: dict[str, Any]

    def to_markdown(self) -> str:
        """The study's table."""
        lines = [
            "## Gate false alarms: real unseen rows as the synthetic table",
            "",
            f"Machine: {self.machine['summary']}. Each draw: at most {MAX_ROWS:,} rows, split 60/20/20 "
            "into training rows, the gate's holdout, and real unseen rows judged as if synthetic.",
            "",
            "| table | rows used | draws | honest rows passed | checks that failed honest rows | "
            "half copies caught | a rare value caught | rules hold on unseen rows (min) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for t in self.tables:
            failed = ", ".join(f"{k} ({v})" for k, v in sorted(t.failed_checks.items())) or "none"
            rare = f"{t.rare_caught}/{t.rare_planted}" if t.rare_planted else "no rare level"
            hold = f"{min(t.rules_hold):.4f}" if t.rules_hold else "-"
            lines.append(
                f"| {t.table} | {t.rows:,} | {t.draws} | {t.honest_passed}/{t.draws} | {failed} | "
                f"{t.copies_caught}/{t.draws} | {rare} | {hold} |"
            )
        return "\n".join(lines) + "\n"


def load_table(name: str) -> tuple[pd.DataFrame, str | None]:
    """A bundled (``adult-sample``, ``berka-loans``, ``berka-accounts``) or shared table."""
    from synth.datasets import shared_folder

    if name in BUNDLED:
        file, target = BUNDLED[name]
        return read(bundled("data", file)).frame, target
    if name in SHARED:
        file, target = SHARED[name]
        return read(shared_folder() / file).frame, target
    raise InputError(f"unknown table '{name}'; choose from {', '.join([*BUNDLED, *SHARED])}")


def run_false_alarms(names: list[str], *, draws: int = 20, progress: Progress | None = None) -> FalseAlarms:
    """The study over ``names`` (tables that cannot be read are skipped, with a note)."""
    tables = []
    for name in names:
        frame, target = load_table(name)
        result = TableAlarms(name, min(len(frame), MAX_ROWS))
        for draw in range(draws):
            _one_draw(result, frame, target, draw)
            if progress:
                progress(f"false alarms: {name}", draw + 1, draws)
        tables.append(result)
    return FalseAlarms(tables, machine_summary())


def _one_draw(result: TableAlarms, frame: pd.DataFrame, target: str | None, draw: int) -> None:
    rng = np.random.default_rng([draw, 2024])
    rows = frame.iloc[rng.permutation(len(frame))[:MAX_ROWS]].reset_index(drop=True)
    cut1, cut2 = int(0.6 * len(rows)), int(0.8 * len(rows))
    train, holdout, unseen = rows.iloc[:cut1], rows.iloc[cut1:cut2], rows.iloc[cut2:]
    train, holdout, unseen = (p.reset_index(drop=True) for p in (train, holdout, unseen))
    schema = infer_schema(train)
    config = PrivacyConfig()
    _, verdict = gate(unseen, train, holdout, schema, config, seed=draw)
    checks = verdict.checks + _floor(train, holdout, unseen, schema, target, draw)
    failed = [c.name for c in checks if not c.passed]
    result.draws += 1
    result.honest_passed += not failed
    for name in failed:
        result.failed_checks[name] = result.failed_checks.get(name, 0) + 1
    copies = pd.concat([unseen.iloc[: len(unseen) // 2], train.iloc[: len(unseen) - len(unseen) // 2]])
    _, copied = gate(copies.reset_index(drop=True), train, holdout, schema, config, seed=draw)
    result.copies_caught += "copies" in {c.name for c in copied.failed}
    planted = _plant_rare(unseen, train, schema, config.rare_k)
    if planted is not None:
        leaked = evaluate(planted, train, holdout, schema, config, seed=draw)
        result.rare_planted += 1
        result.rare_caught += "rare_values" in {c.name for c in leaked.failed}
    result.rules_hold.append(holds_share(unseen, mine_rules(train, schema)))


def _floor(train, holdout, unseen, schema: Schema, target: str | None, seed: int) -> list:
    columns = [c.name for c in schema.modelled]
    figures: dict[str, Any] = {
        "detection": detection_score(train, unseen, columns, seed=seed),
        "detection_rows": detection_rows(train, unseen),
    }
    if target and target in columns:
        positive = positive_label(holdout[target])
        figures["tstr_auc"] = tstr_auc(unseen[columns], holdout[columns], target, seed=seed)
        figures["real_train_auc"] = tstr_auc(train[columns], holdout[columns], target, seed=seed)
        matched = train.sample(len(unseen), random_state=seed)
        figures["real_matched_auc"] = tstr_auc(matched[columns], holdout[columns], target, seed=seed)
        figures["holdout_positives"] = int((holdout[target] == positive).sum())
        figures["holdout_negatives"] = int(holdout[target].notna().sum()) - figures["holdout_positives"]
    return quality_checks(figures, detection_min=0.5, tstr_lift_min=0.7)


def _plant_rare(unseen: pd.DataFrame, train: pd.DataFrame, schema: Schema, k: int) -> pd.DataFrame | None:
    """The unseen rows with one cell set to a level fewer than ``k`` training rows have."""
    rare = rare_levels(train, schema, k)
    if not rare:
        return None
    column = sorted(rare)[0]
    planted = unseen.copy()
    planted[column] = planted[column].astype(object)
    planted.loc[0, column] = sorted(rare[column], key=str)[0]
    return planted


def write_false_alarms(result: FalseAlarms, out_dir: Path) -> tuple[Path, Path]:
    """``false-alarms.md`` and ``.json`` in ``out_dir``."""
    return write_result(result, out_dir, "false-alarms")
