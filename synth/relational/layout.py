"""How a database becomes one training table per modelled table, and back.

Each modelled table (every table but the reference ones) is learned on its attributes (its
columns less its own keys; a key into a reference table stays, as a category), plus one count
per child key (how many rows of the child point at this row: the children-per-parent
distribution is learned jointly with the row), plus, for a child, its context parent's
attributes under ``<parent>.<column>``: the child is drawn given that parent's row. Of several
foreign keys into modelled tables, the context is the one into the parent with the most tables
beneath it (a disposition is drawn for its account, whose loans and transactions it sits beside,
and then given a client), the first listed on a tie; the others are links.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from synth.errors import InputError
from synth.relational.keys import ForeignKey, Keys, TableKeys

MIN_PER_PARENT = 4.0  # rows per parent (that has any) for a table to be found to be a history


@dataclass(frozen=True)
class TableLayout:
    """What one modelled table's training frame holds."""

    name: str
    attributes: list[str]
    counts: dict[str, str]  # count column -> "child.column" it counts
    context: ForeignKey | None
    context_columns: list[str]  # the parent's attributes, as named in this frame
    links: tuple[ForeignKey, ...]  # foreign keys into modelled tables other than the context


def layouts(keys: Keys, tables: dict[str, pd.DataFrame]) -> dict[str, TableLayout]:
    """Every modelled table's layout, parents first."""
    modelled = [name for name in keys.parents_first() if name not in keys.reference]
    out: dict[str, TableLayout] = {}
    for name in modelled:
        table_keys = keys.tables.get(name, TableKeys())
        into = [fk for fk in table_keys.foreign_keys if fk.parent in modelled]
        own = {table_keys.primary_key, *(fk.column for fk in into)}
        attributes = [c for c in tables[name].columns if c not in own]
        counts = {count_column(child, fk): f"{child}.{fk.column}" for child, fk in keys.children(name)
                  if child in modelled}  # fmt: skip
        context = max(into, key=lambda fk: len(descendants(keys, fk.parent))) if into else None
        context_columns = [f"{context.parent}.{c}" for c in out[context.parent].attributes] if context else []
        out[name] = TableLayout(
            name, attributes, counts, context, context_columns, tuple(fk for fk in into if fk != context)
        )
    return out


def descendants(keys: Keys, table: str) -> set[str]:
    """Every table beneath ``table`` through foreign keys."""
    below: set[str] = set()
    frontier = [table]
    while frontier:
        for child, _ in keys.children(frontier.pop()):
            if child not in below and child != table:
                below.add(child)
                frontier.append(child)
    return below


def count_column(child: str, fk: ForeignKey) -> str:
    """The name of the count of ``child`` rows that point at a parent row through ``fk``."""
    return f"__n_{child}__{fk.column}"


def training_frame(layout: TableLayout, tables: dict[str, pd.DataFrame], keys: Keys) -> pd.DataFrame:
    """The rows one table's model learns from (see the module docstring)."""
    table = tables[layout.name]
    frame = table[layout.attributes].copy()
    primary = keys.tables[layout.name].primary_key if layout.counts else None
    for column, target in layout.counts.items():
        child, fk_column = target.split(".")
        per_parent = tables[child][fk_column].value_counts()
        frame[column] = table[primary].map(per_parent).fillna(0).astype("int64").to_numpy()
    if layout.context is not None:
        parent = tables[layout.context.parent]
        attributes = [c.split(".", 1)[1] for c in layout.context_columns]
        joined = table[[layout.context.column]].merge(
            parent[[layout.context.parent_column, *attributes]],
            left_on=layout.context.column, right_on=layout.context.parent_column, how="left",
        )  # fmt: skip
        for qualified, column in zip(layout.context_columns, attributes, strict=True):
            frame[qualified] = joined[column].to_numpy()
    return frame.reset_index(drop=True)


def history_time(name: str, layout: TableLayout, keys: Keys, table: pd.DataFrame) -> str | None:
    """The time column of ``name`` when its rows are each context parent's ordered history (an
    account's transactions), else None: as the keys say (``order_by``), or, unsaid, when it has
    a context parent, no tables beneath it and no other foreign key into a modelled table, a
    date column, and at least :data:`MIN_PER_PARENT` rows per parent that has any.
    """
    order_by = keys.tables[name].order_by
    if order_by is False or layout.context is None:
        return None
    if layout.counts or layout.links:
        if isinstance(order_by, str):
            raise InputError(f"table '{name}': order_by '{order_by}' needs a table with one parent and no "
                             "children of its own (set order_by: false)")  # fmt: skip
        return None
    if isinstance(order_by, str):
        return order_by
    dates = [c for c in layout.attributes if pd.api.types.is_datetime64_any_dtype(table[c])]
    per_parent = table[layout.context.column].value_counts()
    return dates[0] if dates and len(per_parent) and per_parent.mean() >= MIN_PER_PARENT else None
