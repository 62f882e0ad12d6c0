"""The schema: what each column is, inferred once from the real table and passed to every stage.

A :class:`Schema` records, per column, its *kind* (how models treat it), the pandas dtype of the
input (so outputs keep it), whether it has nulls, and whether it is a direct identifier that no
model may learn. It is plain data: JSON in, JSON out, overridable from a job file.
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

_KEY_NAME = re.compile(r"(^id$|_id$|^id_|_key$|^key$|uuid|guid)", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
MIXED_NUMERIC_SHARE = 0.9


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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the inverse of :meth:`from_dict`)."""
        return {
            "table": self.table,
            "columns": [{**asdict(c), "kind": c.kind.value} for c in self.columns],
            "dropped": list(self.dropped),
        }

    @classmethod
    def from_dict(cls, payload: Mapping[str, Any]) -> Schema:
        """Rebuild a schema written by :meth:`to_dict`."""
        columns = tuple(Column(**{**c, "kind": Kind(c["kind"])}) for c in payload["columns"])
        return cls(payload["table"], columns, tuple(payload.get("dropped", ())))

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
    kind = override.kind or _infer_kind(name, values, present, where)
    pii = override.pii
    if kind is Kind.ID and pii is None:
        pii = "key"
    if pii is None:
        from synth.privacy.identifiers import detect_pii

        pii = detect_pii(name, values)
    if pii == "none":
        pii = None
    if kind is not Kind.ID and pii is None and present.nunique() < 2 and not nullable:
        raise SchemaError(
            f"{where}column '{name}' has a single distinct value, so there is nothing to learn; "
            f"drop it (job 'drop:' or --drop)"
        )
    return Column(name, kind, str(values.dtype), nullable, pii)


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
        if whole and _KEY_NAME.search(name) and present.is_unique and len(present) == len(values):
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
            f"numbers (first at data row {present.index[first] + 1})"
        )
    if _KEY_NAME.search(name) and present.is_unique and len(present) == len(values):
        return Kind.ID
    return Kind.CATEGORICAL


def _type_names(types: set[type]) -> str:
    return ", ".join(sorted(t.__name__ for t in types))
