"""From the input tables to what the event network learns: checked events in booking order, the
entity table, the layout, and events padded per entity with their calendar features.

Nothing is modified: every function returns new frames.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd

from synth import events as ev
from synth.errors import InputError
from synth.models.sequence.config import GAP, PRESENT, Layout, SequenceConfig
from synth.models.sequence.network import time_features
from synth.schema import Kind, Schema


def prepare(
    cfg: SequenceConfig, events: pd.DataFrame, schema: Schema, context: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, Layout]:
    """Check the tables; return events in booking order, their times, the entity table
    (context dates parsed) and the layout (formats, balance). Nothing is modified.
    """
    for name in (cfg.entity_key, cfg.time_column):
        if name not in events.columns:
            raise InputError(f"events: column '{name}' (given as entity key or time column) is missing")
    if events[cfg.entity_key].isna().any():
        raise InputError(f"events: column '{cfg.entity_key}' has missing entity keys")
    fmt = ev.TimeFormat.detect(events[cfg.time_column], f"events: column '{cfg.time_column}'")
    times = fmt.parse(events[cfg.time_column])
    if times.isna().any():
        raise InputError(f"events: column '{cfg.time_column}' has missing or invalid times")
    special = {cfg.entity_key, cfg.time_column}
    numeric = [
        c.name for c in schema.modelled if c.kind in (Kind.NUMERIC, Kind.INTEGER) and c.name not in special
    ]
    categorical = [c.name for c in schema.modelled if c.kind in (Kind.CATEGORICAL, Kind.BOOLEAN)]
    balance = _balance(cfg, events.assign(**{cfg.time_column: times}), numeric, categorical)
    order = ev.booking_order(events, cfg.entity_key, times, balance)
    booked = events.iloc[order].reset_index(drop=True)
    times = times.iloc[order].reset_index(drop=True)
    context, dates, anchor = _context(cfg.entity_key, context, booked)
    entities = ev.entity_table(booked, cfg.entity_key, times, balance, context, anchor)
    layout = Layout(
        events_schema=schema.to_dict(),
        context_schema=None,
        time_format=fmt.format,
        context_dates=dates,
        anchor=anchor,
        balance=asdict(balance) if balance else None,
        identifiers=[c.name for c in schema.columns if not c.modelled and c.name not in special],
        present_tokens=[],
        decimals={n: ev.decimals_of(events[n]) for n in numeric},
        window_end=str(times.max().date()),
        constants={},
        balance_scale=_typical(booked[balance.amount]) if balance else 0.0,
        balance_floor=_floor(booked[balance.column]) if balance else None,
        balance_ceiling=float(booked[balance.column].max()) if balance else None,
    )
    return booked, times, entities, layout


def _typical(amounts: pd.Series) -> float:
    """The median size of a non-zero amount (1 when there is none)."""
    sizes = amounts.abs()
    sizes = sizes[sizes > 0]
    return float(sizes.median()) if len(sizes) else 1.0


def _floor(balances: pd.Series) -> float:
    """The lowest balance a drawn history may reach: 0, or below it as far as the real balances
    go at their 0.1 % quantile (an overdraft that more than one account used).
    """
    return float(min(0.0, balances.quantile(0.001)))


def _balance(
    cfg: SequenceConfig, events: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> ev.Balance | None:

    if cfg.balance is None:
        return None
    candidates = numeric if cfg.balance == "auto" else [cfg.balance]
    if cfg.balance != "auto" and cfg.balance not in numeric:
        raise InputError(f"events: balance column '{cfg.balance}' is not a numeric event column")
    found = ev.detect_balance(events, cfg.entity_key, cfg.time_column, numeric, categorical)
    if found is None or found.column not in candidates:
        if cfg.balance != "auto":
            raise InputError(f"events: column '{cfg.balance}' is not a running balance of an amount")
        return None
    return found


def _context(key: str, context: pd.DataFrame | None, booked: pd.DataFrame):
    if context is None:
        return None, {}, None
    if key not in context.columns:
        raise InputError(f"context: column '{key}' (the entity key) is missing")
    if context[key].duplicated().any():
        raise InputError(f"context: column '{key}' has {int(context[key].duplicated().sum())} duplicate keys")
    missing = ~booked[key].drop_duplicates().isin(context[key])
    if missing.any():
        raise InputError(f"context: {int(missing.sum())} entities of the events have no row (key '{key}')")
    context = context[context[key].isin(booked[key])].copy()
    dates = ev.date_like_columns(context, {key})
    for name, fmt in dates.items():
        context[name] = fmt.parse(context[name])
    datetimes = [c for c in context.columns if c != key and pd.api.types.is_datetime64_any_dtype(context[c])]
    return context, {n: f.format for n, f in dates.items()}, (datetimes[0] if datetimes else None)


def event_frame(
    cfg: SequenceConfig, layout: Layout, schema: Schema, booked: pd.DataFrame, times: pd.Series
) -> pd.DataFrame:
    """The learned event columns: gap in days, modelled columns, identifier presence."""
    balance = layout.balance["column"] if layout.balance else None
    gap = times.groupby(booked[cfg.entity_key].to_numpy()).diff().dt.days.fillna(0).astype(np.int64)
    columns = {GAP: gap.to_numpy()}
    for column in schema.modelled:
        if column.name not in (cfg.entity_key, cfg.time_column, balance):
            columns[column.name] = booked[column.name].to_numpy()
    for name in layout.identifiers:
        if booked[name].isna().any():
            columns[PRESENT + name] = booked[name].notna().map({True: "yes", False: "no"}).to_numpy()
            layout.present_tokens.append(name)
    return pd.DataFrame(columns)


def pad(
    cfg: SequenceConfig,
    layout: Layout,
    tokens: np.ndarray,
    booked: pd.DataFrame,
    times: pd.Series,
    entities: pd.DataFrame,
):
    """Scatter event tokens into (E, T, C) with features of each event's day (E, T+1, F):
    position T holds the start day's features (what the first event is predicted from).
    """
    key = booked[cfg.entity_key]
    entity = pd.Index(entities[cfg.entity_key]).get_indexer(key)
    position = key.groupby(key.to_numpy()).cumcount().to_numpy()
    keep = position < cfg.max_events
    counts = entities[ev.N_EVENTS].clip(upper=cfg.max_events).to_numpy()
    width = int(counts.max())
    padded = np.zeros((len(entities), width, tokens.shape[1]), dtype=np.int64)
    padded[entity[keep], position[keep]] = tokens[keep]
    mask = np.zeros((len(entities), width), dtype=np.float32)
    mask[entity[keep], position[keep]] = 1
    end = np.datetime64(layout.window_end)
    stamps = np.full((len(entities), width + 1), end, dtype="datetime64[D]")
    stamps[entity[keep], position[keep]] = times.to_numpy().astype("datetime64[D]")[keep]
    first = times.groupby(key.to_numpy(), sort=False).first().reindex(entities[cfg.entity_key])
    stamps[:, width] = first.to_numpy().astype("datetime64[D]")
    steps = np.concatenate([np.arange(width), [-1]])[None, :]
    remaining = counts[:, None] - steps - 1
    remaining[:, -1] = counts
    held = np.zeros(stamps.shape)
    if layout.balance is not None:
        held[entity[keep], position[keep]] = booked[layout.balance["column"]].to_numpy(dtype=float)[keep]
        held[:, width] = entities[ev.OPENING].to_numpy(dtype=float)
    total = np.broadcast_to(counts[:, None], remaining.shape)
    features = time_features(stamps, end, remaining, total, held, layout.balance_scale)
    previous = np.concatenate([stamps[:, -1:], stamps[:, : width - 1]], 1).astype(np.int64)
    return padded, features, previous, mask
