"""A real holdout for a whole database: rows the model never sees, for the privacy gate.

Rows are held out by *entity*: the connected groups that the foreign keys between modelled
tables make (an account, its dispositions, the clients they name, their cards, loans, orders
and transactions), ``holdout`` of the groups at random. So the training database keeps its keys
whole, and no training row loses a child to the holdout: splitting root rows alone would hold
out a client's disposition with the client and leave its account with one disposition fewer
than it has, a count unlike any real account's that the model would then learn. Where one group
holds more than half the rows (a schema whose keys tie everything together), root rows are held
out instead and a child goes with any held-out parent. Reference tables belong to both sides.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from synth.relational.database import Database
from synth.relational.keys import Keys, TableKeys


def split_database(database: Database, holdout: float, seed: int) -> tuple[Database, dict[str, pd.DataFrame]]:
    """``(training database, held-out tables)``; every row is on exactly one side."""
    keys = database.keys
    rng = np.random.default_rng([seed, 24])
    modelled = [n for n in keys.parents_first() if n not in keys.reference]
    out = _by_entity(database.tables, keys, modelled, holdout, rng)
    if out is None:
        out = _by_root(database.tables, keys, modelled, holdout, rng)
    train = {n: f for n, f in database.tables.items() if n not in out}
    held = dict(train)
    for name, mask in out.items():
        frame = database.tables[name]
        train[name] = frame.loc[~mask].reset_index(drop=True)
        held[name] = frame.loc[mask].reset_index(drop=True)
    return replace(database, tables=train), held


def _by_entity(tables, keys: Keys, modelled: list[str], holdout: float, rng) -> dict[str, np.ndarray] | None:
    """Held-out masks by connected group, or ``None`` when one group holds most rows."""
    labels, groups = entity_groups(tables, keys, modelled)
    rows = sum(len(tables[name]) for name in modelled)
    if rows == 0:
        return {}
    sizes = np.bincount(np.concatenate(list(labels.values())), minlength=groups)
    if sizes.max() > rows / 2:
        return None
    held_groups = rng.random(groups) < holdout
    return {name: held_groups[label] for name, label in labels.items()}


def entity_groups(tables, keys: Keys, modelled: list[str]) -> tuple[dict[str, np.ndarray], int]:
    """Each row's group: rows joined by a foreign key between modelled tables share one
    (``scipy``'s connected components of the rows-and-keys graph). Returns the labels per
    table and the number of groups.
    """
    offset, start = {}, 0
    for name in modelled:
        offset[name], start = start, start + len(tables[name])
    rows, cols = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    for name in modelled:
        for fk in keys.tables.get(name, TableKeys()).foreign_keys:
            if fk.parent in keys.reference:
                continue
            found = pd.Index(tables[fk.parent][fk.parent_column]).get_indexer(tables[name][fk.column])
            rows.append(offset[name] + np.nonzero(found >= 0)[0])
            cols.append(offset[fk.parent] + found[found >= 0])
    i, j = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(start, start))
    groups, label = connected_components(graph, directed=False)
    return {name: label[offset[name] : offset[name] + len(tables[name])] for name in modelled}, groups


def _by_root(tables, keys: Keys, modelled: list[str], holdout: float, rng) -> dict[str, np.ndarray]:
    """Held-out masks: root rows at random, a child with any held-out parent."""
    held_keys: dict[str, pd.Series] = {}
    out: dict[str, np.ndarray] = {}
    for name in modelled:
        frame, table_keys = tables[name], keys.tables.get(name, TableKeys())
        into = [fk for fk in table_keys.foreign_keys if fk.parent not in keys.reference]
        if into:
            mask = np.zeros(len(frame), dtype=bool)
            for fk in into:
                mask |= frame[fk.column].isin(held_keys[fk.parent]).to_numpy()
        else:
            mask = rng.random(len(frame)) < holdout
        if table_keys.primary_key:
            held_keys[name] = frame.loc[mask, table_keys.primary_key]
        out[name] = mask
    return out


def entity_root(database: Database) -> str | None:
    """The root table with the most rows beneath it (Berka: ``account``): the entity whose
    aggregates across tables the privacy gate compares, and whose count ``scale`` sets.
    """
    keys = database.keys
    below: dict[str, int] = {}
    for name in reversed(keys.parents_first()):
        if name in keys.reference:
            continue
        rows = len(database.tables[name]) + sum(below.get(child, 0) for child, _ in keys.children(name))
        below[name] = rows
    roots = [
        name
        for name in below
        if not any(fk.parent not in keys.reference for fk in keys.tables.get(name, TableKeys()).foreign_keys)
    ]
    return max(roots, key=lambda name: (below[name], name)) if roots else None
