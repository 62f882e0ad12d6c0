"""The event network: a GRU over events, each event's columns decoded in order from its state.

Shapes in comments: E entities, T events per entity, C event columns, D model width.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from synth.models.sequence.config import N_TIME_FEATURES, SequenceConfig


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


def length_batches(
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
    stamps: np.ndarray,
    window_end: np.datetime64,
    remaining: np.ndarray,
    total: np.ndarray,
    balance: np.ndarray | None = None,
    scale: float = 0.0,
) -> np.ndarray:
    """Calendar, budget and balance features of a day (float32, last axis ``N_TIME_FEATURES``).

    ``balance`` is the running balance after the event of that day (the opening balance for the
    start day), squashed in units of ``scale``, so the network sees what an account holds
    before it draws the next amount; 0 where there is no balance.
    """
    days = stamps.astype("datetime64[D]")
    month_start = days.astype("datetime64[M]")
    next_month = (month_start + 1).astype("datetime64[D]")
    day = (days - month_start.astype("datetime64[D]")).astype(np.int64)
    to_month_end = (next_month - days).astype(np.int64) - 1
    month = month_start.astype(np.int64) % 12
    weekday = (days.astype(np.int64) + 3) % 7
    left = (window_end - days).astype(np.int64)
    angle_m, angle_w = 2 * np.pi * month / 12, 2 * np.pi * weekday / 7
    held = np.arcsinh(balance / scale) / 4 if scale and balance is not None else np.zeros(day.shape)
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
            held,
        ],
        axis=-1,
    ).astype(np.float32)
