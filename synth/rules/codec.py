"""Keep rules by construction: the table a model learns has the rules built into its columns.

:class:`RuleCodec` turns the real table into the *model table* and the model's rows back:

- ``depends``: the dependent column is left out and derived from its determinant;
- ``combination`` (with observed combinations): the columns become one categorical column of
  their allowed combinations, split again after sampling;
- ``order``: the high column is learned as the non-negative gap above the low one;
- ``identity``: the computed column is left out and computed;
- ``nulls``: the column's gaps are left out of what is learned and put back where the
  determinant says.

So any model (ours, SDV's, future ones) samples rows that keep them, and conditions on a
derived column become conditions on its determinant. What cannot be built in (a forbidden pair
too wide to combine, a range) is repaired after sampling, and every repair is counted.
Training rows that break a near-rule (its real exceptions) are left out of the model table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from synth.errors import JobError
from synth.rules.check import broken, key, keys
from synth.rules.repair import derive, repair_all
from synth.schema import Column, Kind, Rule, Schema, widened_bounds

_DAY = pd.Timedelta(days=1)


@dataclass
class Plan:
    """Which rule is kept how; derived from the schema's rules alone (so a loaded model
    rebuilds the same plan).
    """

    derive: dict[str, Rule] = field(default_factory=dict)  # dependent -> depends rule
    joint: dict[str, Rule] = field(default_factory=dict)  # joint column -> combination rule
    gap: dict[str, Rule] = field(default_factory=dict)  # high -> order rule
    compute: dict[str, Rule] = field(default_factory=dict)  # computed -> identity rule
    nulls: dict[str, Rule] = field(default_factory=dict)  # column -> nulls rule
    levels: dict[str, list] = field(default_factory=dict)  # number column learned as categories
    repair: list[Rule] = field(default_factory=list)
    native: list[Rule] = field(default_factory=list)  # kept by the model itself, checked here

    @property
    def built_in(self) -> list[Rule]:
        """Rules kept by construction."""
        return [*self.derive.values(), *self.joint.values(), *self.gap.values(), *self.compute.values(),
                *self.nulls.values()]  # fmt: skip


def plan(schema: Schema, native: tuple[str, ...] = ()) -> Plan:
    """Decide for each rule how it is kept; later rules never undo earlier ones. Kinds in
    ``native`` are left to the model (it receives them in its schema) and checked after.
    """
    p = Plan()
    kinds = {c.name: c.kind for c in schema.columns}
    for rule in schema.rules:
        if rule.kind == "depends" and rule.columns[1] not in p.derive and rule.columns[0] not in p.derive:
            p.derive[rule.columns[1]] = rule
    taken = set(p.derive)
    for rule in schema.rules:
        if rule.kind == "combination" and "combination" in native and not taken & set(rule.columns):
            p.native.append(rule)
            p.repair.append(rule)
        elif rule.kind == "combination" and "combos" in rule.params and not taken & set(rule.columns):
            p.joint[joint_name(rule, schema)] = rule
            taken |= set(rule.columns)
        elif rule.kind == "combination":
            p.repair.append(rule)
    for rule in schema.rules:
        if rule.kind == "identity" and not taken & set(rule.columns):
            p.compute[rule.columns[2]] = rule
            taken.add(rule.columns[2])
    operands = {c for r in p.compute.values() for c in r.columns[:2]} | {
        r.columns[0] for r in p.derive.values()
    }
    for rule in (r for r in schema.rules if r.kind == "order"):
        low, high = rule.columns
        free = high not in taken | operands | set(p.gap) and low not in p.compute
        if free and "order" in native and not rule.tolerance and low not in taken:
            p.native.append(rule)
            p.repair.append(rule)
        elif free and (kinds.get(low) is Kind.DATETIME or high not in {r.columns[0] for r in p.gap.values()}):
            p.gap[high] = rule
            taken.add(high)
        else:
            p.repair.append(rule)
    numbers = (Kind.NUMERIC, Kind.INTEGER)
    for rule in p.derive.values():
        if kinds.get(rule.columns[0]) in numbers and rule.columns[0] not in taken:
            p.levels[rule.columns[0]] = [row[0] for row in rule.params["map"]]
    for rule in schema.rules:
        if rule.kind == "nulls" and rule.columns[1] not in taken | set(p.nulls):
            p.nulls[rule.columns[1]] = rule
        elif rule.kind == "values" and rule.columns[0] not in taken | set(p.levels):
            p.levels[rule.columns[0]] = list(rule.params["values"])
        elif rule.kind == "values" and rule.columns[0] not in p.levels:
            p.repair.append(rule)
        elif rule.kind in ("nulls", "identity") and rule not in p.built_in:
            p.repair.append(rule)
        elif rule.kind in ("integer", "range"):
            p.repair.append(rule)
    return p


def joint_name(rule: Rule, schema: Schema) -> str:
    """The model table's name for a combination's column (never a real column's name)."""
    name = "+".join(rule.columns)
    while name in schema.names:
        name = f"_{name}"
    return name


class RuleCodec:
    """The model table of a schema with rules, and the way back."""

    def __init__(self, schema: Schema, native: tuple[str, ...] = ()) -> None:
        self.schema = schema
        self.plan = plan(schema, native)
        self.repairs: dict[str, int] = {}

    def model_schema(self, train: pd.DataFrame | None = None) -> Schema:
        """The columns a model learns (no rules: they are built in)."""
        p, columns = self.plan, []
        hidden = set(p.derive) | set(p.compute) | {c for r in p.joint.values() for c in r.columns}
        for column in self.schema.columns:
            if column.name in p.gap:
                columns.append(self._gap_column(column, train))
            elif column.name in p.levels:
                columns.append(Column(column.name, Kind.CATEGORICAL, "object", column.nullable))
            elif column.name in p.nulls:
                columns.append(replace(column, nullable=False))
            elif column.name not in hidden:
                columns.append(column)
        for name in p.joint:
            columns.append(Column(name, Kind.CATEGORICAL, "object"))
        return Schema(self.schema.table, tuple(columns), self.schema.dropped, tuple(self._native(p)))

    def _native(self, p: Plan) -> list[Rule]:
        """Native rules restricted to what the model sees (a derived member leaves the pair)."""
        derived = set(p.derive)
        out = []
        for rule in p.native:
            if rule.kind != "combination":
                out.append(rule)
                continue
            cells = [cell for cell in rule.params["forbidden"] if not derived & set(cell[:2])]
            if cells:
                out.append(replace(rule, params={**rule.params, "forbidden": cells}))
        return out

    def _gap_column(self, column: Column, train: pd.DataFrame | None) -> Column:
        rule = self.plan.gap[column.name]
        bounds = column.bounds
        if train is not None:
            gaps = self._gaps(train, rule).dropna()
            bounds = widened_bounds(gaps) if len(gaps) else None
        whole = self.schema[rule.columns[1]].kind in (Kind.INTEGER, Kind.DATETIME)
        return Column(
            column.name, Kind.INTEGER if whole else Kind.NUMERIC, "float64", column.nullable, None, bounds
        )

    def _gaps(self, frame: pd.DataFrame, rule: Rule) -> pd.Series:
        low, high = frame[rule.columns[0]], frame[rule.columns[1]]
        gap = high - low
        return gap / _DAY if pd.api.types.is_timedelta64_dtype(gap.dtype) else gap.astype(float)

    def encode(self, train: pd.DataFrame, *, every_row: bool = False) -> pd.DataFrame:
        """The training rows as the model learns them: real exceptions of near-rules are left
        out unless ``every_row`` (a caller that needs one model row per input row).
        """
        p = self.plan
        keep = np.ones(len(train), dtype=bool)
        for rule in [*p.joint.values(), *p.gap.values()] if not every_row else ():
            keep &= ~broken(train, rule)
        frame = train.loc[keep].reset_index(drop=True)
        out = {}
        for name in p.joint:
            out[name] = self._joint_codes(frame, p.joint[name])
        for name, rule in p.gap.items():
            out[name] = self._gaps(frame, rule)
        for name, values in p.levels.items():
            labels = {key(v): str(i) for i, v in enumerate(values)}
            out[name] = keys(frame[name]).map(labels).where(frame[name].notna(), None)
        for name in p.nulls:
            values = frame[name]
            fill = values.mode(dropna=True).iloc[0] if values.notna().any() else 0
            out[name] = values.where(values.notna(), fill)
        result = frame.assign(**out) if out else frame
        return result[[name for name in self.model_schema().names if name in result.columns]]

    def _joint_codes(self, frame: pd.DataFrame, rule: Rule) -> pd.Series:
        index = {tuple(key(v) for v in combo[:-1]): str(i) for i, combo in enumerate(rule.params["combos"])}
        rows = pd.MultiIndex.from_frame(pd.DataFrame({c: keys(frame[c]) for c in rule.columns}))
        return pd.Series([index.get(tuple(r), "0") for r in rows], index=frame.index, dtype=object)

    def decode(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Model rows -> rows of the schema's modelled columns, every built-in rule kept."""
        p, out = self.plan, frame.copy()
        self.repairs = {}
        for name, rule in p.joint.items():
            combos = rule.params["combos"]
            codes = (
                pd.to_numeric(out.pop(name), errors="coerce").fillna(0).astype(int).clip(0, len(combos) - 1)
            )
            table = np.array([combo[:-1] for combo in combos], dtype=object)[codes.to_numpy()]
            for j, column in enumerate(rule.columns):
                out[column] = table[:, j]
        for name, values in p.levels.items():
            codes = pd.to_numeric(out[name], errors="coerce")
            table = pd.Series(values + [None], dtype=object)
            out[name] = table.iloc[
                codes.fillna(len(values)).astype(int).clip(0, len(values)).to_numpy()
            ].to_numpy()
        for rule in p.derive.values():
            self._derive(out, rule)
        for name, rule in self._gap_order():
            gap = pd.to_numeric(out[name], errors="coerce")
            negative = int((gap < 0).sum())
            if negative:
                self.repairs[rule.name] = negative
            gap = gap.clip(lower=0)
            low = out[rule.columns[0]]
            out[name] = (
                low + pd.to_timedelta(gap, unit="D") if self.schema[name].kind is Kind.DATETIME else low + gap
            )
        for name, rule in p.compute.items():
            a, b = (pd.to_numeric(out[c], errors="coerce") for c in rule.columns[:2])
            value = a * b if rule.params.get("op") == "*" else a + b
            out[name] = value.round() if self.schema[name].kind is Kind.INTEGER else value
        for name, rule in p.nulls.items():
            a = out[rule.columns[0]]
            when = keys(a) == key(rule.params["value"]) if "value" in rule.params else a.isna()
            out[name] = (
                out[name].astype(object).where(~when.to_numpy(), None)
                if out[name].dtype == object
                else out[name].where(~when.to_numpy())
            )
        out = self._repair(out)
        return out[[c.name for c in self.schema.modelled]]

    def _derive(self, out: pd.DataFrame, rule: Rule) -> None:
        unseen = derive(out, rule)
        if unseen:
            self.repairs[rule.name] = unseen

    def _gap_order(self) -> list[tuple[str, Rule]]:
        """Chains (a <= b <= c) decode their low columns first."""
        pending, done, order = dict(self.plan.gap), set(), []
        while pending:
            ready = [h for h, r in pending.items() if r.columns[0] not in pending]
            for high in ready:
                order.append((high, pending.pop(high)))
                done.add(high)
            if not ready:
                order += list(pending.items())
                break
        return order

    def _repair(self, out: pd.DataFrame) -> pd.DataFrame:
        """The last resort, counted: forbidden pairs too wide to combine, orders not built in,
        non-whole numbers in integer columns, values outside the widened range.
        """
        out, counts = repair_all(out, self.plan.repair, self.schema.rules)
        for name, count in counts.items():
            self.repairs[name] = self.repairs.get(name, 0) + count
        return out

    def conditions(self, conditions, n: int, seed: int):
        """Conditions on the schema's columns as conditions on the model table's columns.

        A derived column's value becomes its determinant's (drawn in proportion to the training
        rows when several determinant values give it); members of a combination become the
        combination's column. Conditions on a column computed from others are refused.
        """
        if conditions is None or len(conditions) == 0:
            return conditions
        p = self.plan
        frame = (
            conditions
            if isinstance(conditions, pd.DataFrame)
            else pd.DataFrame({k: [v] * n for k, v in conditions.items()})
        )
        for name in frame.columns:
            if name in p.gap or name in p.compute:
                rule = p.gap.get(name) or p.compute[name]
                raise JobError(
                    f"--condition: '{name}' is built from other columns by the rule '{rule.name}'; "
                    "condition on those columns, or turn the rule off in the job's rules: block"
                )
        rng = np.random.default_rng([seed, 7])
        touched = {c for r in [*p.derive.values(), *p.joint.values()] for c in r.columns} | set(p.levels)
        touched &= set(frame.columns)
        if not touched:
            return conditions
        rows = []
        for values, index in frame.groupby(list(frame.columns), dropna=False, sort=False).groups.items():
            values = values if isinstance(values, tuple) else (values,)
            fixed = self._translate(dict(zip(frame.columns, values, strict=False)), len(index), rng)
            rows.append(fixed.set_index(pd.Index(index)))
        return pd.concat(rows).sort_index().reset_index(drop=True)

    def _translate(self, fixed: dict[str, Any], n: int, rng: np.random.Generator) -> pd.DataFrame:
        p = self.plan
        allowed: dict[str, set] = {}
        for name, rule in p.derive.items():
            if name in fixed:
                source = {key(a) for a, b, _ in rule.params["map"] if key(b) == key(fixed[name])}
                if rule.columns[0] in fixed:
                    source &= {key(fixed[rule.columns[0]])}
                if not source:
                    raise JobError(
                        f"--condition: no training row has {name}={fixed[name]!r} (rule '{rule.name}')"
                    )
                allowed[rule.columns[0]] = allowed.get(rule.columns[0], source) & source
                fixed.pop(name)
        out = {
            k: [v] * n for k, v in fixed.items() if k not in {c for r in p.joint.values() for c in r.columns}
        }
        out = {k: v for k, v in out.items() if k not in allowed}
        for name, rule in p.joint.items():
            members = set(rule.columns)
            wanted = {c: {key(fixed[c])} for c in members if c in fixed} | {
                c: s for c, s in allowed.items() if c in members
            }
            if not wanted:
                continue
            combos = rule.params["combos"]
            fits = [
                i
                for i, combo in enumerate(combos)
                if all(key(combo[rule.columns.index(c)]) in s for c, s in wanted.items())
            ]
            if not fits:
                raise JobError(
                    f"--condition: no training row has this combination of {', '.join(rule.columns)}"
                )
            weights = np.array([combos[i][-1] for i in fits], dtype=float)
            out[name] = [str(fits[i]) for i in rng.choice(len(fits), size=n, p=weights / weights.sum())]
        for column, values in allowed.items():
            if not any(column in r.columns for r in p.joint.values()):
                choices = sorted(values, key=str)
                counts = {
                    key(a): c
                    for r in p.derive.values()
                    if r.columns[0] == column
                    for a, _, c in r.params["map"]
                }
                weights = np.array([counts.get(v, 1) for v in choices], dtype=float)
                out[column] = [
                    choices[i] for i in rng.choice(len(choices), size=n, p=weights / weights.sum())
                ]
        for column, values in p.levels.items():
            if column in out:
                labels = {key(v): str(i) for i, v in enumerate(values)}
                unknown = {key(v) for v in out[column]} - set(labels)
                if unknown:
                    raise JobError(f"--condition: {column} takes only the values the training rows have")
                out[column] = [labels[key(v)] for v in out[column]]
        return pd.DataFrame(out)
