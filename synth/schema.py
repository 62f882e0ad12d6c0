"""The schema: what each column is, inferred once from the real table and passed to every stage.

A :class:`Schema` records, per column, its *kind* (how models treat it), the pandas dtype of the
input (so outputs keep it), whether it has nulls, and whether it is a direct identifier that no
model may learn; and the table's rules (:class:`Rule`, mined by :mod:`synth.rules`). It is plain
data: JSON in, JSON out, overridable from a job file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from synth.errors import JobError, SchemaError

MIN_ID_ROWS = 20  # value-based key detection needs at least this many rows
UNIQUE_TEXT_SHARE = 0.95  # text columns this unique are identifiers: nothing to learn, all to leak
_KEY_NAME = re.compile(r"(^id$|_id$|^id_|_key$|^key$|uuid|guid)", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
MIXED_NUMERIC_SHARE = 0.5  # text columns with this share of numbers or more are refused as mixed


@dataclass(frozen=True)
class Rule:
    """A rule of the real table: deterministic structure every published row must keep.

    Rules are plain data stored with the schema (``model.json`` holds them whole; manifests and
    reports list them by name, kind and figures, never with values). Kinds:

    =============  ================================  ==============================================
    kind           columns                           meaning
    =============  ================================  ==============================================
    depends        (A, B)                            B is a function of A (a map in ``params``)
    combination    (A, B, ...)                       only the observed combinations of these
                                                     categorical columns occur (forbidden cells
                                                     in ``params``: pairs independence expects)
    order          (low, high)                       low <= high on every row where both are set
    identity       (A, B, C)                         A op B = C within rounding (op: ``*`` or ``+``)
    nulls          (A, B)                            B is missing exactly when A is missing
                                                     (``params.value``: or when A equals it)
    values         (A,)                              one of a few numbers (``params.values``)
    integer        (A,)                              whole numbers only
    range          (A,)                              within the widened observed bounds
    =============  ================================  ==============================================

    ``tolerance`` is the real share of training rows that break a near-rule (Adult's one
    ``Husband``/``Female`` row): synthetic rows are held to zero, the report states the real rate.

    ``name`` is what job files and reports call it.
    """

    kind: str
    columns: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    tolerance: float = 0.0
    origin: str = "mined"

    @property
    def name(self) -> str:
        """``depends: education -> education-num``, ``order: account_date <= loan_date``, …."""
        c = self.columns
        if self.kind == "depends":
            return f"depends: {c[0]} -> {c[1]}"
        if self.kind == "order":
            return f"order: {c[0]} <= {c[1]}"
        if self.kind == "identity":
            return f"identity: {c[0]} {self.params.get('op', '*')} {c[1]} = {c[2]}"
        if self.kind == "nulls":
            when = f" or {c[0]} is one value" if "value" in self.params else ""
            return f"nulls: {c[1]} missing exactly when {c[0]} is{when}"
        return f"{self.kind}: {', '.join(c)}"

    def summary(self) -> dict[str, Any]:
        """What manifests and reports show: no values of the real data."""
        return {
            "name": self.name,
            "kind": self.kind,
            "columns": list(self.columns),
            "real_exception_rate": self.tolerance,
            "origin": self.origin,
        }

    def to_dict(self) -> dict[str, Any]:
        """Whole (``model.json``): the map of a dependency, the combinations, …."""
        return {**self.summary(), "params": self.params}

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> Rule:
        """Inverse of :meth:`to_dict`."""
        return cls(
            payload["kind"],
            tuple(payload["columns"]),
            dict(payload.get("params") or {}),
            float(payload.get("real_exception_rate", 0.0)),
            payload.get("origin", "mined"),
        )


class Kind(StrEnum):
    """How a column is modelled."""

    NUMERIC = "numeric"
    INTEGER = "integer"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    ID = "id"


@dataclass(frozen=True)
class Column:
    """One column: its kind, the input's dtype, nullability and identifier status.

    ``pii`` names the kind of direct identifier (``"key"``, ``"email"``, …) for columns that are
    never learned by a model and are regenerated instead; ``None`` for ordinary columns.
    """

    name: str
    kind: Kind
    dtype: str
    nullable: bool = False
    pii: str | None = None
    bounds: tuple[float, float] | None = None  # numeric: the observed range widened and rounded out

    @property
    def modelled(self) -> bool:
        """True when models learn this column (identifiers are regenerated, not learned)."""
        return self.pii is None and self.kind is not Kind.ID


@dataclass(frozen=True)
class Schema:
    """The columns of one table, in input order."""

    table: str
    columns: tuple[Column, ...]
    dropped: tuple[str, ...] = field(default_factory=tuple)
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        """All column names, in input order."""
        return [c.name for c in self.columns]

    @property
    def modelled(self) -> list[Column]:
        """The columns a model learns."""
        return [c for c in self.columns if c.modelled]

    def __getitem__(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    def to_dict(self, *, values: bool = True) -> dict[str, Any]:
        """A JSON-ready dict (the inverse of :meth:`from_dict`). ``values=False`` lists the rules
        without their maps and combinations (manifests, reports: no values of the real data).
        """
        return {
            "table": self.table,
            "columns": [
                {**asdict(c), "kind": c.kind.value, "bounds": list(c.bounds) if c.bounds else None}
                for c in self.columns
            ],
            "dropped": list(self.dropped),
            "rules": [r.to_dict() if values else r.summary() for r in self.rules],
        }

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> Schema:
        """Rebuild a schema written by :meth:`to_dict`."""
        columns = tuple(
            Column(
                **{**c, "kind": Kind(c["kind"]), "bounds": tuple(c["bounds"]) if c.get("bounds") else None}
            )
            for c in payload["columns"]
        )
        rules = tuple(Rule.from_dict(r) for r in payload.get("rules", ()) if "params" in r)
        return cls(payload["table"], columns, tuple(payload.get("dropped", ())), rules)

    def conform(self, frame: pd.DataFrame, *, modelled_only: bool = False) -> pd.DataFrame:
        """Return ``frame`` with the input's column order and dtypes (datetimes stay datetimes)."""
        out = {}
        for column in self.modelled if modelled_only else self.columns:
            values = frame[column.name]
            try:
                out[column.name] = values.astype(column.dtype)
            except (TypeError, ValueError):
                out[column.name] = values
        return pd.DataFrame(out, index=range(len(frame)))


@dataclass(frozen=True)
class ColumnOverride:
    """What a job file may say about one column."""

    kind: Kind | None = None
    pii: str | None = None  # an identifier kind; "none" turns detection off for the column


def infer_schema(
    frame: pd.DataFrame,
    *,
    table: str = "table",
    overrides: Mapping[str, ColumnOverride] | None = None,
    drop: list[str] | tuple[str, ...] = (),
    source: str | None = None,
) -> Schema:
    """Infer the schema of a real table, applying a job's overrides.

    Raises :class:`SchemaError` for a column that cannot be modelled (entirely null, a single
    distinct value, numbers mixed with text) and :class:`JobError` for an override or drop that
    names a column the table does not have. Messages name the column, never its values.
    """
    where = f"{source}: " if source else ""
    overrides = dict(overrides or {})
    for name in [*overrides, *drop]:
        if name not in frame.columns:
            raise JobError(f"{where}column '{name}' named in the job is not in the input")
    columns = []
    for name in frame.columns:
        if name in drop:
            continue
        override = overrides.get(name, ColumnOverride())
        column = _infer_column(str(name), frame[name], override, where)
        columns.append(column)
    if not columns:
        raise SchemaError(f"{where}no columns left to model")
    return Schema(table, tuple(columns), tuple(drop))


def _infer_column(name: str, values: pd.Series, override: ColumnOverride, where: str) -> Column:
    present = values.dropna()
    if present.empty:
        raise SchemaError(f"{where}column '{name}' is entirely null; drop it (job 'drop:' or --drop)")
    nullable = bool(values.isna().any())
    _refuse_infinities(name, present, where)
    if override.kind is not None:
        _check_override(name, values, present, override.kind, where)
    kind = override.kind or _infer_kind(name, values, present, where)
    pii = override.pii
    if pii is None:
        from synth.keys import detect_pii

        pii = detect_pii(name, values)
    if kind is Kind.ID and pii is None:
        pii = "key"
    if pii == "none":
        pii = None
    if kind is not Kind.ID and pii is None and present.nunique() < 2 and not nullable:
        raise SchemaError(
            f"{where}column '{name}' has a single distinct value, so there is nothing to learn; "
            f"drop it (job 'drop:' or --drop)"
        )
    bounds = widened_bounds(present) if kind in (Kind.NUMERIC, Kind.INTEGER) and pii is None else None
    return Column(name, kind, str(values.dtype), nullable, pii, bounds)


BOUND_WIDEN = 0.1  # the observed span widened by 10 % on each side, then rounded out


def widened_bounds(present: pd.Series) -> tuple[float, float]:
    """Bounds around the observed range that reveal neither extreme: the span widened by
    :data:`BOUND_WIDEN` each side, rounded outward to one significant digit of the span
    (a non-negative column stays non-negative). Published in schemas and suites.
    """
    low, high = float(present.min()), float(present.max())
    span = high - low or max(abs(high), 1.0)
    step = 10 ** np.floor(np.log10(span))
    lo = np.floor((low - BOUND_WIDEN * span) / step) * step
    hi = np.ceil((high + BOUND_WIDEN * span) / step) * step
    if low >= 0:
        lo = max(lo, 0.0)
    return (int(lo), int(hi)) if step >= 1 else (float(lo), float(hi))


def check_finite(frame: pd.DataFrame, schema: Schema, where: str = "") -> None:
    """Refuse ``inf``/``-inf`` in the numeric columns of a table read to compare with ``schema``."""
    for column in schema.modelled:
        if column.name in frame.columns and column.kind in (Kind.NUMERIC, Kind.INTEGER):
            _refuse_infinities(column.name, frame[column.name].dropna(), where)


def _refuse_infinities(name: str, present: pd.Series, where: str) -> None:
    if pd.api.types.is_float_dtype(present.dtype):
        infinite = int(np.isinf(present.to_numpy()).sum())
        if infinite:
            raise SchemaError(
                f"{where}column '{name}' has {infinite} infinite values (inf or -inf); "
                "replace them (e.g. by missing) or drop the column"
            )


def _check_override(name: str, values: pd.Series, present: pd.Series, kind: Kind, where: str) -> None:
    """A kind set in a job must fit the values; say so here rather than deep in a model."""
    asked = f"{where}column '{name}' is set to kind {kind.value} in the job, but"
    if kind in (Kind.NUMERIC, Kind.INTEGER) and not pd.api.types.is_numeric_dtype(values.dtype):
        bad = int((~present.astype(str).str.match(_NUMBER)).sum())
        raise SchemaError(
            f"{asked} {bad} of {len(present)} values are not numbers"
            if bad
            else f"{asked} it was read as text; write its numbers without quotes"
        )
    if kind is Kind.DATETIME and not pd.api.types.is_datetime64_any_dtype(values.dtype):
        raise SchemaError(
            f"{asked} its values were not read as dates (ISO 8601 or day/month/year; see input.date_format)"
        )
    if kind is Kind.BOOLEAN and present.nunique() > 2:
        raise SchemaError(f"{asked} it has {present.nunique()} distinct values")


def _infer_kind(name: str, values: pd.Series, present: pd.Series, where: str) -> Kind:
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return Kind.BOOLEAN
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return Kind.DATETIME
    if pd.api.types.is_numeric_dtype(dtype):
        whole = pd.api.types.is_integer_dtype(dtype) or bool(
            np.all(np.mod(present.to_numpy(dtype=float), 1) == 0)
        )
        if whole and present.is_unique and len(present) == len(values):
            if _KEY_NAME.search(name) or _looks_like_surrogate_key(present):
                return Kind.ID
        return Kind.INTEGER if whole else Kind.NUMERIC
    types = {type(v) for v in present}
    if types <= {bool, np.bool_}:
        return Kind.BOOLEAN
    if len(types - {str}) and str in types:
        raise SchemaError(f"{where}column '{name}' mixes text with {_type_names(types - {str})}")
    text = present.astype(str)
    numeric = text.str.match(_NUMBER)
    share = float(numeric.mean())
    if MIXED_NUMERIC_SHARE <= share < 1:
        bad = int((~numeric).sum())
        first = int(np.flatnonzero(~numeric.to_numpy())[0])
        raise SchemaError(
            f"{where}column '{name}' mixes numbers and text: {bad} of {len(text)} values are not "
            f"numbers (first at data row {present.index[first] + 1}); fix them, or set "
            f"schema.columns.{name}.kind: categorical to keep the column as text"
        )
    if _KEY_NAME.search(name) and present.is_unique and len(present) == len(values):
        return Kind.ID
    if len(present) >= MIN_ID_ROWS and present.nunique() >= UNIQUE_TEXT_SHARE * len(present):
        return Kind.ID  # codes whose name does not say so (customer_code, ref): never learned
    return Kind.CATEGORICAL


def _looks_like_surrogate_key(present: pd.Series) -> bool:
    """Unique whole numbers that read as generated keys: dense (range within twice the row
    count) or increasing in row order. A unique measure (an amount) is neither, as a rule.
    """
    if len(present) < MIN_ID_ROWS:
        return False
    numbers = present.to_numpy(dtype=float)
    dense = numbers.max() - numbers.min() + 1 <= 2 * len(numbers)
    return bool(dense or np.all(np.diff(numbers) > 0))


def _type_names(types: set[type]) -> str:
    return ", ".join(sorted(t.__name__ for t in types))
