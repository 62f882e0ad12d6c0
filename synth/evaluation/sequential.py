"""Fidelity of synthetic event histories, and the per-entity aggregates the privacy gate uses.

Every figure is a similarity in [0, 1] (1 = identical), computed the same way for any model
(ours or SDV's PAR) from the events tables alone:

- ``sequence_length``, ``time_span``, ``inter_arrival``: 1 - KS statistic of events per entity,
  days from first to last event, and days between consecutive events;
- ``day_of_month``: 1 - total variation distance (TVD) of the day of month (month-end postings);
- ``event_kinds``: 1 - TVD of the event kind (the joint of the low-cardinality categorical
  event columns, e.g. Berka's type / operation / k_symbol);
- ``kind_transitions``: 1 - TVD of (kind, next kind) pairs within an entity;
- ``amount_by_kind``: 1 - KS of the amount within each kind, weighted by the real kind shares
  (a kind the model never emits scores 0);
- ``entity_counts_by_kind`` and ``entity_mean_amount``: 1 - KS of per-entity event counts of
  each kind (weighted) and of per-entity mean amounts;
- ``balance_consistency``: share of events whose balance is the previous one plus the signed
  amount (reported for the real data too: real ledgers are not exact);
- ``time_order``: share of entities whose events are in time order in file order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from synth.events import EventView, balance_consistency


def _ks(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        return 0.0
    return float(1 - ks_2samp(a, b).statistic)


def _tvd(a: pd.Series, b: pd.Series) -> float:
    p, q = a.value_counts(normalize=True), b.value_counts(normalize=True)
    return float(1 - 0.5 * p.subtract(q, fill_value=0).abs().sum())


def _gaps(events: pd.DataFrame, view: EventView) -> pd.Series:
    return view.days(events).groupby(events[view.key].to_numpy()).diff().dt.days.dropna()


def _transitions(events: pd.DataFrame, view: EventView) -> pd.Series:
    kind = view.kind(events)
    following = kind.groupby(events[view.key].to_numpy()).shift(-1)
    return (kind + " -> " + following)[following.notna()]


def sequence_fidelity(real: pd.DataFrame, synthetic: pd.DataFrame, view: EventView) -> dict[str, float]:
    """Every figure of the module docstring for ``synthetic`` against ``real`` events."""
    figures: dict[str, float] = {}
    sizes = [e.groupby(view.key).size() for e in (real, synthetic)]
    figures["sequence_length"] = _ks(*sizes)
    spans = []
    for e in (real, synthetic):
        days = view.days(e).groupby(e[view.key].to_numpy())
        spans.append((days.max() - days.min()).dt.days)
    figures["time_span"] = _ks(*spans)
    figures["inter_arrival"] = _ks(_gaps(real, view), _gaps(synthetic, view))
    figures["day_of_month"] = _tvd(view.days(real).dt.day, view.days(synthetic).dt.day)
    kinds = [view.kind(e) for e in (real, synthetic)]
    figures["event_kinds"] = _tvd(*kinds)
    figures["kind_transitions"] = _tvd(_transitions(real, view), _transitions(synthetic, view))
    if view.amount is not None:
        share = kinds[0].value_counts(normalize=True)
        score = 0.0
        for kind, weight in share.items():
            a = real.loc[kinds[0] == kind, view.amount]
            b = synthetic.loc[kinds[1] == kind, view.amount]
            score += weight * _ks(a, b)
        figures["amount_by_kind"] = score
        means = [e.groupby(view.key)[view.amount].mean() for e in (real, synthetic)]
        figures["entity_mean_amount"] = _ks(*means)
    counts = [pd.crosstab(e[view.key], k) for e, k in zip((real, synthetic), kinds, strict=True)]
    share = kinds[0].value_counts(normalize=True)
    figures["entity_counts_by_kind"] = float(
        sum(
            w * _ks(counts[0][k], counts[1][k] if k in counts[1] else np.zeros(len(counts[1])))
            for k, w in share.items()
        )
    )
    if view.balance is not None:
        figures["balance_consistency"] = balance_consistency(synthetic, view.key, view.balance)
        figures["balance_consistency_real"] = balance_consistency(real, view.key, view.balance)
    ordered = (
        view.days(synthetic)
        .groupby(synthetic[view.key].to_numpy())
        .apply(lambda s: s.is_monotonic_increasing)
    )
    figures["time_order"] = float(ordered.mean())
    return figures
