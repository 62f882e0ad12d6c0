"""``--model sequence``: synthetic entities (accounts) with their ordered events (transactions).

Two parts, both ours:

- **entities**: our tabular VAE (``synth.models.vae``) learns one row per entity: its context
  columns, its number of events, when its first event happens (days after the context's date
  column when there is one, e.g. Berka's account opening date) and its opening balance;
- **events**: a GRU autoregressive over events, started from the entity's encoding. Each event
  is a row of tokens (``synth.models.encoding``): the days since the previous event, then every
  event column in order, each predicted from the GRU state plus the embeddings of the columns
  before it (the VAE decoder's bag of prefixes), so kinds, their transitions and the amount given
  the kind are all learned jointly. The GRU also reads calendar features of the previous event
  (day of month, days to month end, weekday, month), the days left in the observed window and
  the events the entity has left, which is what month-end interest and monthly standing orders
  need.

A running balance is never learned: it is detected (``synth.events.detect_balance``) and derived
by construction as the opening balance plus the cumulative signed amounts, in integer units of
the input's last decimal, so every synthetic event is consistent. Real events are put in booking
order first (``synth.events.booking_order``) and synthetic ones are written in booking order.

Identifiers (the entity key, event ids, counterparty account numbers) are never learned: keys
are fresh, and a nullable identifier keeps only whether it is present (a learned token) with a
fake value where it is. Shapes in comments: E entities, T events per entity, C event columns.
"""

from __future__ import annotations

import copy
import json
import math
import time as clock
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from synth import events as ev
from synth.errors import InputError, ModelError, NotFittedError
from synth.models.base import Progress, typed_config
from synth.models.encoding import EncodingConfig, TableCode, fit_column, fit_table
from synth.models.kept import RuleKeeper
from synth.models.runtime import check_device, one_cycle, torch_device
from synth.models.vae import VAEModel
from synth.rules.codec import RuleCodec
from synth.rules.select import rules_for
from synth.schema import Column, ColumnOverride, Kind, Schema, infer_schema

WEIGHTS_FILE = "events.pt"
STATE_FILE = "sequence.json"
ENTITY_DIR = "entities"
GAP = "__gap_days"
PRESENT = "__present__"
N_TIME_FEATURES = 9


@dataclass
class SequenceConfig:
    """Hyper-parameters; the defaults are what ``synth fit --model sequence`` uses."""

    entity_key: str = ""
    time_column: str = ""
    epochs: int = 60
    batch_size: int = 32  # small batches: a table holds few entities, and steps matter more
    lr: float = 3e-3
    d_model: int = 64
    n_layers: int = 1
    dropout: float = 0.15  # on the GRU output: histories are memorised quickly otherwise
    max_events: int = 1000  # longer histories are truncated for training (their count is kept)
    patience: int = 4
    val_share: float = 0.1
    n_bins: int = 48
    entity_epochs: int = 200
    balance: str | None = "auto"  # "auto" detects a running balance; a column name forces it; None: off
    device: str = "auto"
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.entity_key or not self.time_column:
            raise ModelError("sequence: entity_key and time_column are required")
        for name in ("epochs", "batch_size", "d_model", "n_layers", "max_events", "entity_epochs"):
            if getattr(self, name) < 1:
                raise ModelError(f"sequence: {name} must be at least 1")
        check_device(self.device, "sequence")


class EventNet(nn.Module):
    """GRU over events; per-column heads read the state plus the columns decoded before them."""

    def __init__(
        self,
        vocab: list[int],
        entity_vocab: list[int],
        gap_days: list[float],
        calendar: tuple[str, int],
        cfg: SequenceConfig,
    ) -> None:
        super().__init__()
        d = cfg.d_model
        self.vocab = vocab
        self.register_buffer("offsets", torch.tensor([0, *np.cumsum(vocab)[:-1]]))
        self.register_buffer("entity_offsets", torch.tensor([0, *np.cumsum(entity_vocab)[:-1]]))
        self.entity_embed = nn.Embedding(int(sum(entity_vocab)), d)
        self.entity_in = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU(), nn.Linear(d, d))
        self.embed = nn.Embedding(int(sum(vocab)), d)
        self.bos = nn.Parameter(torch.zeros(d))
        self.time_in = nn.Linear(N_TIME_FEATURES, d)
        self.gru = nn.GRU(
            d, d, num_layers=cfg.n_layers, batch_first=True, dropout=cfg.dropout if cfg.n_layers > 1 else 0
        )
        self.h0 = nn.Linear(d, cfg.n_layers * d)
        self.position = nn.Parameter(torch.zeros(len(vocab), d))
        self.heads = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU(), nn.Linear(d, v)) for v in vocab
        )
        self.n_layers = cfg.n_layers
        # one dropout on the GRU output, shared by every column head (a mask per head cost more
        # CPU time than the heads themselves)
        self.dropout = nn.Dropout(cfg.dropout)
        nn.init.normal_(self.position, std=0.02)
        # calendar-aware gap head: the logit of "next event in k days" also scores the date it
        # lands on (day of month, weekday, month end), so month-end postings and orders on a
        # fixed day of the month are one learned weight each, not a function of the gap
        self.register_buffer("gap_days", torch.tensor(gap_days, dtype=torch.long))
        first = np.datetime64(calendar[0], "D")
        days = first + np.arange(calendar[1])
        months = days.astype("datetime64[M]")
        self.calendar_start = int(first.astype(np.int64))
        self.register_buffer(
            "cal_day", torch.from_numpy((days - months.astype("datetime64[D]")).astype(np.int64))
        )
        self.register_buffer("cal_weekday", torch.from_numpy((days.astype(np.int64) + 3) % 7))
        month_end = (days + 1).astype("datetime64[M]") != months
        self.register_buffer("cal_month_end", torch.from_numpy(month_end.astype(np.float32)))
        self.calendar = nn.Linear(d, 31 + 7 + 1)

    def start(self, entity_tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Entity encoding (E, D) and the GRU's initial state (layers, E, D)."""
        e = self.entity_in(self.entity_embed(entity_tokens + self.entity_offsets).sum(1))
        h0 = torch.tanh(self.h0(e)).view(len(e), self.n_layers, -1).transpose(0, 1).contiguous()
        return e, h0

    def step_input(
        self, previous: torch.Tensor | None, features: torch.Tensor, e: torch.Tensor
    ) -> torch.Tensor:
        """GRU input for one step: the previous event's tokens (E, C), or the start marker, plus
        the features of the previous event's day (E, F) and the entity encoding (E, D).
        """
        x = self.bos.expand(len(e), -1) if previous is None else self.embed(previous + self.offsets).sum(1)
        return x + self.time_in(features) + e

    def column_logits(
        self, h: torch.Tensor, prefix: torch.Tensor, col: int, previous_day: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Logits of column ``col``; the gap column (0) needs the previous event's day number."""
        logits = self.heads[col](h + prefix + self.position[col])
        if col != 0:
            return logits
        u = self.calendar(h)  # (..., 39)
        index = previous_day[..., None] - self.calendar_start + self.gap_days
        index = index.clamp(0, len(self.cal_day) - 1)  # (..., V) the candidate dates
        size = index.shape
        calendar = (
            u[..., :31].gather(-1, self.cal_day[index].view(size))
            + u[..., 31:38].gather(-1, self.cal_weekday[index].view(size))
            + u[..., 38:] * self.cal_month_end[index]
        )
        return logits + calendar.to(logits.dtype)

    def loss(self, tokens, features, previous_day, entity_tokens, mask) -> torch.Tensor:
        """Mean negative log-likelihood per event (teacher forcing).

        tokens (E, T, C); features (E, T+1, F), the last position being the start day's;
        previous_day (E, T): day number of each event's predecessor (the start day for the
        first); mask (E, T) marks real events.
        """
        e, h0 = self.start(entity_tokens)
        n, width = tokens.shape[:2]
        previous = self.embed(tokens[:, :-1] + self.offsets).sum(2)  # (E, T-1, D)
        x = torch.cat([self.bos.expand(n, 1, -1), previous], 1)
        days = torch.cat([features[:, -1:], features[:, : width - 1]], 1)
        h, _ = self.gru(x + self.time_in(days) + e[:, None], h0)  # (E, T, D)
        h = self.dropout(h)
        embedded = self.embed(tokens + self.offsets)  # (E, T, C, D)
        prefix = torch.zeros_like(h)
        total = torch.zeros((), device=h.device)
        for col in range(tokens.shape[2]):
            logits = self.column_logits(h, prefix, col, previous_day)
            nll = F.cross_entropy(logits.flatten(0, 1).float(), tokens[:, :, col].flatten(), reduction="none")
            total = total + (nll * mask.flatten()).sum()
            prefix = prefix + embedded[:, :, col]
        return total / mask.sum()


def _length_batches(
    rows: torch.Tensor, lengths: torch.Tensor, batch: int, generator: torch.Generator, pool: int = 8
) -> list[torch.Tensor]:
    """One epoch of batches of entities with similar history lengths, in random order.

    Rows are shuffled, cut into pools of ``pool`` batches, sorted by length within each pool and
    cut into batches, so a batch is padded to about its own length rather than the longest of
    a random draw (Berka: 100 events on average against 40); which rows meet in a batch still
    changes every epoch. Drops the last partial batch, as a fixed step count per epoch needs.
    """
    order = rows[torch.randperm(len(rows), generator=generator).to(rows.device)]
    out = []
    for lo in range(0, len(order), pool * batch):
        chunk = order[lo : lo + pool * batch]
        chunk = chunk[torch.argsort(lengths[chunk], stable=True)]
        out += [chunk[i : i + batch] for i in range(0, len(chunk) - batch + 1, batch)]
    return [out[i] for i in torch.randperm(len(out), generator=generator).tolist()]


def time_features(
    stamps: np.ndarray, window_end: np.datetime64, remaining: np.ndarray, total: np.ndarray
) -> np.ndarray:
    """Calendar and budget features of a day (float32, last axis ``N_TIME_FEATURES``)."""
    days = stamps.astype("datetime64[D]")
    month_start = days.astype("datetime64[M]")
    next_month = (month_start + 1).astype("datetime64[D]")
    day = (days - month_start.astype("datetime64[D]")).astype(np.int64)
    to_month_end = (next_month - days).astype(np.int64) - 1
    month = month_start.astype(np.int64) % 12
    weekday = (days.astype(np.int64) + 3) % 7
    left = (window_end - days).astype(np.int64)
    angle_m, angle_w = 2 * np.pi * month / 12, 2 * np.pi * weekday / 7
    return np.stack(
        [
            day / 31,
            to_month_end / 31,
            (to_month_end == 0).astype(float),
            np.sin(angle_m),
            np.cos(angle_m),
            np.sin(angle_w),
            np.cos(angle_w),
            np.clip(left, -30, 3650) / 365,
            np.log1p(np.maximum(remaining, 0)) / np.log1p(np.maximum(total, 1)),
        ],
        axis=-1,
    ).astype(np.float32)


def _plain(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return str(value)
    return value.item() if isinstance(value, np.generic) else value


@dataclass
class Layout:
    """What the model learned about the tables (JSON): columns, formats, balance, window."""

    events_schema: dict
    context_schema: dict | None
    time_format: str
    context_dates: dict[str, str]
    anchor: str | None
    balance: dict | None
    identifiers: list[str]
    present_tokens: list[str]
    decimals: dict[str, int]
    window_end: str
    constants: dict[str, Any]  # entity columns with one value (e.g. every opening balance 0)
    calendar: tuple[str, int] = ("1970-01-01", 1)  # first day and length of the gap head's calendar


class SequenceModel:
    """Entities and their ordered events (see module docstring)."""

    name: ClassVar[str] = "sequence"

    def __init__(self, **params: Any) -> None:
        self.config = typed_config(SequenceConfig, params, "sequence")
        self.schema: Schema | None = None
        self.layout: Layout | None = None
        self.code: TableCode | None = None
        self.entities: RuleKeeper | None = None
        self.net: EventNet | None = None
        self.history: dict[str, Any] = {}

    def params(self) -> dict[str, Any]:
        """Hyper-parameters (recorded in manifests)."""
        return asdict(self.config)

    def _device(self) -> torch.device:
        return torch_device(self.config.device, "sequence")

    # ------------------------------------------------------------------ prepare
    def prepare(
        self, events: pd.DataFrame, schema: Schema, context: pd.DataFrame | None
    ) -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, Layout]:
        """Check the tables; return events in booking order, their times, the entity table
        (context dates parsed) and the layout (formats, balance). Nothing is modified.
        """
        cfg = self.config
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
            c.name
            for c in schema.modelled
            if c.kind in (Kind.NUMERIC, Kind.INTEGER) and c.name not in special
        ]
        categorical = [c.name for c in schema.modelled if c.kind in (Kind.CATEGORICAL, Kind.BOOLEAN)]
        balance = self._balance(events.assign(**{cfg.time_column: times}), numeric, categorical)
        order = ev.booking_order(events, cfg.entity_key, times, balance)
        booked = events.iloc[order].reset_index(drop=True)
        times = times.iloc[order].reset_index(drop=True)
        context, dates, anchor = self._context(context, booked)
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
        )
        return booked, times, entities, layout

    def _balance(self, events: pd.DataFrame, numeric: list[str], categorical: list[str]) -> ev.Balance | None:
        cfg = self.config
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

    def _context(self, context: pd.DataFrame | None, booked: pd.DataFrame):
        key = self.config.entity_key
        if context is None:
            return None, {}, None
        if key not in context.columns:
            raise InputError(f"context: column '{key}' (the entity key) is missing")
        if context[key].duplicated().any():
            raise InputError(
                f"context: column '{key}' has {int(context[key].duplicated().sum())} duplicate keys"
            )
        missing = ~booked[key].drop_duplicates().isin(context[key])
        if missing.any():
            raise InputError(
                f"context: {int(missing.sum())} entities of the events have no row (key '{key}')"
            )
        context = context[context[key].isin(booked[key])].copy()
        dates = ev.date_like_columns(context, {key})
        for name, fmt in dates.items():
            context[name] = fmt.parse(context[name])
        datetimes = [
            c for c in context.columns if c != key and pd.api.types.is_datetime64_any_dtype(context[c])
        ]
        return context, {n: f.format for n, f in dates.items()}, (datetimes[0] if datetimes else None)

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        table: pd.DataFrame,
        schema: Schema,
        *,
        context: pd.DataFrame | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Fit the entity model and the event model on events (and the entities' context)."""
        cfg = self.config
        started = clock.perf_counter()
        self.schema = schema
        booked, times, entities, self.layout = self.prepare(table, schema, context)
        constant = [
            c for c in entities.columns if c != cfg.entity_key and entities[c].nunique(dropna=False) == 1
        ]
        self.layout.constants = {c: _plain(entities[c].iloc[0]) for c in constant}
        entity_schema = infer_schema(
            entities.drop(columns=constant),
            table="entities",
            overrides={cfg.entity_key: ColumnOverride(kind=Kind.ID)},
        )
        if context is not None:
            self.layout.context_schema = infer_schema(
                context, table="context", overrides={cfg.entity_key: ColumnOverride(kind=Kind.ID)}
            ).to_dict()
        entity_schema = rules_for(entities, entity_schema)  # the entities keep their rules too
        vae = VAEModel(epochs=cfg.entity_epochs, seed=cfg.seed, device=cfg.device, batch_size=256)
        self.entities = RuleKeeper(vae)
        self.entities.fit(entities, entity_schema)
        frame = self._event_frame(booked, times)
        event_schema = infer_schema(frame, table="events")
        self.code = fit_table(frame, event_schema, EncodingConfig(n_bins=cfg.n_bins))
        # every gap in days gets a token of its own: month ends and monthly orders need exact days
        self.code.columns[0] = fit_column(frame[GAP], event_schema[GAP], EncodingConfig(max_exact=100_000))
        rng = np.random.default_rng(cfg.seed)
        device = self._device()
        first = times.min().to_datetime64().astype("datetime64[D]")
        span = int((np.datetime64(self.layout.window_end) - first).astype(np.int64))
        self.layout.calendar = (str(first), span + int(frame[GAP].max()) + 400)
        padded = self._pad(self.code.encode(frame, rng), booked, times, entities)
        entity_tokens = self._entity_tokens(entities, rng)
        data = [torch.from_numpy(a).to(device) for a in (*padded, entity_tokens)]
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(cfg.seed)
            self.net = self._build_net().to(device)
            self._train(*data, progress=progress)
        self.history["fit_seconds"] = clock.perf_counter() - started
        self.history["entities"] = len(entities)
        self.history["events"] = len(booked)

    def _entity_tokens(self, entities: pd.DataFrame, rng: np.random.Generator | None = None) -> np.ndarray:
        """The entity VAE's tokens of whole entity rows (its rule codec's table, every row)."""
        codec = RuleCodec(self.entities.schema, native=VAEModel.keeps)
        return self.entities.inner.code.encode(codec.encode(entities, every_row=True), rng)

    def _build_net(self) -> EventNet:
        gap_days = [float(v) for v in self.code.columns[0].levels]
        return EventNet(
            self.code.vocab_sizes,
            self.entities.inner.code.vocab_sizes,
            gap_days,
            tuple(self.layout.calendar),
            self.config,
        )

    def _event_frame(self, booked: pd.DataFrame, times: pd.Series) -> pd.DataFrame:
        """The learned event columns: gap in days, modelled columns, identifier presence."""
        cfg, layout = self.config, self.layout
        balance = layout.balance["column"] if layout.balance else None
        gap = times.groupby(booked[cfg.entity_key].to_numpy()).diff().dt.days.fillna(0).astype(np.int64)
        columns = {GAP: gap.to_numpy()}
        for column in self.schema.modelled:
            if column.name not in (cfg.entity_key, cfg.time_column, balance):
                columns[column.name] = booked[column.name].to_numpy()
        for name in layout.identifiers:
            if booked[name].isna().any():
                columns[PRESENT + name] = booked[name].notna().map({True: "yes", False: "no"}).to_numpy()
                layout.present_tokens.append(name)
        return pd.DataFrame(columns)

    def _pad(self, tokens: np.ndarray, booked: pd.DataFrame, times: pd.Series, entities: pd.DataFrame):
        """Scatter event tokens into (E, T, C) with features of each event's day (E, T+1, F):
        position T holds the start day's features (what the first event is predicted from).
        """
        cfg = self.config
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
        end = np.datetime64(self.layout.window_end)
        stamps = np.full((len(entities), width + 1), end, dtype="datetime64[D]")
        stamps[entity[keep], position[keep]] = times.to_numpy().astype("datetime64[D]")[keep]
        first = times.groupby(key.to_numpy(), sort=False).first().reindex(entities[cfg.entity_key])
        stamps[:, width] = first.to_numpy().astype("datetime64[D]")
        steps = np.concatenate([np.arange(width), [-1]])[None, :]
        remaining = counts[:, None] - steps - 1
        remaining[:, -1] = counts
        features = time_features(stamps, end, remaining, np.broadcast_to(counts[:, None], remaining.shape))
        previous = np.concatenate([stamps[:, -1:], stamps[:, : width - 1]], 1).astype(np.int64)
        return padded, features, previous, mask

    def _train(self, tokens, features, previous, mask, entity_tokens, *, progress: Progress | None) -> None:
        cfg, net = self.config, self.net
        generator = torch.Generator().manual_seed(cfg.seed)
        n = len(tokens)
        n_val = int(n * cfg.val_share) if n >= 100 else 0
        perm = torch.randperm(n, generator=generator).to(tokens.device)
        val, train = perm[:n_val], perm[n_val:]
        batch = min(cfg.batch_size, len(train))
        steps = max(1, len(train) // batch)
        optimizer = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-5)
        schedule = one_cycle(optimizer, cfg.lr, cfg.epochs * steps)
        autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=tokens.device.type == "cuda")
        best, best_state, stale = math.inf, None, 0
        lengths = mask.sum(1)
        for epoch in range(cfg.epochs):
            net.train()
            total = 0.0
            for rows in _length_batches(train, lengths, batch, generator):
                width = int(mask[rows].sum(1).max())  # trim padding to the batch's longest
                with autocast:
                    loss = net.loss(
                        tokens[rows, :width],
                        torch.cat([features[rows, :width], features[rows, -1:]], 1),
                        previous[rows, :width],
                        entity_tokens[rows],
                        mask[rows, :width],
                    )
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                total += float(loss.detach())
            score = (
                self._validate(tokens, features, previous, mask, entity_tokens, val)
                if n_val
                else total / steps
            )
            self.history.update(epochs_run=epoch + 1, train_loss=total / steps, val_loss=score)
            if progress:
                progress("fit", epoch + 1, cfg.epochs)
            if score < best - 1e-3:
                best, stale, best_state = score, 0, copy.deepcopy(net.state_dict())
            else:
                stale += 1
                if n_val and stale >= cfg.patience:
                    break
        if best_state is not None:
            net.load_state_dict(best_state)
        self.history["best_val_loss"] = best

    @torch.no_grad()
    def _validate(self, tokens, features, previous, mask, entity_tokens, rows) -> float:
        self.net.eval()
        width = int(mask[rows].sum(1).max())
        features = torch.cat([features[rows, :width], features[rows, -1:]], 1)
        return float(
            self.net.loss(
                tokens[rows, :width],
                features,
                previous[rows, :width],
                entity_tokens[rows],
                mask[rows, :width],
            )
        )

    # ------------------------------------------------------------------ sample
    def sample(self, n: int, conditions: Any = None, *, seed: int = 0, progress: Progress | None = None):
        """Tabular sampling does not apply: use :meth:`sample_entities`."""
        raise ModelError("a sequence model samples entities: use 'synth sample MODEL --entities N'")

    @torch.no_grad()
    def sample_entities(
        self, n: int, *, seed: int = 0, progress: Progress | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``n`` synthetic entities (key + context columns) and their events in booking order."""
        if self.net is None or self.layout is None or self.entities is None:
            raise NotFittedError("the model must be fitted before sampling; call fit() first")
        if n < 1:
            raise ModelError(f"the number of entities must be positive, got {n}")
        cfg, layout = self.config, self.layout
        rng = np.random.default_rng(seed)
        generator = torch.Generator().manual_seed(seed)
        drawn = self.entities.sample(n, seed=seed)
        for name, value in layout.constants.items():
            drawn[name] = pd.Series([value] * n, dtype="datetime64[ns]" if name == layout.anchor else None)
        counts = drawn[ev.N_EVENTS].clip(1, cfg.max_events).to_numpy(dtype=np.int64)
        drawn[ev.N_EVENTS] = counts
        if layout.anchor is not None:
            offset = pd.to_timedelta(drawn[ev.START_OFFSET].clip(lower=0), unit="D")
            starts = (drawn[layout.anchor] + offset).to_numpy().astype("datetime64[D]")
        else:
            starts = drawn[ev.START].to_numpy().astype("datetime64[D]")
        entity_tokens = self._entity_tokens(drawn)
        device = next(self.net.parameters()).device
        batch = 65_536 if device.type == "cuda" else 8_192
        tokens, days = [], []
        self.net.eval()
        for lo in range(0, n, batch):
            hi = min(n, lo + batch)
            t, d = self._generate(
                torch.from_numpy(entity_tokens[lo:hi]).to(device),
                counts[lo:hi],
                starts[lo:hi],
                generator,
                rng,
            )
            tokens.append(t)
            days.append(d)
            if progress:
                progress("sample", hi, n)
        # events past the observed window are dropped, as the real data ends there too
        end = np.datetime64(layout.window_end)
        masks = [
            m & ((d <= end) | (np.arange(m.shape[1]) == 0))
            for m, d in zip(self._masks(counts, batch), days, strict=True)
        ]
        entity_of = np.concatenate([np.nonzero(m)[0] + i * batch for i, m in enumerate(masks)])
        flat = np.concatenate([t[m] for t, m in zip(tokens, masks, strict=True)])
        stamps = np.concatenate([d[m] for d, m in zip(days, masks, strict=True)])
        decoded = self.code.decode(flat, rng)
        return self._assemble(drawn, entity_of, stamps, decoded, rng)

    @staticmethod
    def _masks(counts: np.ndarray, batch: int) -> list[np.ndarray]:
        masks = []
        for lo in range(0, len(counts), batch):
            part = counts[lo : lo + batch]
            masks.append(np.arange(int(part.max()))[None, :] < part[:, None])
        return masks

    def _generate(self, entity_tokens, counts, starts, generator, rng) -> tuple[np.ndarray, np.ndarray]:
        """Events of a batch of entities, one vectorised step per event position."""
        net, device = self.net, entity_tokens.device
        end = np.datetime64(self.layout.window_end)
        gap_code = self.code.columns[0]
        width, n_cols = int(counts.max()), len(self.code.columns)
        e, h = net.start(entity_tokens)
        out = np.zeros((len(counts), width, n_cols), dtype=np.int64)
        days = np.zeros((len(counts), width), dtype="datetime64[D]")
        day, previous = starts.copy(), None
        for t in range(width):
            features = torch.from_numpy(time_features(day, end, counts - t, counts)).to(device)
            x = net.step_input(previous, features, e)[:, None]
            y, h = net.gru(x, h)
            y, prefix = y[:, 0], torch.zeros_like(e)
            step = torch.empty(len(counts), n_cols, dtype=torch.long, device=device)
            day_number = torch.from_numpy(day.astype(np.int64)).to(device)
            for col in range(n_cols):
                logits = net.column_logits(y, prefix, col, day_number).float()
                uniform = torch.rand(logits.shape, generator=generator).to(device)
                token = (logits - torch.log(-torch.log(uniform.clamp_min(1e-20)))).argmax(-1)
                step[:, col] = token
                prefix = prefix + net.embed(token + net.offsets[col])
            previous = step
            step_np = step.cpu().numpy()
            gap = gap_code.decode(step_np[:, 0], rng).to_numpy(dtype=float)
            gap = np.zeros(len(counts)) if t == 0 else np.clip(np.nan_to_num(gap), 0, None)
            day = day + gap.astype("timedelta64[D]")
            out[:, t], days[:, t] = step_np, day
        return out, days

    def _assemble(self, drawn, entity_of, stamps, decoded, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Fresh keys, formatted times, derived balance and identifiers, the input's dtypes."""
        from synth.keys import fake_values, fresh_keys

        cfg, layout = self.config, self.layout
        events_schema = Schema.from_dict(layout.events_schema)
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
            columns[layout.balance["column"]] = self._balances(drawn, entity_of, pd.DataFrame(columns))
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
        return self._entities_out(drawn, keys), events

    def _balances(self, drawn: pd.DataFrame, entity_of: np.ndarray, events: pd.DataFrame) -> np.ndarray:
        """Opening balance plus cumulative signed amounts, in integer units of the last decimal."""
        balance = ev.Balance(**self.layout.balance)
        scale = 10**balance.decimals
        signed = np.round(balance.signed(events) * scale).astype(np.int64)
        opening = np.round(drawn[ev.OPENING].to_numpy(dtype=float) * scale).astype(np.int64)
        running = pd.Series(signed).groupby(entity_of).cumsum().to_numpy() + opening[entity_of]
        return running / scale

    def _entities_out(self, drawn: pd.DataFrame, keys: np.ndarray) -> pd.DataFrame:
        layout, key = self.layout, self.config.entity_key
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
                    values = ev.TimeFormat(layout.context_dates[column.name]).format_values(
                        values, column.dtype
                    )
                frame[column.name] = values.to_numpy()
            else:
                frame[column.name] = self._context_identifier(column, len(frame))
        return context_schema.conform(frame)

    def _context_identifier(self, column: Column, n: int) -> pd.Series:
        from synth.keys import fake_values, fresh_keys

        rng = np.random.default_rng([self.config.seed, 7])
        if column.kind is Kind.ID or column.pii == "key":
            return fresh_keys(column, n, rng)
        return fake_values(column, n, rng)

    # ------------------------------------------------------------------ persistence
    def save_files(self, directory: Path) -> None:
        """Event weights as a state dict; layout, encodings and history as JSON; the entity VAE
        in ``entities/``. No pickled code.
        """
        if self.net is None or self.layout is None or self.entities is None:
            raise NotFittedError("the model must be fitted before it is saved; call fit() first")
        torch.save({k: v.detach().cpu() for k, v in self.net.state_dict().items()}, directory / WEIGHTS_FILE)
        payload = {"layout": asdict(self.layout), "encoding": self.code.to_dict(), "history": self.history}
        (directory / STATE_FILE).write_text(json.dumps(payload, default=float))
        (directory / ENTITY_DIR).mkdir()
        self.entities.save_files(directory / ENTITY_DIR)
        schema = json.dumps(self.entities.schema.to_dict())
        (directory / ENTITY_DIR / "schema.json").write_text(schema)
        inner = json.dumps(self.entities.model_schema.to_dict())
        (directory / ENTITY_DIR / "model_schema.json").write_text(inner)

    @classmethod
    def load_files(cls, directory: Path, params: dict[str, Any], schema: Schema) -> SequenceModel:
        """Rebuild from :meth:`save_files`; weights load with ``weights_only=True``."""
        model = cls(**params)
        payload = json.loads((directory / STATE_FILE).read_text())
        model.schema = schema
        model.layout = Layout(**payload["layout"])
        model.code = TableCode.from_dict(payload["encoding"])
        model.history = payload.get("history", {})
        entity_schema = Schema.from_dict(json.loads((directory / ENTITY_DIR / "schema.json").read_text()))
        inner_file = directory / ENTITY_DIR / "model_schema.json"
        inner_schema = (
            Schema.from_dict(json.loads(inner_file.read_text())) if inner_file.is_file() else entity_schema
        )
        vae_params = {"epochs": model.config.entity_epochs, "seed": model.config.seed, "batch_size": 256}
        model.entities = RuleKeeper.load(
            VAEModel, directory / ENTITY_DIR, {**vae_params, "device": "cpu"}, entity_schema, inner_schema
        )
        model.net = model._build_net()
        state = torch.load(directory / WEIGHTS_FILE, map_location="cpu", weights_only=True)
        model.net.load_state_dict(state)
        device = model._device()
        model.net.to(device)
        model.entities.inner.net.to(device)
        return model
