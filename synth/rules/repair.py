"""Repairs after sampling: the last resort for what a model could not keep by construction.

Each takes the sampled rows, the rule and the rows that break it, and fixes those rows only;
the codec counts every repaired row (``manifest.json``: ``rules.repairs``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.rules.check import broken, key, keys, map_keys
from synth.schema import Rule

_UNSEEN = "\x00unseen"


def derive(out: pd.DataFrame, rule: Rule) -> int:
    """A ``depends`` rule's dependent column computed from its determinant, in place. A
    determinant value the map lacks (a model's own rare-level token) takes the most common
    mapped value; returns how many rows did (a repair, counted by the caller).
    """
    source, target = rule.columns
    mapping = {key(a): np.nan if b is None else b for a, b, _ in rule.params["map"]}
    common = max(rule.params["map"], key=lambda row: row[2])
    values = map_keys(out[source], mapping, _UNSEEN)
    unseen = values == _UNSEEN
    if unseen.any():
        out[source] = out[source].astype(object).where(~unseen, common[0])
        values[unseen] = np.nan if common[1] is None else common[1]
    out[target] = pd.Series(values, index=out.index).infer_objects()  # ints stay ints
    return int(unseen.sum())


def _repair_pair(out: pd.DataFrame, rule: Rule, bad: np.ndarray, cells: list) -> pd.DataFrame:
    """A row in a forbidden cell: the cell's second column takes its most common value that no
    forbidden cell of any rule (``cells``: every rule's) rules out for that row, so a repair
    never breaks another combination. Only the few broken rows are visited.
    """
    partners: dict[tuple[str, object], list[tuple[str, object]]] = {}
    for a, b, va, vb, _ in cells:
        partners.setdefault((b, key(vb)), []).append((a, key(va)))
        partners.setdefault((a, key(va)), []).append((b, key(vb)))
    levels = {c: keys(out[c]).value_counts().index.tolist() for c in rule.columns}
    rows = out.loc[bad, list({c for cell in cells for c in cell[:2]} & set(out.columns))]
    for index, row in zip(rows.index, keys_frame(rows).to_dict("records"), strict=True):
        for a, b, va, vb, _ in rule.params["forbidden"]:
            if row.get(a) == key(va) and row.get(b) == key(vb):
                fits = (v for v in levels[b] if all(row.get(o) != ov for o, ov in partners.get((b, v), ())))
                value = next(fits, row[b])
                row[b] = value
                out.at[index, b] = None if value == key(None) else value
    return out


def keys_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as :func:`keys`."""
    return frame.apply(keys)


def _repair_order(out: pd.DataFrame, rule: Rule, bad: np.ndarray, cells: list) -> pd.DataFrame:
    out.loc[bad, rule.columns[1]] = out.loc[bad, rule.columns[0]]
    return out


def _repair_integer(out: pd.DataFrame, rule: Rule, bad: np.ndarray, cells: list) -> pd.DataFrame:
    name = rule.columns[0]
    out[name] = pd.to_numeric(out[name], errors="coerce").round()
    return out


def _repair_range(out: pd.DataFrame, rule: Rule, bad: np.ndarray, cells: list) -> pd.DataFrame:
    low, high = rule.params["bounds"]
    name = rule.columns[0]
    out[name] = pd.to_numeric(out[name], errors="coerce").clip(low, high)
    return out


def _repair_identity(out: pd.DataFrame, rule: Rule, bad: np.ndarray, cells: list) -> pd.DataFrame:
    a, b = (pd.to_numeric(out[c], errors="coerce") for c in rule.columns[:2])
    out.loc[bad, rule.columns[2]] = (a * b if rule.params.get("op") == "*" else a + b)[bad]
    return out


def _repair_nulls(out: pd.DataFrame, rule: Rule, bad: np.ndarray, cells: list) -> pd.DataFrame:
    a = out[rule.columns[0]]
    when = (
        (keys(a) == key(rule.params["value"])).to_numpy() if "value" in rule.params else a.isna().to_numpy()
    )
    out.loc[bad & when, rule.columns[1]] = None
    return out


def _repair_values(out: pd.DataFrame, rule: Rule, bad: np.ndarray, cells: list) -> pd.DataFrame:
    """A number outside a column's few values takes the nearest of them."""
    allowed = np.array(sorted(rule.params["values"]), dtype=float)
    values = pd.to_numeric(out[rule.columns[0]], errors="coerce").to_numpy(float)
    nearest = allowed[np.abs(values[bad, None] - allowed[None, :]).argmin(axis=1)]
    out.loc[bad, rule.columns[0]] = nearest
    return out


REPAIRS = {
    "values": _repair_values,
    "combination": _repair_pair,
    "order": _repair_order,
    "integer": _repair_integer,
    "range": _repair_range,
    "identity": _repair_identity,
    "nulls": _repair_nulls,
}


def repair_all(frame: pd.DataFrame, rules: list[Rule], every: tuple[Rule, ...]) -> tuple[pd.DataFrame, dict]:
    """``frame`` with the rows that break each of ``rules`` repaired, in order, and the number of
    rows repaired per rule. ``every`` is all the schema's rules: a repaired combination takes a
    value no forbidden cell of any of them rules out.
    """
    cells = [c for r in every if r.kind == "combination" for c in r.params["forbidden"]]
    counts: dict[str, int] = {}
    for rule in rules:
        bad = broken(frame, rule)
        if bad.any():
            counts[rule.name] = int(bad.sum())
            frame = REPAIRS[rule.kind](frame, rule, bad, cells)
    return frame, counts


def keep_all(frame: pd.DataFrame, rules: tuple[Rule, ...]) -> tuple[pd.DataFrame, dict[str, int]]:
    """Every rule kept after sampling, for a model that learned the table's own columns (a
    streamed table has no rule codec): each dependent column derived from its determinant, the
    other rules' broken rows repaired. Returns the rows and, per rule, the rows changed.
    """
    out, counts = frame.copy(), {}
    for rule in rules:
        if rule.kind == "depends" and all(c in out.columns for c in rule.columns):
            changed = int(broken(out, rule).sum())  # a determinant the map lacks among them
            derive(out, rule)
            if changed:
                counts[rule.name] = changed
    out, repaired = repair_all(out, [r for r in rules if r.kind in REPAIRS], rules)
    return out, {**counts, **repaired}
