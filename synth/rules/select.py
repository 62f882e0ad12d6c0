"""The rules a run keeps: the mined ones, minus those a job drops, plus those it declares.

A declared rule is fitted on the training rows (a dependency's map, a combination's observed
combinations) and must hold there: a rule the real data breaks is one clear error, because
a pipeline that enforces it would publish rows unlike the real ones.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from synth.errors import JobError
from synth.rules.check import broken
from synth.rules.mine import group_rule, mine_rules, plain
from synth.schema import Rule, Schema

DECLARABLE = ("depends", "combination", "order", "identity", "nulls", "values")


def rules_for(
    train: pd.DataFrame,
    schema: Schema,
    *,
    mine: bool = True,
    drop: Sequence[str] = (),
    add: Sequence[dict] = (),
    where: str = "job",
) -> Schema:
    """``schema`` with the run's rules; names in ``drop`` must be rules that were mined."""
    mined = mine_rules(train, schema) if mine else ()
    names = {r.name for r in mined}
    unknown = [name for name in drop if name not in names]
    if unknown:
        listed = "; ".join(sorted(names)) or "none were mined"
        raise JobError(f"{where}: rules.drop: no rule named '{unknown[0]}' (the rules: {listed})")
    kept = [r for r in mined if r.name not in set(drop)]
    declared = [declare(train, schema, spec, where) for spec in add]
    return dataclasses.replace(schema, rules=tuple(kept + declared))


def declare(train: pd.DataFrame, schema: Schema, spec: dict, where: str) -> Rule:
    """One rule a job declares (``{kind: order, columns: [a, b]}``), fitted and checked."""
    kind, columns = spec.get("kind"), list(spec.get("columns") or [])
    if kind not in DECLARABLE:
        raise JobError(
            f"{where}: rules.add: unknown rule kind '{kind}'; choose one of: {', '.join(DECLARABLE)}"
        )
    for column in columns:
        if column not in schema.names or not schema[column].modelled:
            raise JobError(
                f"{where}: rules.add: {kind}: column '{column}' is not a modelled column of the input"
            )
    if len(set(columns)) != len(columns):
        raise JobError(f"{where}: rules.add: {kind}: its columns must differ")
    sizes = {"depends": 2, "order": 2, "identity": 3, "nulls": 2, "values": 1}
    if kind in sizes and len(columns) != sizes[kind] or kind == "combination" and len(columns) < 2:
        raise JobError(f"{where}: rules.add: {kind} takes {sizes.get(kind, 'two or more')} columns")
    rule = _fitted(train, kind, columns, spec)
    bad = int(broken(train, rule).sum())
    if bad:
        raise JobError(f"{where}: rules.add: '{rule.name}' does not hold on {bad} training rows")
    return dataclasses.replace(rule, origin="job")


def _fitted(train: pd.DataFrame, kind: str, columns: list[str], spec: dict) -> Rule:
    if kind == "depends":
        table = train.groupby(columns[0], dropna=False)[columns[1]].agg(["first", "size"])
        mapping = [
            [plain(k), plain(v), int(s)]
            for k, v, s in zip(table.index, table["first"], table["size"], strict=False)
        ]
        return Rule(kind, tuple(columns), {"map": mapping})
    if kind == "combination":
        return group_rule(train, columns, {})
    if kind == "identity":
        op = spec.get("op", "*")
        if op not in ("*", "+"):
            raise JobError(f"rules.add: identity: op must be '*' or '+', not '{op}'")
        return Rule(kind, tuple(columns), {"op": op, "within": float(spec.get("within", 0.5))})
    if kind == "values":
        values = sorted(plain(v) for v in train[columns[0]].dropna().unique())
        return Rule(kind, tuple(columns), {"values": values})
    if kind == "nulls" and "value" in spec:
        return Rule(kind, tuple(columns), {"value": spec["value"]})
    return Rule(kind, tuple(columns))
