"""The privacy gate for event histories: the tabular gate's checks, lifted to entities.

A synthetic *history* (an entity and its events) is compared with real ones in two ways:

- **copies**: a synthetic history whose events equal a training entity's, event for event
  (times, kinds, amounts, balances; keys excluded), is removed before anything is written;
- **distances**: each entity becomes a vector of aggregates (``entity_aggregates``: event
  count, span, mean gap, share of each kind, mean and total amount, last balance) and the
  tabular gate's DCR share, 5th-percentile DCR and NNDR ratios and the membership-inference
  AUC are computed on those vectors against holdout entities the model never saw.

Rare categorical levels of the events are suppressed as in the tabular gate, and identifier
columns (entity keys, event ids, counterparty numbers) must share no value with the real ones.
The anonymeter attacks are for tabular rows; on aggregate vectors they are not run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.events import EventView, entity_aggregates
from synth.privacy.gate import GateResult, PrivacyConfig, evaluate, identifier_overlap, judge
from synth.privacy.rare import count_rare, suppress_rare
from synth.schema import Column, Kind, Schema


def history_hashes(events: pd.DataFrame, key: str, columns: list[str]) -> pd.Series:
    """One 64-bit hash per entity of its whole ordered history over ``columns``."""
    rows = pd.util.hash_pandas_object(events[columns].astype(str), index=False).to_numpy()
    position = events.groupby(key, sort=False).cumcount().to_numpy().astype(np.uint64)
    mixed = rows * (position * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1))
    frame = pd.DataFrame({"key": events[key].to_numpy(), "h": mixed, "n": 1})
    grouped = frame.groupby("key", sort=False)
    return grouped["h"].sum() ^ grouped["n"].sum().astype(np.uint64)


def sequence_gate(
    entities: pd.DataFrame,
    events: pd.DataFrame,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    view: EventView,
    schema: Schema,
    config: PrivacyConfig | None = None,
    *,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame, GateResult]:
    """Protect, then measure, synthetic entities and events against training and holdout
    events (``schema`` is the events table's). Returns what may be published and the figures.
    """
    config = config or PrivacyConfig()
    compared = [c.name for c in schema.modelled if c.name != view.key]
    real = set(history_hashes(train, view.key, compared).to_numpy().tolist())
    synthetic = history_hashes(events, view.key, compared)
    copied = synthetic.index[synthetic.isin(real)]
    events = events[~events[view.key].isin(copied)].reset_index(drop=True)
    entities = entities[~entities[view.key].isin(copied)].reset_index(drop=True)
    events, replaced = suppress_rare(events, train, schema, k=config.rare_k, mode=config.rare_mode)
    checks = [
        judge(
            "copies",
            len(copied) / max(len(synthetic), 1),
            config.copies_share_max,
            "<=",
            f"{len(copied)} histories equal to a training history removed before writing",
        )
    ]
    figures: dict[str, float] = {"history_copies": float(len(copied))}
    if not events.empty:
        aggregates = _aggregates(events, train, holdout, view)
        measured = evaluate(*aggregates, config=config.model_copy(update={"attacks": False}), seed=seed)
        kept = {"dcr_share", "dcr_p5_ratio", "nndr_p5_ratio", "membership_inference"}
        checks += [c for c in measured.checks if c.name in kept]
        figures.update(measured.figures)
    rare = count_rare(events, train, schema, config.rare_k)
    checks.append(judge("rare_values", sum(rare.values()), 0, "<=", ", ".join(sorted(rare)) or ""))
    leaked = identifier_overlap(events, train, schema)
    checks.append(judge("identifiers", sum(leaked.values()), 0, "<=", ", ".join(sorted(leaked)) or ""))
    return entities, events, GateResult(checks, len(copied), replaced, figures)


def _aggregates(events, train, holdout, view: EventView):
    real = entity_aggregates(train, view)
    kinds = [c.removeprefix("share ") for c in real.columns if c.startswith("share ")]
    tables = [entity_aggregates(e, view, kinds) for e in (events, train, holdout)]
    schema = Schema("entities", tuple(Column(c, Kind.NUMERIC, "float64") for c in real.columns))
    return (*tables, schema)
