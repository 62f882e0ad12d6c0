"""Repairs after sampling: the last resort for what a model could not keep by construction.

Each takes the sampled rows, the rule and the rows that break it, and fixes those rows only;
the codec counts every repaired row (``manifest.json``: ``rules.repairs``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.rules.check import key, keys
from synth.schema import Rule


def _repair_pair(out: pd.DataFrame, rule: Rule, bad: np.ndarray) -> pd.DataFrame:
    """Rows in a forbidden cell take the second column's most common allowed value."""
    a, b = rule.columns[:2]
    forbidden = {(key(x), key(y)) for _, _, x, y, _ in rule.params["forbidden"]}
    levels = keys(out[b]).value_counts().index.tolist()
    fixed = [
        next((v for v in levels if (key_a, v) not in forbidden), None) for key_a in keys(out.loc[bad, a])
    ]
    out.loc[bad, b] = [None if v is None or v == key(None) else v for v in fixed]
    return out


def _repair_order(out: pd.DataFrame, rule: Rule, bad: np.ndarray) -> pd.DataFrame:
    out.loc[bad, rule.columns[1]] = out.loc[bad, rule.columns[0]]
    return out


def _repair_integer(out: pd.DataFrame, rule: Rule, bad: np.ndarray) -> pd.DataFrame:
    name = rule.columns[0]
    out[name] = pd.to_numeric(out[name], errors="coerce").round()
    return out


def _repair_range(out: pd.DataFrame, rule: Rule, bad: np.ndarray) -> pd.DataFrame:
    low, high = rule.params["bounds"]
    name = rule.columns[0]
    out[name] = pd.to_numeric(out[name], errors="coerce").clip(low, high)
    return out


def _repair_identity(out: pd.DataFrame, rule: Rule, bad: np.ndarray) -> pd.DataFrame:
    a, b = (pd.to_numeric(out[c], errors="coerce") for c in rule.columns[:2])
    out.loc[bad, rule.columns[2]] = (a * b if rule.params.get("op") == "*" else a + b)[bad]
    return out


def _repair_nulls(out: pd.DataFrame, rule: Rule, bad: np.ndarray) -> pd.DataFrame:
    a = out[rule.columns[0]]
    when = (
        (keys(a) == key(rule.params["value"])).to_numpy() if "value" in rule.params else a.isna().to_numpy()
    )
    out.loc[bad & when, rule.columns[1]] = None
    return out


def _repair_values(out: pd.DataFrame, rule: Rule, bad: np.ndarray) -> pd.DataFrame:
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
