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

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from synth.events import Balance, TimeFormat, balance_consistency

MAX_KIND_LEVELS = 12


@dataclass(frozen=True)
class EventView:
    """How to read an events table: key, time, kind columns, amount and balance."""

    key: str
    time: str
    time_format: str
    kinds: tuple[str, ...]
    amount: str | None
    balance: Balance | None

    @classmethod
    def of(cls, events: pd.DataFrame, model) -> EventView:
        """The view a fitted :class:`~synth.models.sequence.SequenceModel` implies."""
        layout, cfg = model.layout, model.config
        balance = Balance(**layout.balance) if layout.balance else None
        numeric = [n for n in layout.decimals if balance is None or n != balance.column]
        amount = balance.amount if balance else (numeric[0] if numeric else None)
        skip = {cfg.entity_key, cfg.time_column, *layout.identifiers}
        kinds = tuple(
            c
            for c in events.columns
            if c not in skip
            and c not in layout.decimals
            and not pd.api.types.is_numeric_dtype(events[c])
            and events[c].nunique(dropna=False) <= MAX_KIND_LEVELS
        )
        return cls(cfg.entity_key, cfg.time_column, layout.time_format, kinds, amount, balance)

    def days(self, events: pd.DataFrame) -> pd.Series:
        """Event times as datetimes."""
        return TimeFormat(self.time_format).parse(events[self.time])

    def kind(self, events: pd.DataFrame) -> pd.Series:
        """The joint event kind as one string per event."""
        if not self.kinds:
            return pd.Series("event", index=events.index)
        parts = [events[c].astype(object).where(events[c].notna(), "<NA>").astype(str) for c in self.kinds]
        out = parts[0]
        for part in parts[1:]:
            out = out + "|" + part
        return out


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


def entity_aggregates(events: pd.DataFrame, view: EventView, kinds: list[str] | None = None) -> pd.DataFrame:
    """One numeric vector per entity: event count, time span and mean gap, share of each kind,
    and the mean, total and last balance of amounts. ``kinds`` fixes the kind columns (pass
    the real data's so every table gets the same columns).
    """
    key = events[view.key].to_numpy()
    days = view.days(events)
    grouped = days.groupby(key, sort=True)
    out = pd.DataFrame({"events": grouped.size()})
    out["span_days"] = (grouped.max() - grouped.min()).dt.days
    out["mean_gap_days"] = days.groupby(key).diff().dt.days.groupby(key).mean().reindex(out.index).fillna(0)
    shares = pd.crosstab(key, view.kind(events), normalize="index")
    kinds = kinds if kinds is not None else list(shares.columns)
    for kind in kinds:
        out[f"share {kind}"] = shares[kind].reindex(out.index).fillna(0) if kind in shares else 0.0
    if view.amount is not None:
        amount = events[view.amount].groupby(key)
        out["mean_amount"], out["total_amount"] = amount.mean(), amount.sum()
    if view.balance is not None:
        out["last_balance"] = events[view.balance.column].groupby(key).last()
    return out.reset_index(drop=True)
