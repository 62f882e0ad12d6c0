"""Child tables whose rows are each parent's ordered history (an account's transactions).

Such a table is learned by the sequence model (``synth.models.sequence``) with its context
parent's attributes as the entity's context: a history is drawn as a whole, event after event,
its gaps, calendar and running balance included, where the row model draws each transaction on
its own given its account. The parent's row and its drawn number of children are given; only
the first event's day and the opening balance are drawn for it, given both.

Which tables are histories: ``synth.relational.layout.history_time``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth import events as ev
from synth.models import registry
from synth.relational.layout import TableLayout
from synth.relational.support import within_support
from synth.schema import ColumnOverride, Kind, Schema, infer_schema

SEQUENCE_PARAMS = ("seed", "epochs", "device")  # the relational job's parameters a history model takes


@dataclass
class HistoryModel:
    """A history table's sequence model; ``schema`` is its training frame's with the rules, as a
    row model's would be (validation and the privacy gate read it).
    """

    table: str
    time: str
    layout: TableLayout
    schema: Schema
    sequence: Any = None

    @property
    def history(self) -> dict[str, Any]:
        """The sequence model's training figures."""
        return self.sequence.history

    @property
    def repairs(self) -> dict[str, int]:
        """Rows of the latest draw repaired per rule."""
        return self.sequence.repairs

    def fit(
        self, table: pd.DataFrame, parent: pd.DataFrame, parent_key: str, params: dict, overrides: dict
    ) -> HistoryModel:
        """Learn ``table``'s histories given ``parent``'s rows (their key is ``parent_key``);
        ``overrides`` are the columns' kinds as the row model would have them (keys into
        reference tables are categories).
        """
        key = self.layout.context.column
        events = table[[key, *self.layout.attributes]]
        context = _context(parent, parent_key, key, self.layout)
        overrides = {
            **{c: o for c, o in overrides.items() if c in events.columns},
            key: ColumnOverride(kind=Kind.ID),
        }
        own = tuple(r for r in self.schema.rules if set(r.columns) <= set(events.columns))
        schema = replace(infer_schema(events, table=self.table, overrides=overrides), rules=own)
        chosen = {k: v for k, v in params.items() if k in SEQUENCE_PARAMS}
        # batches of a 16th of the parents, 8 to 32 (the sequence model's default): the bundled
        # subset's 40 accounts get five steps an epoch, not one
        chosen.setdefault("batch_size", int(min(32, max(8, events[key].nunique() // 16))))
        self.sequence = registry.build("sequence", entity_key=key, time_column=self.time, **chosen)
        self.sequence.fit(events, schema, context=context)
        return self

    def sample(
        self, parent: pd.DataFrame, parent_key: str, counts: np.ndarray, support: dict, seed: int, rng
    ) -> pd.DataFrame:
        """Histories of the drawn ``parent`` rows, ``counts[i]`` events for row ``i`` (none for 0):
        the table's attributes and its key to the parent.
        """
        has = counts > 0
        if not has.any():
            return pd.DataFrame(columns=[self.layout.context.column, *self.layout.attributes])
        context = _context(parent.loc[has], parent_key, self.layout.context.column, self.layout)
        conditions = within_support(context[self.layout.context_columns], support, rng)
        conditions[ev.N_EVENTS] = counts[has]
        return self.sequence.sample_given(context.reset_index(drop=True), conditions, seed=seed)

    def save(self, directory: Path) -> None:
        """The sequence model, signed, in ``directory``."""
        registry.save(self.sequence, directory)

    def load(self, directory: Path) -> HistoryModel:
        """The sequence model saved by :meth:`save`; its signature is checked."""
        self.sequence = registry.load(directory, expected="sequence")
        return self


def _context(parent: pd.DataFrame, parent_key: str, key: str, layout: TableLayout) -> pd.DataFrame:
    """The parent's rows as the sequence model's context: its key under the child's column name,
    its attributes under their qualified names (``account.date``).
    """
    columns = {key: parent[parent_key].to_numpy()}
    columns |= {q: parent[q.split(".", 1)[1]].to_numpy() for q in layout.context_columns}
    return pd.DataFrame(columns)
