"""Which rows break which rule: one boolean vector per rule, vectorised.

Values the rule cannot judge are not counted as breaks: the privacy gate's ``<rare>`` token, a
missing value in an order or identity. A determinant value the training rows never had is a
break: its dependent value has no source (a district that does not exist).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from synth.schema import Rule

RARE = "<rare>"
_NULL = "\x00null"


def broken(frame: pd.DataFrame, rule: Rule, *, real: bool = False) -> np.ndarray:
    """True for each row of ``frame`` that breaks ``rule``. ``real`` judges real rows: there a
    determinant value the training rows never had (a district the sample missed) is not judged.
    """
    if any(c not in frame.columns for c in rule.columns):
        return np.zeros(len(frame), dtype=bool)
    out = _CHECKS[rule.kind](frame, rule)
    if real and rule.kind == "depends":
        known = {key(a) for a, _, _ in rule.params["map"]}
        out &= keys(frame[rule.columns[0]]).isin(known).to_numpy()
    return out


def violations(frame: pd.DataFrame, rules: Iterable[Rule], *, real: bool = False) -> dict[str, int]:
    """Rule name -> number of rows that break it (every rule listed, zeros included)."""
    return {rule.name: int(broken(frame, rule, real=real).sum()) for rule in rules}


def holds_share(frame: pd.DataFrame, rules: Iterable[Rule], *, real: bool = True) -> float:
    """Share of rows that break no rule (1.0 for an empty frame); real rows by default."""
    rows = np.zeros(len(frame), dtype=bool)
    for rule in rules:
        rows |= broken(frame, rule, real=real)
    return float(1 - rows.mean()) if len(frame) else 1.0


def keys(values: pd.Series) -> pd.Series:
    """Values as hashable keys, missing values as one sentinel (maps and combinations)."""
    out = values.astype(object).where(values.notna(), _NULL)
    if values.dtype != object or pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return out  # Python scalars already: no per-value call
    return out.map(_scalar)


def factorized(values: pd.Series) -> tuple[np.ndarray, list]:
    """Each row's code and the distinct values as :func:`keys` would give them, missing last:
    code -1 (the last slot) is a missing value. The raw values are factorised, with no per-row
    copy into keys, so a rule looks up each distinct value once.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, [_scalar(u) for u in uniques] + [_NULL]


def map_keys(values: pd.Series, mapping: dict, default) -> np.ndarray:
    """``mapping`` applied to :func:`keys` of ``values`` (``default`` for a key it lacks), as an
    object array: one dictionary lookup per distinct value, not per row.
    """
    codes, distinct = factorized(values)
    table = np.empty(len(distinct), dtype=object)
    table[:] = [mapping.get(value, default) for value in distinct]
    return table[codes]


def _scalar(value):
    return value.item() if isinstance(value, np.generic) else value


def key(value):
    """One stored value (JSON: ``None`` for missing) as a key comparable with :func:`keys`."""
    return _NULL if value is None else value


def _unknown(*columns: pd.Series) -> np.ndarray:
    rare = np.zeros(len(columns[0]), dtype=bool)
    for values in columns:
        if values.dtype == object or isinstance(values.dtype, pd.CategoricalDtype):
            rare |= (values.astype(object) == RARE).to_numpy()
    return rare


def _depends(frame: pd.DataFrame, rule: Rule) -> np.ndarray:
    a, b = (frame[c] for c in rule.columns)
    mapping = {key(x): key(y) for x, y, _ in rule.params["map"]}
    expected = map_keys(a, mapping, _MISSING)
    return ~_unknown(a, b) & (keys(b).to_numpy() != expected)


_MISSING = "\x00unknown"


def _combination(frame: pd.DataFrame, rule: Rule) -> np.ndarray:
    """Rows holding a forbidden pair. Each column's keys are factorised once, so a pair is two
    integer comparisons, not two passes of Python equality over the column's objects.
    """
    coded = {}
    for column in rule.columns:
        codes, distinct = factorized(frame[column])
        coded[column] = codes, {value: i for i, value in enumerate(distinct[:-1])} | {_NULL: -1}
    out = np.zeros(len(frame), dtype=bool)
    for a, b, va, vb, _ in rule.params["forbidden"]:
        (codes_a, index_a), (codes_b, index_b) = coded[a], coded[b]
        code_a, code_b = index_a.get(key(va)), index_b.get(key(vb))
        if code_a is not None and code_b is not None:
            out |= (codes_a == code_a) & (codes_b == code_b)
    return out


def _number(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return ((values - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy(float, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(float, na_value=np.nan)


def _order(frame: pd.DataFrame, rule: Rule) -> np.ndarray:
    low, high = (_number(frame[c]) for c in rule.columns)
    with np.errstate(invalid="ignore"):
        return low > high


def _identity(frame: pd.DataFrame, rule: Rule) -> np.ndarray:
    a, b, c = (_number(frame[name]) for name in rule.columns)
    value = a * b if rule.params.get("op", "*") == "*" else a + b
    tolerance = float(rule.params.get("within", 0.0)) + 1e-9 * np.abs(c)
    with np.errstate(invalid="ignore"):
        return np.abs(value - c) > tolerance


def _nulls(frame: pd.DataFrame, rule: Rule) -> np.ndarray:
    a, b = (frame[c] for c in rule.columns)
    if "value" in rule.params:
        when = (keys(a) == key(rule.params["value"])).to_numpy()
        unknown = _unknown(a)
    else:
        when, unknown = a.isna().to_numpy(), np.zeros(len(a), dtype=bool)
    return ~unknown & (when != b.isna().to_numpy())


def _integer(frame: pd.DataFrame, rule: Rule) -> np.ndarray:
    values = _number(frame[rule.columns[0]])
    with np.errstate(invalid="ignore"):  # an infinite value's fraction is NaN: broken
        return ~np.isnan(values) & (values - np.floor(values) != 0)


def _values(frame: pd.DataFrame, rule: Rule) -> np.ndarray:
    values = frame[rule.columns[0]]
    allowed = {key(v) for v in rule.params["values"]}
    return values.notna().to_numpy() & ~keys(values).isin(allowed).to_numpy()


def _range(frame: pd.DataFrame, rule: Rule) -> np.ndarray:
    values = _number(frame[rule.columns[0]])
    low, high = (np.nan if bound is None else bound for bound in rule.params["bounds"])
    with np.errstate(invalid="ignore"):
        return (values < low) | (values > high)


_CHECKS = {
    "depends": _depends,
    "combination": _combination,
    "order": _order,
    "identity": _identity,
    "nulls": _nulls,
    "values": _values,
    "integer": _integer,
    "range": _range,
}
