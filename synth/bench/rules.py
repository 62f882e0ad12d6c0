"""Are the mined rules structure of the table, or noise of its sample?

``synth bench rules --data adult-sample,berka-loans,adult``: each table is split as a job splits
it (20 % holdout, seed 0), its rules are mined from the training rows (timed), and the share of
real rows no mining saw that keep every rule is measured, with a 95 % Clopper-Pearson lower
bound: on the holdout, and, for a bundled sample of a shared table, on the source's rows outside
the sample too. A 600-row holdout cannot tell 99.9 % from 100 % (one row is 0.17 %); the
source's tens of thousands of other rows can.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import beta

from synth.bench.false_alarms import BUNDLED, load_table
from synth.bench.files import write_result
from synth.bench.machine import machine_summary
from synth.io import read
from synth.rules.check import broken
from synth.rules.mine import mine_rules
from synth.schema import Rule, infer_schema
from synth.split import split

SAMPLED_FROM = {"adult-sample": ("adult/adult.csv", 3000, 7)}
"""A bundled sample's source (under the shared folder), its rows and the ``random_state`` that drew it."""


@dataclass
class Holding:
    """Real unseen rows against the rules: how many keep every rule, and the rules broken most."""

    rows: int
    kept: int
    lower: float
    broken: dict[str, int]

    @property
    def share(self) -> float:
        """The share of rows that keep every rule."""
        return self.kept / self.rows if self.rows else 1.0


@dataclass
class TableRules:
    """One table: its rules, the time to mine them, and how they hold on unseen rows."""

    table: str
    train_rows: int
    rules: int
    mining_seconds: float
    holdout: Holding
    source_rest: Holding | None = None


def holding(frame: pd.DataFrame, rules: tuple[Rule, ...]) -> Holding:
    """How ``frame``'s real rows keep ``rules`` (counts only, never values)."""
    any_broken = np.zeros(len(frame), dtype=bool)
    counts = {}
    for rule in rules:
        rows = broken(frame, rule, real=True)
        any_broken |= rows
        if rows.any():
            counts[rule.name] = int(rows.sum())
    n, kept = len(frame), int((~any_broken).sum())
    lower = float(beta.ppf(0.025, kept, n - kept + 1)) if kept else 0.0
    return Holding(n, kept, lower, counts)


def study_table(name: str) -> TableRules:
    """Mine ``name``'s training rows and hold its unseen rows to the rules."""
    frame, _ = load_table(name)
    train, holdout = split(frame, holdout=0.2, seed=0)
    schema = infer_schema(train)
    started = time.perf_counter()
    rules = mine_rules(train, schema)
    seconds = time.perf_counter() - started
    result = TableRules(name, len(train), len(rules), seconds, holding(holdout, rules))
    rest = source_rest(name)
    if rest is not None:
        result.source_rest = holding(rest, rules)
    return result


def source_rest(name: str) -> pd.DataFrame | None:
    """A bundled sample's source rows outside the sample (None without the shared folder)."""
    from synth.datasets import shared_folder

    if name not in SAMPLED_FROM or name not in BUNDLED:
        return None
    file, n, random_state = SAMPLED_FROM[name]
    path = shared_folder() / file
    if not path.exists():
        return None
    source = read(path).frame
    picked = source.sample(n=n, random_state=random_state).index
    return source.drop(index=picked).reset_index(drop=True)


@dataclass
class RulesStudy:
    """Every table's figures and the machine they were measured on."""

    tables: list[TableRules]
    machine: dict[str, Any]

    def to_markdown(self) -> str:
        """The study's table."""
        lines = [
            "## Mined rules on real unseen rows",
            "",
            f"Machine: {self.machine['summary']}. Split as a job splits (20 % holdout, seed 0); rules mined "
            "from the training rows; unseen rows keeping every rule, with the 95 % lower bound.",
            "",
            "| table | training rows | rules | mining s | holdout rows | keep every rule | 95 % lower | "
            "source's other rows | keep every rule | 95 % lower | rules broken (rows) |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for t in self.tables:
            rest = t.source_rest
            other = f"{rest.rows:,} | {rest.share:.4%} | {rest.lower:.4%}" if rest else "- | - | -"
            counts = {**t.holdout.broken}
            for rule, rows in (rest.broken if rest else {}).items():
                counts[rule] = counts.get(rule, 0) + rows
            named = (
                ", ".join(f"{k} ({v})" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])) or "none"
            )
            lines.append(
                f"| {t.table} | {t.train_rows:,} | {t.rules} | {t.mining_seconds:.2f} | {t.holdout.rows:,} | "
                f"{t.holdout.share:.4%} | {t.holdout.lower:.4%} | {other} | {named} |"
            )
        return "\n".join(lines) + "\n"


def run_rules_study(names: list[str]) -> RulesStudy:
    """The study over ``names`` (bundled or shared tables)."""
    return RulesStudy([study_table(name) for name in names], machine_summary())


def write_rules_study(result: RulesStudy, out_dir: Path) -> tuple[Path, Path]:
    """``bench-rules.md`` and ``.json`` in ``out_dir``."""
    return write_result(result, out_dir, "bench-rules")
