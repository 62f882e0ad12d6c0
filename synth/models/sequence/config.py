"""The sequence model's hyper-parameters, and its layout: what it learned about the tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synth.errors import ModelError
from synth.models.runtime import check_device

GAP = "__gap_days"
PRESENT = "__present__"
N_TIME_FEATURES = 10  # nine of the day and the budget left, one of the running balance


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
    balance_scale: float = 0.0  # a typical amount: the balance feature's unit (0: no balance)
    balance_floor: float | None = None  # a debit drawn never takes the balance below this
    balance_ceiling: float | None = None  # nor a credit above this
    entity_proposal_steps: int = 300  # the entity VAE's latent proposal (conditional draws): per 8 entities
