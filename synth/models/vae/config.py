"""The VAE's hyper-parameters, checked when a model is built (one clear error per bad value)."""

from __future__ import annotations

from dataclasses import dataclass

from synth.errors import ModelError
from synth.models.runtime import check_device, check_precision

MIN_VAL_ROWS = 20
MAX_VAL_ROWS = 50_000  # early stopping's rows at most: a streamed table of millions needs no more


@dataclass
class VAEConfig:
    """Hyper-parameters. The defaults are what ``synth fit data.csv --model vae`` uses."""

    epochs: int | None = None  # None: AUTO_EPOCHS, more for a small table (training.planned_epochs)
    batch_size: int = 512
    lr: float = 8e-3
    d_model: int = 64
    d_latent: int = 16
    n_components: int = 16
    n_blocks: int = 0  # shared residual blocks before the per-column MLP
    column_hidden: int = 64  # each column's own residual MLP; 0: none
    weight_decay: float = 0.05
    beta: float = 1.0
    dropout: float = 0.025
    ema_decay: float = 0.995
    any_order_share: float = 0.75  # rows trained in a random column order (what conditioning decodes)
    sample_order: str = "random"  # "random": each block of rows decodes in its own column order
    condition_draws: int = 6  # candidate latents per conditioned row (see sampling.latents)
    proposal_steps: int = 300  # fit steps of the latent proposal (synth.models.proposal); 0: none
    proposal_share: float = 0.75  # share of candidates drawn from it (the rest: from the prior)
    val_share: float = 0.05  # early stopping's held-out rows (none below MIN_VAL_ROWS of them)
    patience: int = 8  # a one-cycle run rarely stops early; this guards against divergence
    n_bins: int = 32
    max_exact: int = 48  # numeric columns with at most this many distinct values keep them exact
    device: str = "auto"
    precision: str = "auto"  # bf16 autocast on CUDA and on CPUs with bf16 matrix units (AMX)
    seed: int = 0
    dp_epsilon: float | None = None  # train with DP-SGD to this budget (see synth.models.dp)
    dp_delta: float | None = None  # default: 1 / rows^1.1
    dp_max_grad_norm: float = 1.0

    def __post_init__(self) -> None:
        if self.epochs is not None and self.epochs < 1:
            raise ModelError("vae: epochs must be at least 1")
        for name in (
            "batch_size",
            "d_model",
            "d_latent",
            "n_components",
            "n_bins",
            "condition_draws",
        ):
            if getattr(self, name) < 1:
                raise ModelError(f"vae: {name} must be at least 1")
        for name in ("n_blocks", "column_hidden", "proposal_steps"):
            if getattr(self, name) < 0:
                raise ModelError(f"vae: {name} must not be negative")
        for name in ("proposal_share", "any_order_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ModelError(f"vae: {name} must be in [0, 1]")
        if self.sample_order not in ("random", "canonical"):
            raise ModelError(f"vae: sample_order must be 'random' or 'canonical', not {self.sample_order!r}")
        if not 0 <= self.val_share < 0.5:
            raise ModelError("vae: val_share must be in [0, 0.5)")
        if self.dp_epsilon is not None and self.dp_epsilon <= 0:
            raise ModelError("vae: dp_epsilon must be positive")
        check_device(self.device, "vae")
        check_precision(self.precision, "vae")
