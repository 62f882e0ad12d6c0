"""Sampling entities' events: one vectorised step per event position, then fresh keys, formatted
times, the derived running balance and identifiers, in the input's dtypes.

Shapes in comments: E entities in a batch, T events per entity, C event columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from synth import events as ev
from synth.errors import ModelError
from synth.keys import fake_values, fresh_keys
from synth.models.encoding import TableCode
from synth.models.sequence.balance import BalanceTracker
from synth.models.sequence.config import PRESENT, Layout, SequenceConfig
from synth.models.sequence.network import EventNet, time_features
from synth.progress import Progress
from synth.schema import Column, Kind, Schema


@torch.no_grad()
def draw_events(
    net: EventNet,
    code: TableCode,
    layout: Layout,
    entity_tokens: np.ndarray,
    counts: np.ndarray,
    starts: np.ndarray,
    opening: np.ndarray,
    rules: tuple,
    generator: torch.Generator,
    rng: np.random.Generator,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Events of every entity: which entity each belongs to, its day, its decoded columns.

    Events past the observed window are dropped, as the real data ends there too. A value that
    a combination rule of ``rules`` forbids beside a value drawn before it is never drawn.
    """
    device = next(net.parameters()).device
    batch = 65_536 if device.type == "cuda" else 8_192
    n, tokens, days, amounts = len(counts), [], [], []
    tracker = BalanceTracker.of(code, layout)
    cells = forbidden_tokens(code, rules)
    net.eval()
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        part = torch.from_numpy(entity_tokens[lo:hi]).to(device)
        start = (starts[lo:hi], opening[lo:hi])
        keep = (tracker, cells)
        t, d, a = _generate(net, code, layout.window_end, part, counts[lo:hi], start, keep, generator, rng)
        tokens.append(t)
        days.append(d)
        amounts.append(a)
        if progress:
            progress("sample", hi, n)
    end = np.datetime64(layout.window_end)
    masks = [
        m & ((d <= end) | (np.arange(m.shape[1]) == 0))
        for m, d in zip(_masks(counts, batch), days, strict=True)
    ]
    entity_of = np.concatenate([np.nonzero(m)[0] + i * batch for i, m in enumerate(masks)])
    flat = np.concatenate([t[m] for t, m in zip(tokens, masks, strict=True)])
    stamps = np.concatenate([d[m] for d, m in zip(days, masks, strict=True)])
    decoded = code.decode(flat, rng)
    if tracker:
        amount = code.columns[tracker.amount].name
        decoded[amount] = np.concatenate([a[m] for a, m in zip(amounts, masks, strict=True)])
    return entity_of, stamps, decoded


def forbidden_tokens(code: TableCode, rules) -> dict[int, list[tuple[int, int, int]]]:
    """The forbidden cells of the combination rules as tokens: for each column, the (earlier
    column, its token, this column's token) that may not meet. Values the model never learned
    are left out (it cannot draw them).
    """
    names = code.names
    out: dict[int, list[tuple[int, int, int]]] = {}
    for rule in (r for r in rules if r.kind == "combination"):
        for a, b, va, vb, *_ in rule.params["forbidden"]:
            if a not in names or b not in names:
                continue
            (i, vi), (j, vj) = sorted([(names.index(a), va), (names.index(b), vb)], key=lambda x: x[0])
            ti, tj = _token(code.columns[i], vi), _token(code.columns[j], vj)
            if ti is not None and tj is not None:
                out.setdefault(j, []).append((i, ti, tj))
    return out


def _token(column, value) -> int | None:
    """The token of a category's value; None for a number column or a value never learned."""
    if column.numeric:
        return None
    try:
        return int(column.encode(pd.Series([value], dtype=object))[0])
    except ModelError:
        return None


def _masks(counts: np.ndarray, batch: int) -> list[np.ndarray]:
    masks = []
    for lo in range(0, len(counts), batch):
        part = counts[lo : lo + batch]
        masks.append(np.arange(int(part.max()))[None, :] < part[:, None])
    return masks


def _generate(
    net: EventNet, code: TableCode, window_end: str, entity_tokens, counts, start, keep, generator, rng
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tokens, days and (with a balance) amounts of a batch of entities' events, one vectorised
    step per event position; ``start`` is each entity's first day and opening balance, ``keep``
    the balance tracker and the forbidden cells.
    """
    tracker, cells = keep
    device = entity_tokens.device
    end = np.datetime64(window_end)
    gap_code = code.columns[0]
    width, n_cols = int(counts.max()), len(code.columns)
    e, h = net.start(entity_tokens)
    out = np.zeros((len(counts), width, n_cols), dtype=np.int64)
    days = np.zeros((len(counts), width), dtype="datetime64[D]")
    amounts = np.full((len(counts), width), np.nan)
    day, held, previous = start[0].copy(), start[1].astype(float), None
    scale = tracker.scale if tracker else 0.0
    for t in range(width):
        features = time_features(day, end, counts - t, counts, held, scale)
        x = net.step_input(previous, torch.from_numpy(features).to(device), e)[:, None]
        y, h = net.gru(x, h)
        y, prefix = y[:, 0], torch.zeros_like(e)
        step = torch.empty(len(counts), n_cols, dtype=torch.long, device=device)
        day_number = torch.from_numpy(day.astype(np.int64)).to(device)
        for col in range(n_cols):
            logits = net.column_logits(y, prefix, col, day_number).float()
            if tracker and col == tracker.kind:
                logits = tracker.allowed_kinds(logits, held)
            if tracker and col == tracker.amount:
                logits = tracker.allowed(logits, held, step[:, tracker.kind])
            for first, first_token, token in cells.get(col, ()):
                logits[step[:, first] == first_token, token] = float("-inf")
            uniform = torch.rand(logits.shape, generator=generator).to(device)
            token = (logits - torch.log(-torch.log(uniform.clamp_min(1e-20)))).argmax(-1)
            step[:, col] = token
            prefix = prefix + net.embed(token + net.offsets[col])
        previous = step
        step_np = step.cpu().numpy()
        gap = gap_code.decode(step_np[:, 0], rng).to_numpy(dtype=float)
        gap = np.zeros(len(counts)) if t == 0 else np.clip(np.nan_to_num(gap), 0, None)
        day = day + gap.astype("timedelta64[D]")
        if tracker:
            amounts[:, t], held = tracker.step(code, held, step_np, rng)
        out[:, t], days[:, t] = step_np, day
    return out, days, amounts


def assemble(
    cfg: SequenceConfig, layout: Layout, drawn, entity_of, stamps, decoded, rng, keys=None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fresh keys (or the entities' ``keys`` given), formatted times, derived balance and
    identifiers, the input's dtypes.
    """
    events_schema = Schema.from_dict(layout.events_schema)
    if keys is None:
        keys = fresh_keys(events_schema[cfg.entity_key], len(drawn), rng).to_numpy()
    columns: dict[str, Any] = {cfg.entity_key: keys[entity_of]}
    fmt = ev.TimeFormat(layout.time_format)
    columns[cfg.time_column] = fmt.format_values(
        pd.Series(stamps.astype("datetime64[ns]")), events_schema[cfg.time_column].dtype
    ).to_numpy()
    for name in decoded.columns:
        if not name.startswith("__"):
            values = decoded[name]
            if name in layout.decimals:
                values = values.round(layout.decimals[name])
            columns[name] = values.to_numpy()
    if layout.balance is not None:
        columns[layout.balance["column"]] = _balances(layout, drawn, entity_of, pd.DataFrame(columns))
    for name in layout.identifiers:
        column = events_schema[name]
        if column.kind is Kind.ID or column.pii == "key":
            values = fresh_keys(column, len(entity_of), rng)
        else:
            values = fake_values(column, len(entity_of), rng)
        if name in layout.present_tokens:
            values = values.where(decoded[PRESENT + name].to_numpy() == "yes")
        columns[name] = values.to_numpy()
    events = events_schema.conform(pd.DataFrame(columns)[events_schema.names])
    return _entities_out(cfg, layout, drawn, keys), events


def _balances(layout: Layout, drawn: pd.DataFrame, entity_of: np.ndarray, events: pd.DataFrame) -> np.ndarray:
    """Opening balance plus cumulative signed amounts, in integer units of the last decimal."""
    balance = ev.Balance(**layout.balance)
    scale = 10**balance.decimals
    signed = np.round(balance.signed(events) * scale).astype(np.int64)
    opening = np.round(drawn[ev.OPENING].to_numpy(dtype=float) * scale).astype(np.int64)
    running = pd.Series(signed).groupby(entity_of).cumsum().to_numpy() + opening[entity_of]
    return running / scale


def _entities_out(cfg: SequenceConfig, layout: Layout, drawn: pd.DataFrame, keys: np.ndarray) -> pd.DataFrame:
    key = cfg.entity_key
    if layout.context_schema is None:
        return pd.DataFrame({key: keys})
    context_schema = Schema.from_dict(layout.context_schema)
    frame = pd.DataFrame({key: keys})
    for column in context_schema.columns:
        if column.name == key:
            continue
        if column.name in drawn.columns:
            values = drawn[column.name]
            if column.name in layout.context_dates:
                values = ev.TimeFormat(layout.context_dates[column.name]).format_values(values, column.dtype)
            frame[column.name] = values.to_numpy()
        else:
            frame[column.name] = _context_identifier(cfg.seed, column, len(frame))
    return context_schema.conform(frame)


def _context_identifier(seed: int, column: Column, n: int) -> pd.Series:
    rng = np.random.default_rng([seed, 7])
    if column.kind is Kind.ID or column.pii == "key":
        return fresh_keys(column, n, rng)
    return fake_values(column, n, rng)
