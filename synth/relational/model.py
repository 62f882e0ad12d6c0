"""The relational model: one table model per modelled table, learned parents first.

A root table's model draws its rows with their child counts; a child's model draws its rows
given the context parent's row (the VAE's per-row conditions), as many as the parent's count
says. Keys are fresh (``KEY_BASE + k``: no real key value reused) and every foreign key points
at a drawn row: the context key by construction, any other key by drawing parents in
proportion to their own learned counts. Reference tables are kept as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth.errors import ModelError
from synth.io.write import atomic_folder
from synth.keys import KEY_BASE
from synth.models import registry
from synth.relational.integrity import Checked
from synth.relational.keys import Keys
from synth.relational.layout import TableLayout, layouts, training_frame
from synth.sampling import sample_table
from synth.schema import ColumnOverride, Kind, infer_schema

LAYOUT_FILE = "relational.json"
SUPPORT_LEVELS = 48  # as EncodingConfig.max_exact: numbers with at most this many values are kept exact


@dataclass
class RelationalModel:
    """Table models by name, with the layouts and real sizes that sampling needs."""

    table_model: str = "vae"
    params: dict[str, Any] = field(default_factory=dict)
    keys: Keys | None = None
    models: dict[str, Any] = field(default_factory=dict)
    layout: dict[str, TableLayout] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    dtypes: dict[str, dict[str, str]] = field(default_factory=dict)
    constants: dict[str, dict[str, Any]] = field(default_factory=dict)
    reference: dict[str, pd.DataFrame] = field(default_factory=dict)
    support: dict[str, dict[str, list]] = field(default_factory=dict)

    def fit(self, checked: Checked, progress: Callable[[str], None] | None = None) -> RelationalModel:
        """Learn every modelled table, parents first (see the module docstring)."""
        database = checked.database
        self.keys = database.keys
        self.layout = layouts(database.keys, database.tables)
        self.reference = {name: database.tables[name] for name in database.keys.reference}
        for name, layout in self.layout.items():
            if progress:
                progress(name)
            table = database.tables[name]
            self.rows[name] = len(table)
            self.dtypes[name] = {c: str(t) for c, t in table.dtypes.items()}
            frame = training_frame(layout, database.tables, database.keys)
            self.constants[name] = {c: _scalar(frame[c].dropna().iloc[0]) for c in frame.columns
                                    if frame[c].nunique(dropna=False) == 1}  # fmt: skip
            frame = frame.drop(columns=list(self.constants[name]))
            self.support[name] = _support(frame, layout.context_columns)
            model = registry.build(self.table_model, **self._table_params(len(frame)))
            model.fit(frame, self._schema(name, frame))
            self.models[name] = model
        return self

    def _table_params(self, rows: int) -> dict[str, Any]:
        """The table model's parameters. A database holds many small tables, and the latent
        proposal's fit is a fixed cost per table (``proposal_steps`` batches of 1,024 draws),
        so unless the user set it, its steps scale with the table: one per 8 rows, 20 to 300.
        """
        if self.table_model != "vae" or "proposal_steps" in self.params:
            return dict(self.params)
        return {**self.params, "proposal_steps": int(min(300, max(20, rows // 8)))}

    def _schema(self, name: str, frame: pd.DataFrame):
        """Keys into reference tables are categories; no other column is an identifier here
        (the table's own keys were taken out before).
        """
        categories = set(_reference_keys(self, name))
        overrides = {c: ColumnOverride(kind=Kind.CATEGORICAL if c in categories else None, pii="none")
                     for c in frame.columns}  # fmt: skip
        return infer_schema(frame, table=name, overrides=overrides)

    def sample(self, scale: float = 1.0, seed: int = 0) -> dict[str, pd.DataFrame]:
        """Every table: reference tables as they are, modelled ones drawn with fresh keys."""
        if not self.models:
            raise ModelError("the relational model must be fitted (or loaded) before it samples")
        drawn: dict[str, pd.DataFrame] = {}
        rng = np.random.default_rng([seed, 7])
        for step, (name, layout) in enumerate(self.layout.items()):
            drawn[name] = self._draw(name, layout, drawn, scale, seed + step, rng)
        out = {name: frame.copy() for name, frame in self.reference.items()}
        for name, frame in drawn.items():
            columns = list(self.dtypes[name])
            out[name] = frame[columns].astype(self.dtypes[name], errors="ignore")
        return out

    def _draw(
        self, name: str, layout: TableLayout, drawn: dict, scale: float, seed: int, rng
    ) -> pd.DataFrame:
        keys = self.keys.tables[name]
        if layout.context is None:
            n = max(1, round(self.rows[name] * scale))
            frame = sample_table(self.models[name], n, seed=seed)
        else:
            parent = drawn[layout.context.parent]
            per_parent = _counts(parent, name, layout.context.column)
            n = int(per_parent.sum())
            if n == 0:
                return pd.DataFrame(columns=list(self.dtypes[name]))
            context = parent.loc[parent.index.repeat(per_parent)].reset_index(drop=True)
            modelled = {c.name for c in self.models[name].schema.modelled}
            given = [q for q in layout.context_columns if q in modelled]
            conditions = pd.DataFrame({q: context[q.split(".", 1)[1]].to_numpy() for q in given})
            conditions = _within_support(conditions, self.support.get(name, {}), rng)
            given = conditions if len(conditions.columns) else None
            frame = sample_table(self.models[name], n, seed=seed, conditions=given)
            frame[layout.context.column] = context[
                self.keys.tables[layout.context.parent].primary_key
            ].to_numpy()
        for column, value in self.constants[name].items():
            frame[column] = value
        for link in layout.links:
            parent = drawn[link.parent]
            weights = _counts(parent, name, link.column).to_numpy(dtype=float) + 1e-9
            chosen = rng.choice(len(parent), size=len(frame), p=weights / weights.sum())
            frame[link.column] = parent[self.keys.tables[link.parent].primary_key].to_numpy()[chosen]
        if keys.primary_key:
            frame[keys.primary_key] = _fresh(len(frame), self.dtypes[name][keys.primary_key], rng)
        return frame.reset_index(drop=True)

    def save(self, directory: Path) -> Path:
        """Each table model in its own signed folder, the layout as JSON, reference tables as
        Parquet; nothing that runs code when loaded.
        """
        with atomic_folder(Path(directory)) as staging:
            for name, model in self.models.items():
                registry.save(model, staging / "tables" / name)
            for name, frame in self.reference.items():
                frame.to_parquet(staging / f"reference-{name}.parquet", index=False)
            header = {"table_model": self.table_model, "params": self.params, "rows": self.rows,
                      "keys": self.keys.model_dump(mode="json"), "dtypes": self.dtypes,
                      "constants": self.constants, "support": self.support}  # fmt: skip
            (staging / LAYOUT_FILE).write_text(json.dumps(header, indent=2, default=str))
        return Path(directory)

    @classmethod
    def load(cls, directory: Path) -> RelationalModel:
        """A model written by :meth:`save`; every table model's signature is checked."""
        directory = Path(directory)
        if not (directory / LAYOUT_FILE).is_file():
            raise ModelError(f"{directory}: not a saved relational model (no {LAYOUT_FILE})")
        header = json.loads((directory / LAYOUT_FILE).read_text())
        keys = Keys.model_validate(header["keys"])
        fields = {k: header[k] for k in ("rows", "dtypes", "constants", "support")}
        model = cls(header["table_model"], header["params"], keys, **fields)
        model.reference = {
            name: pd.read_parquet(directory / f"reference-{name}.parquet") for name in keys.reference
        }
        tables = {**model.reference, **{n: pd.DataFrame(columns=list(d)) for n, d in model.dtypes.items()}}
        model.layout = layouts(keys, tables)
        model.models = {name: registry.load(directory / "tables" / name) for name in model.layout}
        return model


def _reference_keys(model: RelationalModel, name: str) -> list[str]:
    table_keys = model.keys.tables.get(name)
    return [
        fk.column
        for fk in (table_keys.foreign_keys if table_keys else ())
        if fk.parent in model.keys.reference
    ]


def _counts(parent: pd.DataFrame, child: str, column: str) -> pd.Series:
    counts = pd.to_numeric(parent[f"__n_{child}__{column}"], errors="coerce").fillna(0)
    return counts.round().clip(lower=0).astype("int64")


def _fresh(n: int, dtype: str, rng: np.random.Generator) -> np.ndarray:
    codes = rng.permutation(n).astype(np.int64)
    if dtype.startswith(("int", "uint", "Int", "float")):
        return KEY_BASE + codes
    return np.array([f"SYN-{c:012d}" for c in codes], dtype=object)


def _scalar(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _support(frame: pd.DataFrame, context_columns: list[str]) -> dict[str, list]:
    """The values each context column took in training, where a child model only knows those:
    every category, and numbers or dates with few distinct values (datetimes as ns integers).
    Numbers with many values are binned by the table model, so any value is understood.
    """
    support = {}
    for c in context_columns:
        if c not in frame.columns:
            continue
        values = frame[c].dropna()
        if pd.api.types.is_datetime64_any_dtype(values):
            values = values.astype("datetime64[ns]").astype("int64")
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if not numeric or values.nunique() <= SUPPORT_LEVELS:
            support[c] = sorted(values.unique().tolist(), key=None if numeric else str)
    return support


def _within_support(
    conditions: pd.DataFrame, support: dict[str, list], rng: np.random.Generator
) -> pd.DataFrame:
    """A drawn parent's value that no real child's parent had is replaced: by the nearest seen
    value for numbers and dates, by a seen value drawn at random otherwise. A child model can
    only be conditioned on what it learned from.
    """
    out = conditions.copy()
    for column, seen in support.items():
        if column not in out.columns or not seen:
            continue
        values = out[column]
        dates = pd.api.types.is_datetime64_any_dtype(values)
        plain = values.astype("datetime64[ns]").astype("int64") if dates else values
        unseen = values.notna() & ~plain.isin(seen)
        if not unseen.any():
            continue
        if dates or (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)):
            grid = np.asarray(seen, dtype=float)
            x = plain[unseen].to_numpy(dtype=float)
            nearest = grid[np.abs(x[:, None] - grid[None, :]).argmin(axis=1)]
            replaced = pd.to_datetime(nearest.astype("int64")) if dates else nearest.astype(values.dtype)
            out.loc[unseen, column] = replaced
        else:
            out.loc[unseen, column] = rng.choice(np.asarray(seen, dtype=object), size=int(unseen.sum()))
    return out
