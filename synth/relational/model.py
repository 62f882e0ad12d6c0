"""The relational model: one table model per modelled table, learned parents first.

A root table's model draws its rows with their child counts; a child's model draws its rows
given the context parent's row (the VAE's per-row conditions), as many as the parent's count
says. Keys are fresh (``KEY_BASE + k``: no real key value reused) and every foreign key points
at a drawn row: the context key by construction, any other key by drawing parents in
proportion to their own learned counts. Reference tables are kept as they are. A table whose
rows are each parent's ordered history is drawn a history at a time by the sequence model
(``synth.relational.histories``). Each table's model learns from its own training frame, so the
tables can be fitted side by side (``synth.relational.parallel``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth.errors import ModelError
from synth.io.write import atomic_folder
from synth.keys import KEY_BASE
from synth.models import registry
from synth.relational.histories import HistoryModel
from synth.relational.integrity import Checked
from synth.relational.keys import Keys
from synth.relational.layout import TableLayout, count_column, history_time, layouts, training_frame
from synth.relational.parallel import fit_all
from synth.relational.support import seen_values, within_support
from synth.rules.select import rules_for
from synth.sampling import sample_table
from synth.schema import ColumnOverride, Kind, Schema, infer_schema

LAYOUT_FILE = "relational.json"
STEP_BUDGET = 600  # optimiser steps a table model gets unless the user sets its epochs
PROPOSAL_MAX = 150  # latent-proposal steps a child table gets at most (one per 16 rows)


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
    rules: bool = True
    windows: dict[str, dict[str, str]] = field(default_factory=dict)
    histories: dict[str, str] = field(default_factory=dict)  # history table -> its time column

    def fit(
        self, checked: Checked, progress: Callable[[str], None] | None = None, *, parallel: bool = False
    ) -> RelationalModel:
        """Learn every modelled table; see the module docstring. With ``parallel``, side by side
        in worker processes where the machine has cores to spare (``synth.relational.parallel``):
        the CLI, the flows and the bench ask for it; a script that does must guard its entry
        point (``if __name__ == "__main__":``), as spawned workers import it.
        """
        database = checked.database
        self.keys = database.keys
        self.layout = layouts(database.keys, database.tables)
        self.reference = {name: database.tables[name] for name in database.keys.reference}
        tasks, sizes = {}, {}
        for name, layout in self.layout.items():
            table = database.tables[name]
            self.rows[name] = len(table)
            self.dtypes[name] = {c: str(t) for c, t in table.dtypes.items()}
            frame = training_frame(layout, database.tables, database.keys)
            self.constants[name] = {c: _scalar(frame[c].dropna().iloc[0]) for c in frame.columns
                                    if frame[c].nunique(dropna=False) == 1}  # fmt: skip
            frame = frame.drop(columns=list(self.constants[name]))
            self.support[name] = seen_values(frame, layout.context_columns, set(_reference_keys(self, name)))
            self.windows[name] = _window(frame, layout) if layout.context else {}
            time = history_time(name, layout, database.keys, table) if self.table_model == "vae" else None
            if time is not None:
                self.histories[name] = time
                tasks[name] = self._history_task(name, time, frame, database.tables)
            else:
                model = registry.build(self.table_model, **self._table_params(len(frame)))
                tasks[name] = partial(_fitted, model, frame, self._schema(name, frame))
            sizes[name] = len(frame)
        self.models = fit_all(tasks, sizes, progress, parallel)
        return self

    def _history_task(
        self, name: str, time: str, frame: pd.DataFrame, tables: dict
    ) -> Callable[[], HistoryModel]:
        """The fit of a history table's sequence model (``synth.relational.histories``)."""
        layout = self.layout[name]
        own = [c for c in layout.attributes if c not in self.constants[name]]
        history = HistoryModel(name, time, replace(layout, attributes=own), self._schema(name, frame))
        parent = layout.context.parent
        parent_key = self.keys.tables[parent].primary_key
        overrides = _category_overrides(self, name)
        return partial(history.fit, tables[name], tables[parent], parent_key, self.params, overrides)

    def _table_params(self, rows: int) -> dict[str, Any]:
        """The table model's parameters, sized to each table unless the user set them.

        A database holds tables of a few dozen rows beside tables of tens of thousands:

        - ``batch_size``: one 32nd of the table, 64 to 1,024. With 1,024-row batches a 500-row
          table gets one step an epoch, 40 in all, and learns little of how its columns go
          together; 64-row batches give it seven steps an epoch;
        - ``epochs``: as many as give :data:`STEP_BUDGET` steps, 10 to 40: the largest table
          (49,102 transactions, 48 steps an epoch) stops at 13;
        - ``proposal_steps``: the latent proposal's fit is a fixed cost per table, paid at the
          first conditional draw, so its steps scale with the table: one per 16 rows, 20 to 150.
        """
        if self.table_model != "vae":
            return dict(self.params)
        batch = int(self.params.get("batch_size", min(1024, max(64, rows // 32))))
        steps = max(1, rows // batch)
        sized = {"batch_size": batch, "epochs": int(min(40, max(10, -(-STEP_BUDGET // steps)))),
                 "proposal_steps": int(min(PROPOSAL_MAX, max(20, rows // 16)))}  # fmt: skip
        return {**sized, **self.params}

    def _schema(self, name: str, frame: pd.DataFrame):
        """Keys into reference tables are categories; the other columns are inferred as in a
        single table, so a national id or a counterparty's account number is regenerated, never
        learned (the table's own keys were taken out before). The rules are mined on the whole training
        frame, so a rule between a row and its parent's columns (a loan's date after its
        account's opening date) is kept by the child's model like any rule within a table; a rule
        among the parent's columns alone is the parent's to keep, and is left out.
        """
        schema = infer_schema(frame, table=name, overrides=_category_overrides(self, name))
        if not self.rules:
            return schema
        ruled = rules_for(frame, schema, where=f"table '{name}'")
        own = set(frame.columns) - set(self.layout[name].context_columns)
        return replace(ruled, rules=tuple(r for r in ruled.rules if own & set(r.columns)))

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
            frame = sample_table(self.models[name], max(1, round(self.rows[name] * scale)), seed=seed)
        else:
            parent = drawn[layout.context.parent]
            per_parent = _counts(parent, name, layout.context.column)
            if int(per_parent.sum()) == 0:
                return pd.DataFrame(columns=list(self.dtypes[name]))
            if name in self.histories:
                parent_key = self.keys.tables[layout.context.parent].primary_key
                frame = self.models[name].sample(parent, parent_key, per_parent.to_numpy(),
                                                 self.support.get(name, {}), seed, rng)  # fmt: skip
            else:
                frame = self._children(name, layout, parent, per_parent, seed, rng)
            frame = _within_window(frame, self.windows.get(name, {}))
        for column, value in self.constants[name].items():
            frame[column] = value
        for link in layout.links:
            if self._one_to_one(name, link):
                drawn[link.parent] = self._resized(link.parent, len(frame), drawn[link.parent], seed, rng)
            parent = drawn[link.parent]
            keys_of = parent[self.keys.tables[link.parent].primary_key].to_numpy()
            frame[link.column] = _assign(
                keys_of, _counts(parent, name, link.column).to_numpy(), len(frame), rng
            )
        if keys.primary_key:
            frame[keys.primary_key] = _fresh(len(frame), self.dtypes[name][keys.primary_key], rng)
        return frame.reset_index(drop=True)

    def _children(
        self, name: str, layout: TableLayout, parent: pd.DataFrame, per_parent: pd.Series, seed: int, rng
    ) -> pd.DataFrame:
        """A child table's rows drawn one by one given their parent's row, ``per_parent`` each."""
        context = parent.loc[parent.index.repeat(per_parent)].reset_index(drop=True)
        modelled = {c.name for c in self.models[name].schema.modelled}
        given = [q for q in layout.context_columns if q in modelled]
        parents = pd.DataFrame({q: context[q.split(".", 1)[1]].to_numpy() for q in given})
        conditions = within_support(parents, self.support.get(name, {}), rng)
        frame = sample_table(self.models[name], len(context), seed=seed,
                             conditions=conditions if len(conditions.columns) else None)  # fmt: skip
        _shift_orders(frame, self.models[name].schema.rules, parents, conditions)
        frame[layout.context.column] = context[self.keys.tables[layout.context.parent].primary_key].to_numpy()
        return frame

    def _one_to_one(self, name: str, link) -> bool:
        """Whether every real row of the link's parent has exactly one ``name`` row and nothing
        else beneath it, and is drawn on its own (a client and its one disposition).
        """
        count = count_column(name, link)
        only = [child for child, _ in self.keys.children(link.parent) if child in self.layout] == [name]
        root = self.layout[link.parent].context is None
        return only and root and self.constants[link.parent].get(count) == 1

    def _resized(self, name: str, n: int, frame: pd.DataFrame, seed: int, rng) -> pd.DataFrame:
        """``frame`` (a one-to-one parent) cut or grown to ``n`` rows, so that each drawn child
        gets a parent of its own and no parent is left without its child.
        """
        primary = self.keys.tables[name].primary_key
        frame = frame.drop(columns=[primary])
        if len(frame) > n:
            frame = frame.iloc[np.sort(rng.choice(len(frame), n, replace=False))]
        elif len(frame) < n:
            extra = sample_table(self.models[name], n - len(frame), seed=seed + 1_000)
            for column, value in self.constants[name].items():
                extra[column] = value
            frame = pd.concat([frame, extra[frame.columns]], ignore_index=True)
        frame = frame.reset_index(drop=True)
        frame[primary] = _fresh(len(frame), self.dtypes[name][primary], rng)
        return frame

    def save(self, directory: Path) -> Path:
        """Each table model in its own signed folder, the layout as JSON, reference tables as
        Parquet; nothing that runs code when loaded.
        """
        with atomic_folder(Path(directory)) as staging:
            for name, model in self.models.items():
                if name in self.histories:
                    model.save(staging / "tables" / name)
                else:
                    registry.save(model, staging / "tables" / name)
            for name, frame in self.reference.items():
                frame.to_parquet(staging / f"reference-{name}.parquet", index=False)
            header = {"table_model": self.table_model, "params": self.params, "rows": self.rows,
                      "keys": self.keys.model_dump(mode="json"), "dtypes": self.dtypes,
                      "constants": self.constants, "support": self.support, "rules": self.rules,
                      "windows": self.windows, "histories": self.histories}  # fmt: skip
            header["history_schemas"] = {n: self.models[n].schema.to_dict() for n in self.histories}
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
        fields = {k: header[k] for k in ("rows", "dtypes", "constants", "support", "windows")}
        fields |= {"rules": header.get("rules", True), "histories": header.get("histories", {})}
        model = cls(header["table_model"], header["params"], keys, **fields)
        model.reference = {
            name: pd.read_parquet(directory / f"reference-{name}.parquet") for name in keys.reference
        }
        tables = {**model.reference, **{n: pd.DataFrame(columns=list(d)) for n, d in model.dtypes.items()}}
        model.layout = layouts(keys, tables)
        model.models = {name: registry.load(directory / "tables" / name)
                        for name in model.layout if name not in model.histories}  # fmt: skip
        for name, time in model.histories.items():
            layout = model.layout[name]
            own = [c for c in layout.attributes if c not in model.constants[name]]
            schema = Schema.from_dict(header["history_schemas"][name])
            history = HistoryModel(name, time, replace(layout, attributes=own), schema)
            model.models[name] = history.load(directory / "tables" / name)
        return model


def _fitted(model, frame: pd.DataFrame, schema):
    """``model`` fitted on ``frame`` (a worker's task: a top-level function pickles)."""
    model.fit(frame, schema)
    return model


def _category_overrides(model: RelationalModel, name: str) -> dict[str, ColumnOverride]:
    """Keys into reference tables, learned as categories (never as numbers or identifiers)."""
    return {c: ColumnOverride(kind=Kind.CATEGORICAL, pii="none") for c in _reference_keys(model, name)}


def _reference_keys(model: RelationalModel, name: str) -> list[str]:
    """The columns of ``name``'s training frame that are keys into reference tables: its own,
    and its context parent's (``account.district_id`` in a loan's frame).
    """

    def lookups(table: str) -> list[str]:
        table_keys = model.keys.tables.get(table)
        foreign = table_keys.foreign_keys if table_keys else ()
        return [fk.column for fk in foreign if fk.parent in model.keys.reference]

    context = model.layout[name].context
    inherited = [f"{context.parent}.{c}" for c in lookups(context.parent)] if context else []
    return lookups(name) + [c for c in inherited if c in model.layout[name].context_columns]


def _counts(parent: pd.DataFrame, child: str, column: str) -> pd.Series:
    counts = pd.to_numeric(parent[f"__n_{child}__{column}"], errors="coerce").fillna(0)
    return counts.round().clip(lower=0).astype("int64")


def _assign(parents: np.ndarray, counts: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Parent keys for ``n`` rows of a linked (non-context) key, so that each parent gets as
    many children as its drawn count says: one slot per expected child, shuffled. Rows beyond
    the slots go to parents drawn in proportion to their counts; slots beyond the rows are left.
    """
    slots = np.repeat(parents, counts)
    rng.shuffle(slots)
    if len(slots) < n:
        weights = counts.astype(float) + 1e-9
        extra = parents[rng.choice(len(parents), size=n - len(slots), p=weights / weights.sum())]
        slots = rng.permutation(np.concatenate([slots, extra]))
    return slots[:n]


def _fresh(n: int, dtype: str, rng: np.random.Generator) -> np.ndarray:
    codes = rng.permutation(n).astype(np.int64)
    if dtype.startswith(("int", "uint", "Int", "float")):
        return KEY_BASE + codes
    return np.array([f"SYN-{c:012d}" for c in codes], dtype=object)


def _scalar(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _shift_orders(frame: pd.DataFrame, rules, parents: pd.DataFrame, conditions: pd.DataFrame) -> None:
    """Where a parent's value was replaced by a seen one to condition on, a child column that an
    order rule keeps above it (a transaction's date after its account's opening) keeps its
    drawn gap above the parent's real value, so the rule holds against the parent as drawn.
    """
    for rule in (r for r in rules if r.kind == "order"):
        low, high = rule.columns
        if low not in parents.columns or high not in frame.columns:
            continue
        moved = (parents[low].notna() & (parents[low] != conditions[low])).to_numpy()
        if moved.any():
            shift = parents.loc[moved, low].to_numpy() - conditions.loc[moved, low].to_numpy()
            frame.loc[moved, high] = frame.loc[moved, high].to_numpy() + shift


def _window(frame: pd.DataFrame, layout: TableLayout) -> dict[str, str]:
    """The last date of each of a child's own date columns: the real table ends there (Berka's
    shared transactions are the first part of the table), and a child drawn a gap after a
    late parent's date may fall past it.
    """
    own = [c for c in layout.attributes if c in frame and pd.api.types.is_datetime64_any_dtype(frame[c])]
    return {c: str(frame[c].max()) for c in own if frame[c].notna().any()}


def _within_window(frame: pd.DataFrame, window: dict[str, str]) -> pd.DataFrame:
    """Drawn child rows dated past the real table's last date are dropped, as the real data
    holds none (the sequence model drops events past its window likewise).
    """
    late = np.zeros(len(frame), dtype=bool)
    for column, last in window.items():
        late |= (frame[column] > pd.Timestamp(last)).to_numpy()
    return frame.loc[~late].reset_index(drop=True) if late.any() else frame
