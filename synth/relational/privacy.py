"""The privacy gate for a whole database: the tabular gate per table, and on entities across tables.

Each modelled table is judged on what its model learned (``synth.relational.layout``). Per table:

- **copies**: a drawn row equal to a training row that no other training row equals, on its
  columns, its child counts and its parent's columns (a loan equal to the one real loan of its
  kind on a like account), is removed before anything is written, with its whole entity (the
  rows the keys join it to: removing a loan alone would leave its account with one loan fewer
  than drawn); the share is judged against the real holdout's own rate, as in the tabular gate.
  A row many real rows share is no copy of any one of them;
- **distances and attacks**: the tabular gate's DCR share, 5th-percentile DCR and NNDR ratios,
  membership inference and anonymeter attacks against the held-out rows, on the row's columns
  and child counts (see ``_own_schema`` for why not its parent's); a table left with one such
  column (a client known only by district) has none: every row that takes a real value is at
  distance zero from the training rows, and so is every held-out row. A child's held-out rows
  come from few parents (202 transactions of 10 accounts), and the DCR share's interval counts
  those parents, not the rows;
- **rare values**: categorical levels of the table's own columns that fewer than ``rare_k``
  real rows share are replaced (keys, a reference table's included, are never touched).

Across tables, each entity of the entity root (an account) becomes one vector: its columns, its
child counts and the mean of every numeric column of its direct children (its loans' amounts,
its transactions' balances); DCR, NNDR and membership inference on those vectors against held-out
entities say whether a whole account with its history resembles one real account too closely.
Last, no key value of the drawn database may equal a real one (keys into reference tables, which
are kept as they are, excepted).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from synth.privacy.copies import unique_copy_mask
from synth.privacy.gate import Check, GateResult, PrivacyConfig, evaluate, judge
from synth.privacy.rare import count_rare, suppress_rare
from synth.relational.database import Database
from synth.relational.layout import training_frame
from synth.relational.model import RelationalModel
from synth.relational.quality import numeric_columns
from synth.relational.split import entity_groups
from synth.schema import ColumnOverride, Kind, infer_schema
from synth.stats import Z_EVIDENCE, excess_share

ENTITY_CHECKS = ("dcr_share", "dcr_p5_ratio", "nndr_p5_ratio", "membership_inference")


def database_gate(
    drawn: dict[str, pd.DataFrame],
    train: Database,
    held: dict[str, pd.DataFrame],
    model: RelationalModel,
    config: PrivacyConfig,
    *,
    entity: str | None = None,
    seed: int = 0,
) -> tuple[dict[str, pd.DataFrame], GateResult]:
    """Protect, then measure, a drawn database (see the module docstring)."""
    before = {name: len(drawn[name]) for name in model.layout}
    drawn, removed = _remove_copies(drawn, train.tables, model)
    result = GateResult([], sum(removed.values()))
    everything = {name: pd.concat([train.tables[name], held[name]]) for name in model.layout}
    for name in model.layout:
        table_schema = _table_schema(model, name, train.tables[name])
        drawn[name], swapped = suppress_rare(
            drawn[name], train.tables[name], table_schema, k=config.rare_k, mode=config.rare_mode
        )
        result.rare_replaced.update({f"{name}.{column}": n for column, n in swapped.items()})
        sides = (drawn, train.tables, {**everything, name: held[name]})
        frames = [training_frame(model.layout[name], tables, model.keys) for tables in sides]
        enough = min(len(f) for f in frames) >= 2
        measured = _table_checks(model, name, frames, held[name], config, seed) if enough else GateResult([])
        rare = count_rare(drawn[name], train.tables[name], table_schema, config.rare_k)
        measured.checks = [
            _copies_check(model, name, frames, removed.get(name, 0), before[name], config),
            *measured.checks,
            judge("rare_values", sum(rare.values()), 0, "<=", ", ".join(sorted(rare))),
        ]
        result.checks += [replace(c, name=f"{name}: {c.name}") for c in measured.checks]
        result.figures.update({f"{name}: {k}": v for k, v in measured.figures.items()})
    if entity is not None:
        entity_result = _entity_checks(drawn, train.tables, everything, held, model, entity, config, seed)
        result.checks += entity_result.checks
        result.figures.update(entity_result.figures)
    result.checks.append(_key_check(drawn, everything, model))
    return drawn, result


def _table_checks(model: RelationalModel, name: str, frames, held: pd.DataFrame, config, seed: int):
    """Distances, membership inference and attacks on one table's view (none on one column)."""
    schema = _own_schema(model, name)
    if len(schema.modelled) < 2:
        return GateResult([])
    context = model.layout[name].context
    entities = held[context.column].nunique() if context else None
    measured = evaluate(*frames, schema, config, seed=seed, holdout_entities=entities)
    measured.checks = [c for c in measured.checks if c.name not in ("copies", "rare_values")]
    return measured


def _own_schema(model: RelationalModel, name: str):
    """A table's model view less its parent's columns: what distances and attacks compare.
    A drawn child's parent columns come from the drawn parent, which is like the training
    parents, so keeping them would make every drawn child look nearer the training rows than
    a held-out child (whose parent is new) and fail a sound model.
    """
    schema = model.models[name].schema
    context = set(model.layout[name].context_columns)
    return replace(schema, columns=tuple(c for c in schema.columns if c.name not in context), rules=())


def _table_schema(model: RelationalModel, name: str, table: pd.DataFrame):
    """A table's own columns: its attributes as the model knows them, its keys as identifiers.
    A key into a reference table is one too here: its values are public lookup rows (a
    district), and replacing a rare one would break the key.
    """
    table_keys = model.keys.tables[name]
    keys = {table_keys.primary_key, *(fk.column for fk in table_keys.foreign_keys)}
    modelled = {c.name: c for c in model.models[name].schema.modelled if c.name not in keys}
    overrides = {c: ColumnOverride(kind=modelled[c].kind if c in modelled else Kind.ID, pii="none")
                 for c in table.columns}  # fmt: skip
    return infer_schema(table, table=name, overrides=overrides)


def _copies_check(model: RelationalModel, name: str, frames, removed: int, drawn: int, config) -> Check:
    """Drawn rows that copied a unique training row (removed), against the rate at which
    held-out rows equal one: real data repeats itself too.
    """
    columns = [c.name for c in model.models[name].schema.modelled]
    own = int(unique_copy_mask(frames[2], frames[1], columns).sum())
    rate = own / max(len(frames[2]), 1)
    z = excess_share(removed, max(drawn, 1), own, len(frames[2]))
    detail = f"{removed} removed before writing, with their entities; real unseen rows: {rate:.4f}"
    significant = z > Z_EVIDENCE or config.judge == "estimate"
    return judge("copies", removed / max(drawn, 1), config.copies_share_max + rate, "<=", detail, significant)


def _remove_copies(
    drawn: dict[str, pd.DataFrame], real: dict[str, pd.DataFrame], model: RelationalModel
) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """Drawn rows equal to a unique training row in their table's view (``unique_copy_mask``:
    a row that many real rows share is no copy of anyone), removed with their whole entity (the
    rows the keys join them to), so that every entity left keeps its counts and rules. A table
    whose view is one column is left alone, as for the distances.
    """
    keys, names = model.keys, list(model.layout)
    labels, _ = entity_groups(drawn, keys, names)
    removed: dict[str, int] = {}
    doomed: set[int] = set()
    for name, layout in model.layout.items():
        if len(_own_schema(model, name).modelled) < 2:
            continue
        columns = [c.name for c in model.models[name].schema.modelled]
        copies = unique_copy_mask(
            training_frame(layout, drawn, keys), training_frame(layout, real, keys), columns
        )
        if copies.any():
            removed[name] = int(copies.sum())
            doomed |= set(labels[name][copies].tolist())
    tables = dict(drawn)
    for name in names:
        keep = ~np.isin(labels[name], list(doomed))
        tables[name] = drawn[name].loc[keep].reset_index(drop=True)
    return tables, removed


def _entity_checks(drawn, train, everything, held, model: RelationalModel, entity: str, config, seed):
    frames = [
        _entity_vectors(drawn, drawn[entity], model, entity),
        _entity_vectors(train, train[entity], model, entity),
        _entity_vectors(everything, held[entity], model, entity),
    ]
    if min(len(f) for f in frames) < 2:
        return GateResult([])
    schema = infer_schema(frames[1], table=f"{entity} entities", overrides={
        c: ColumnOverride(pii="none") for c in frames[1].columns})  # fmt: skip
    quiet = config.model_copy(update={"attacks": False})
    result = evaluate(*frames, schema, quiet, seed=seed)
    checks = [
        replace(c, name=f"{entity} entities: {c.name}") for c in result.checks if c.name in ENTITY_CHECKS
    ]
    return GateResult(checks, figures={f"{entity} entities: {k}": v for k, v in result.figures.items()})


def _entity_vectors(tables, rows: pd.DataFrame, model: RelationalModel, entity: str) -> pd.DataFrame:
    """One row per entity in ``rows``: its model view plus its direct children's numeric means."""
    keys = model.keys
    layout = model.layout[entity]
    vectors = training_frame(layout, {**tables, entity: rows}, keys)
    primary = keys.tables[entity].primary_key
    for child, fk in keys.children(entity):
        if child not in model.layout or not primary:
            continue
        frame = tables[child]
        numeric = numeric_columns(frame, model.layout[child].attributes)
        if not numeric:
            continue
        means = frame.groupby(fk.column)[numeric].mean()
        joined = means.reindex(rows[primary].to_numpy())
        for column in numeric:
            vectors[f"{child}.{fk.column}: mean {column}"] = joined[column].fillna(0.0).to_numpy()
    return vectors


def _key_check(
    drawn: dict[str, pd.DataFrame], real: dict[str, pd.DataFrame], model: RelationalModel
) -> Check:
    """No drawn primary key, nor foreign key into a modelled table, equals a real key value."""
    shared: list[str] = []
    for name in model.layout:
        table_keys = model.keys.tables[name]
        columns = [table_keys.primary_key] + [fk.column for fk in table_keys.foreign_keys
                                              if fk.parent not in model.keys.reference]  # fmt: skip
        for column in filter(None, columns):
            values = real[name][column].dropna().astype(str)
            n = int(drawn[name][column].dropna().astype(str).isin(set(values)).sum())
            if n:
                shared.append(f"{name}.{column} ({n:,})")
    return judge("keys", len(shared), 0, "<=", ", ".join(shared) or "no drawn key equals a real one")
