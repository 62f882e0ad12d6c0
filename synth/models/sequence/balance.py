"""The running balance while events are drawn, fed back to the event network at every step,
and kept within the range the real balances span.

Amounts are decoded as they are drawn, and those values are published, so the balance the
network saw is the one ``generation.assemble`` derives. Each kind token has its sign. An amount
token that would take the balance past the floor (a debit) or the ceiling (a credit) is ruled
out by its mean value; a value drawn within its bin past the bound is cut to it; where not even
the smallest amount fits, the next event is of the other sign. No history overdraws further, or
holds more, than the real ones did.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from synth import events as ev
from synth.models.encoding import TableCode
from synth.models.sequence.config import Layout

DRAWS = 16  # decodes per amount token that its mean value is taken over


@dataclass(frozen=True)
class BalanceTracker:
    """Which columns move the balance and how far it may go (see the module docstring)."""

    amount: int
    values: np.ndarray  # (V_amount,) each amount token's mean value
    kind: int
    signs: np.ndarray  # (V_kind,) +1 credit, -1 debit
    scale: float  # the balance feature's unit
    low: float
    high: float
    lowest: float  # the smallest amount the column decodes to: a cut amount stays a real one
    unit: float  # amounts are published rounded to this (the input's last decimal)

    @classmethod
    def of(cls, code: TableCode, layout: Layout) -> BalanceTracker | None:
        """The tracker of a model with a running balance, else None."""
        if layout.balance is None or not layout.balance_scale:
            return None
        balance = ev.Balance(**layout.balance)
        (amount, amounts), (kind, kinds) = code.column(balance.amount), code.column(balance.kind)
        rng = np.random.default_rng(0)
        tokens = np.repeat(np.arange(amounts.vocab_size), DRAWS)
        draws = amounts.decode(tokens, rng).to_numpy(dtype=float)
        values = np.nan_to_num(draws).reshape(amounts.vocab_size, DRAWS).mean(1)
        levels = kinds.decode(np.arange(kinds.vocab_size), rng).astype(str)
        signs = levels.map(balance.signs).fillna(-1).to_numpy(dtype=float)
        lowest = max(float(np.nanmin(draws)), 0.0) if np.isfinite(draws).any() else 0.0
        low = -np.inf if layout.balance_floor is None else layout.balance_floor
        high = np.inf if layout.balance_ceiling is None else layout.balance_ceiling
        unit = 10.0 ** -layout.decimals.get(balance.amount, 6)
        return cls(amount, values, kind, signs, layout.balance_scale, low, high, lowest, unit)

    def rooms(self, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """How far each balance (E,) may fall and rise, in whole units."""
        down = np.floor((held - self.low) / self.unit) * self.unit
        up = np.floor((self.high - held) / self.unit) * self.unit
        return down, up

    def allowed_kinds(self, logits: torch.Tensor, held: np.ndarray) -> torch.Tensor:
        """The kind column's ``logits`` (E, V): a sign ruled out where not even the smallest
        amount fits that way (unless neither sign fits: then both stay).
        """
        down, up = self.rooms(held)
        credit = self.signs > 0
        no_debit, no_credit = down < self.lowest, up < self.lowest
        mask = (no_debit[:, None] & ~credit[None, :]) | (no_credit[:, None] & credit[None, :])
        mask &= ~(no_debit & no_credit)[:, None]
        return logits.masked_fill(torch.from_numpy(mask).to(logits.device), float("-inf"))

    def allowed(self, logits: torch.Tensor, held: np.ndarray, kinds: torch.Tensor) -> torch.Tensor:
        """The amount column's ``logits`` (E, V) with every amount that would take the balance
        past its bound ruled out (the smallest amount always stays possible); the kind must have
        been drawn first.
        """
        if self.kind > self.amount:
            return logits
        down, up = self.rooms(held)
        room = np.where(self.signs[kinds.cpu().numpy()] < 0, down, up)  # (E,)
        over = (self.values[None, :] > room[:, None]) & (self.values[None, :] > self.values.min())
        return logits.masked_fill(torch.from_numpy(over).to(logits.device), float("-inf"))

    def step(
        self, code: TableCode, held: np.ndarray, tokens: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """The amounts of events ``tokens`` (E, C) and the balance after them, from ``held`` (E,)."""
        amount = code.columns[self.amount].decode(tokens[:, self.amount], rng).to_numpy(dtype=float)
        amount = np.round(amount / self.unit) * self.unit
        sign = self.signs[tokens[:, self.kind]]
        down, up = self.rooms(held)
        amount = np.minimum(amount, np.maximum(np.where(sign < 0, down, up), self.lowest))
        return amount, held + sign * np.nan_to_num(amount)
