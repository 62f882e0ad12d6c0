"""Our tabular VAE: a learned mixture prior and an any-order autoregressive decoder.

Why this architecture (see README, "Our model"): a VAE with a factorised decoder and a standard
normal prior (SDV's TVAE) loses column dependencies twice: the aggregate posterior does not match
the prior, and every dependency must squeeze through the latent. TabSyn answers the first with a
diffusion prior (hours on a GPU). We answer both cheaply:

- the prior is a learned mixture of Gaussians, trained jointly with the ELBO (a VampPrior-style
  learned prior), so sampling ``z`` from it matches what the decoder was trained on;
- the decoder is autoregressive over columns given ``z``: column ``j`` is predicted from ``z``
  and the embeddings of the columns decoded before it, each read through a projection of
  column ``j``'s own (a masked concatenation, as MOSTLY AI's TabularARGN feeds its per-column
  regressors; one pass computes every column during training), then a small per-column MLP.
  Our first decoder summed the earlier embeddings into one shared vector and needed two wide
  shared blocks to pull them apart again; that capacity memorised rare combinations (negative
  ELBO 0.61 nats/row lower on training rows than on the holdout, against 0.25-0.29 now, with
  a better holdout ELBO, DCR share 0.508-0.510 instead of 0.513, 2.5x faster sampling);
- it is trained on random column orders for three quarters of each batch (any-order
  training; half gave conditioned rows 0.002-0.010 worse shapes), so
  conditional sampling decodes the fixed columns *first* and draws the rest from their
  conditional, with ``z`` drawn from its posterior given the fixed columns by
  sampling-importance-resampling over candidates from a learned proposal
  (``VAEModel._latents``, ``synth.models.proposal``). No rejection loop over rows: a
  1 %-prevalence class costs what any conditioned rows cost;
- sampling decodes each block of rows in its own random column order (``VAEModel._decode``):
  an ensemble of the factorisations the decoder learned, which copies fewer of one order's
  memorised rare combinations than the schema order alone.

Columns are tokens (``synth.models.encoding``): categorical levels, exact point masses and
equal-frequency bins whose values are drawn by inverting a fine quantile grid.

Shapes in comments: B batch, C modelled columns, E embedding width, D model width, L latent
width, K components.
"""

from __future__ import annotations

import copy
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from synth.errors import ModelError, NotFittedError
from synth.models.base import (
    Conditions,
    Progress,
    check_device,
    check_precision,
    one_cycle,
    torch_device,
    typed_config,
    use_bf16,
)
from synth.models.encoding import EncodingConfig, TableCode, fit_table
from synth.models.masks import forbidden_tables, mask_grouped, mask_logits
from synth.models.proposal import LatentProposal, fit_proposal, mixture_log_prob
from synth.schema import Schema

WEIGHTS_FILE = "weights.pt"
PROPOSAL_FILE = "proposal.pt"
ENCODING_FILE = "encoding.json"
MIN_VAL_ROWS = 20
ORDERS_PER_BATCH = 16  # random column orders per sampling batch (VAEModel._decode)


@dataclass
class VAEConfig:
    """Hyper-parameters. The defaults are what ``synth fit data.csv --model vae`` uses."""

    epochs: int = 40  # the one-cycle schedule spans these; early stopping may end sooner
    batch_size: int = 1024
    lr: float = 4e-3
    d_model: int = 128
    d_latent: int = 16
    n_components: int = 16
    d_embed: int = 8  # decoder embedding width of each earlier column
    n_blocks: int = 0  # shared residual blocks before the per-column MLP
    column_hidden: int = 64  # each column's own residual MLP; 0: none
    weight_decay: float = 0.05
    beta: float = 1.0
    dropout: float = 0.05
    ema_decay: float = 0.995
    any_order_share: float = 0.75  # rows trained in a random column order (what conditioning decodes)
    sample_order: str = "random"  # "random": each block of rows decodes in its own column order
    condition_draws: int = 6  # candidate latents per conditioned row (see VAEModel._latents)
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
        for name in (
            "epochs",
            "batch_size",
            "d_model",
            "d_latent",
            "d_embed",
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


class PositionDrop(nn.Module):
    """Dropout of whole column positions: ``x`` (..., C, D) loses entire D-vectors.

    Elementwise dropout draws a random number per activation, which was 16 % of a CPU training
    step; one draw per (row, column) costs nothing. Applied to a residual update it is
    stochastic depth per position; applied to the decoder's inputs it hides whole earlier
    columns, which also prepares the decoder for conditioning on any subset of columns.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = torch.rand_like(x[..., :1]) >= self.p
        return x * keep.to(x.dtype) / (1 - self.p)


class Block(nn.Module):
    """Pre-norm residual MLP block, applied to every column position alike."""

    def __init__(self, d: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d), PositionDrop(dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.ff(self.norm(x))


class ColumnMLP(nn.Module):
    """A residual MLP of each column's own, after the (optional, by default none) shared blocks,
    which give every column the same function up to an additive position vector.
    """

    def __init__(self, n_cols: int, d: int, hidden: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.w_in = nn.Parameter(torch.randn(n_cols, d, hidden) / math.sqrt(d))
        self.b_in = nn.Parameter(torch.zeros(n_cols, hidden))
        self.w_out = nn.Parameter(torch.zeros(n_cols, hidden, d))

    def forward(self, y: torch.Tensor) -> torch.Tensor:  # (B, C, D)
        h = F.gelu(torch.einsum("bcd,cdh->bch", self.norm(y), self.w_in) + self.b_in)
        return y + torch.einsum("bch,chd->bcd", h, self.w_out)

    def one(self, y: torch.Tensor, col: int) -> torch.Tensor:  # (B, D), one column
        h = F.gelu(self.norm(y) @ self.w_in[col] + self.b_in[col])
        return y + h @ self.w_out[col]

    def grouped(self, y: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:  # (G, R, D): group g is cols[g]
        h = F.gelu(torch.baddbmm(self.b_in[cols][:, None, :], self.norm(y), self.w_in[cols]))
        return y + torch.bmm(h, self.w_out[cols])


class TabularVAE(nn.Module):
    """Encoder q(z|x), mixture prior p(z), any-order autoregressive decoder p(x|z)."""

    def __init__(self, vocab_sizes: list[int], cfg: VAEConfig) -> None:
        super().__init__()
        d, n_cols = cfg.d_model, len(vocab_sizes)
        self.vocab_sizes = vocab_sizes
        self.register_buffer("offsets", torch.tensor([0, *np.cumsum(vocab_sizes)[:-1]]))
        total = int(sum(vocab_sizes))
        # encoder: a sum of token embeddings is a linear map of the one-hot row
        self.enc_embed = nn.Embedding(total, d)
        self.encoder = nn.Sequential(Block(d), nn.LayerNorm(d), nn.Linear(d, 2 * cfg.d_latent))
        # learned mixture-of-Gaussians prior
        self.prior_logits = nn.Parameter(torch.zeros(cfg.n_components))
        self.prior_mean = nn.Parameter(torch.randn(cfg.n_components, cfg.d_latent))
        self.prior_logstd = nn.Parameter(torch.zeros(cfg.n_components, cfg.d_latent))
        # decoder
        self.latent_in = nn.Linear(cfg.d_latent, d)
        self.dec_embed = nn.Embedding(total, cfg.d_embed)
        width = n_cols * cfg.d_embed
        self.prefix_proj = nn.Parameter(torch.randn(n_cols, width, d) / math.sqrt(width))  # (C, C*E, D)
        self.position = nn.Parameter(torch.zeros(n_cols, d))
        self.blocks = nn.Sequential(*[Block(d, cfg.dropout) for _ in range(cfg.n_blocks)])
        self.drop = PositionDrop(cfg.dropout)
        self.norm = nn.LayerNorm(d)
        self.column_mlp = ColumnMLP(n_cols, d, cfg.column_hidden) if cfg.column_hidden else None
        self.head = nn.Linear(d, total)
        nn.init.normal_(self.position, std=0.02)

    # -------------------------------------------------------------- pieces
    def encode(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.enc_embed(tokens + self.offsets).sum(1)  # (B, D)
        mean, logvar = self.encoder(h).chunk(2, dim=-1)  # (B, L) each
        return mean, logvar.clamp(-12, 8)

    def prior_mixture(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The prior's log weights (K,), means and log-stds (K, L), as every reader must see them."""
        return F.log_softmax(self.prior_logits, 0), self.prior_mean, self.prior_logstd.clamp(-7, 3)

    def prior_log_prob(self, z: torch.Tensor) -> torch.Tensor:
        log_w, mean, log_std = self.prior_mixture()
        std = log_std.exp()  # (K, L)
        diff = (z[:, None, :] - mean) / std  # (B, K, L)
        log_n = -0.5 * diff.pow(2).sum(-1) - std.log().sum(-1) - 0.5 * z.shape[1] * math.log(2 * math.pi)
        return torch.logsumexp(log_w + log_n, dim=1)  # (B,)

    def sample_prior(self, n: int, generator: torch.Generator) -> torch.Tensor:
        device = self.prior_mean.device
        probs = F.softmax(self.prior_logits.float(), 0).cpu()
        component = torch.multinomial(probs, n, replacement=True, generator=generator).to(device)
        noise = torch.randn(n, self.prior_mean.shape[1], generator=generator).to(device)
        std = self.prior_mixture()[2].exp()
        return self.prior_mean[component] + std[component] * noise  # (n, L)

    def column_logits(self, y: torch.Tensor, col: int) -> torch.Tensor:
        start = int(self.offsets[col])
        stop = start + self.vocab_sizes[col]
        return F.linear(y, self.head.weight[start:stop], self.head.bias[start:stop])

    # -------------------------------------------------------------- training
    def forward(self, tokens: torch.Tensor, order_keys: torch.Tensor, beta: float) -> tuple:
        """The loss (so ``torch.func.functional_call`` can compute per-sample gradients)."""
        return self.loss(tokens, order_keys, beta)

    def loss(self, tokens: torch.Tensor, order_keys: torch.Tensor, beta: float) -> tuple:
        """Negative ELBO per row, with the decoder reading columns in ``order_keys`` order.

        ``order_keys`` (B, C): column i is decoded before column j when key_i < key_j.
        """
        mean, logvar = self.encode(tokens)
        std = (0.5 * logvar).exp()
        z = mean + std * torch.randn_like(std)  # (B, L)
        log_q = (-0.5 * ((z - mean) / std).pow(2) - std.log() - 0.5 * math.log(2 * math.pi)).sum(-1)
        kl = log_q - self.prior_log_prob(z)  # (B,) single-sample estimate
        before = (order_keys[:, None, :] < order_keys[:, :, None]).to(z.dtype)  # (B, C, C)
        emb = self.drop(self.dec_embed(tokens + self.offsets))  # (B, C, E)
        visible = (before[..., None] * emb[:, None, :, :]).flatten(2)  # (B, C, C*E)
        prefix = torch.einsum("bck,ckd->bcd", visible, self.prefix_proj)  # (B, C, D)
        u = self.latent_in(z)[:, None, :] + prefix + self.position  # (B, C, D)
        y = self.blocks(u)
        if self.column_mlp is not None:
            y = self.column_mlp(y)
        y = self.norm(y)
        recon = torch.zeros_like(kl)
        # unbind, not y[:, col]: each slice's backward would zero-fill a whole (B, C, D) gradient
        for col, (y_col, target) in enumerate(zip(y.unbind(1), tokens.unbind(1), strict=True)):
            recon = recon + F.cross_entropy(self.column_logits(y_col, col).float(), target, reduction="none")
        return recon + beta * kl, recon, kl

    # -------------------------------------------------------------- sampling
    @torch.no_grad()
    def sample(
        self, z: torch.Tensor, order: list[int], fixed: dict[int, torch.Tensor], generator, tables=None
    ) -> torch.Tensor:
        """Decode columns in ``order``; columns in ``fixed`` take the given tokens; ``tables``
        (:mod:`synth.models.masks`) forbid values given the columns decoded before.
        """
        h, decoded = self._start(z)
        out = torch.empty(z.shape[0], len(self.vocab_sizes), dtype=torch.long, device=z.device)
        for step, col in enumerate(order):
            if col in fixed:
                token = fixed[col]
            else:
                logits = self._next_logits(h, decoded, col, first=step == 0)
                if tables:
                    logits = mask_logits(logits, col, out, order[:step], tables)
                token = _gumbel_argmax(logits, generator)
            out[:, col] = token
            decoded[:, col] = self.dec_embed(token + self.offsets[col])
        return out

    @torch.no_grad()
    def sample_grouped(
        self, z: torch.Tensor, first: list[int], orders: torch.Tensor, fixed: dict, generator, tables=None
    ) -> torch.Tensor:
        """Decode the ``first`` (fixed) columns, then the rest in a column order of each group's
        own: the rows of ``z`` form G equal contiguous groups, group g decoding ``orders[g]``
        (G, free columns). Each step runs its batched products once over every group, whichever
        column each decodes, instead of once per group, which is what a GPU needs. On 2 CPU
        cores it ran at 0.80-0.98x schema order's speed (the padded vocabulary's Gumbel draws),
        a loop over the groups at 0.76-0.90x.
        """
        n_groups, n_cols = orders.shape[0], len(self.vocab_sizes)
        h, decoded = self._start(z)
        out = torch.empty(z.shape[0], n_cols, dtype=torch.long, device=z.device)
        for col in first:
            out[:, col] = fixed[col]
            decoded[:, col] = self.dec_embed(fixed[col] + self.offsets[col])
        h = h.view(n_groups, -1, h.shape[-1])  # (G, R, D)
        decoded = decoded.view(n_groups, -1, n_cols, decoded.shape[-1])  # (G, R, C, E), a view
        grouped_out = out.view(n_groups, -1, n_cols)
        head = self._padded_head()
        groups = torch.arange(n_groups, device=z.device)
        done = torch.zeros(n_groups, n_cols, dtype=torch.bool, device=z.device)
        done[:, first] = True
        for step in range(orders.shape[1]):
            cols = orders[:, step]  # (G,)
            logits = self._grouped_logits(h, decoded, cols, head, first=not first and step == 0)
            if tables:
                logits = mask_grouped(logits, cols, grouped_out, done, tables)
            token = _gumbel_argmax(logits, generator)  # (G, R)
            grouped_out[groups, :, cols] = token
            done[groups, cols] = True
            decoded[groups, :, cols] = self.dec_embed(token + self.offsets[cols][:, None])
        return out

    def _padded_head(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The output layer as (C, V, D) weights and (C, V) biases, V the largest vocabulary; a
        smaller column's padding gets bias -inf, so it is never drawn.
        """
        n_cols, width = len(self.vocab_sizes), max(self.vocab_sizes)
        weight = self.head.weight.new_zeros(n_cols, width, self.head.weight.shape[1])
        bias = self.head.bias.new_full((n_cols, width), float("-inf"))
        for col, size in enumerate(self.vocab_sizes):
            start = int(self.offsets[col])
            weight[col, :size] = self.head.weight[start : start + size]
            bias[col, :size] = self.head.bias[start : start + size]
        return weight, bias

    def _grouped_logits(
        self, h: torch.Tensor, decoded: torch.Tensor, cols: torch.Tensor, head: tuple, first: bool
    ) -> torch.Tensor:
        """:meth:`_next_logits` for G groups at once: group g's rows predict column ``cols[g]``.
        ``h`` (G, R, D), ``decoded`` (G, R, C, E); returns (G, R, V), padded as ``head``.
        """
        y = h + self.position[cols][:, None, :]
        if not first:
            y = y + torch.bmm(decoded.flatten(2), self.prefix_proj[cols])
        y = self.blocks(y)
        if self.column_mlp is not None:
            y = self.column_mlp.grouped(y, cols)
        weight, bias = head
        return torch.baddbmm(bias[cols][:, None, :], self.norm(y), weight[cols].transpose(1, 2)).float()

    @torch.no_grad()
    def fixed_log_prob(self, z: torch.Tensor, fixed: dict[int, torch.Tensor]) -> torch.Tensor:
        """The log-likelihood of the fixed columns given ``z``, shape (n,), decoding them first
        in ascending column order, as :meth:`sample` does.
        """
        h, decoded = self._start(z)
        total = torch.zeros(z.shape[0], device=z.device)
        for step, col in enumerate(sorted(fixed)):
            token = fixed[col]
            log_p = F.log_softmax(self._next_logits(h, decoded, col, first=step == 0), -1)
            total += log_p.gather(1, token[:, None])[:, 0]
            decoded[:, col] = self.dec_embed(token + self.offsets[col])
        return total

    def _start(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.latent_in(z.to(self.latent_in.weight.dtype))  # (n, D)
        n_cols, width = len(self.vocab_sizes), self.dec_embed.weight.shape[1]
        decoded = torch.zeros(len(z), n_cols, width, dtype=h.dtype, device=h.device)  # zero until decoded
        return h, decoded

    def _next_logits(self, h: torch.Tensor, decoded: torch.Tensor, col: int, first: bool) -> torch.Tensor:
        """Logits of ``col`` given the latent and the columns decoded so far (none if ``first``:
        the prefix product would multiply zeros; skipping it is a fifth of scoring a condition).
        """
        if first:
            y = self.blocks(h + self.position[col])
        else:
            y = self.blocks(h + decoded.flatten(1) @ self.prefix_proj[col] + self.position[col])
        if self.column_mlp is not None:
            y = self.column_mlp.one(y, col)
        return self.column_logits(self.norm(y), col).float()  # (n, vocab of col)


def _gumbel_argmax(logits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One draw per row from softmax(logits) (the Gumbel-max trick), along the last axis."""
    uniform = torch.rand(logits.shape, generator=generator).to(logits.device)
    return (logits - torch.log(-torch.log(uniform.clamp_min(1e-20)))).argmax(-1)


def _ema_with_warmup(decay: float):
    """EMA whose decay grows as (1 + n) / (10 + n) up to ``decay``: short fits (small tables,
    few steps) must not keep most of the random initialisation in the average.
    """

    def average(averaged: torch.Tensor, current: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        d = min(decay, (1 + float(n)) / (10 + float(n)))
        return d * averaged + (1 - d) * current

    return average


class VAEModel:
    """``--model vae``: the pipeline's own synthesizer (see module docstring)."""

    name: ClassVar[str] = "vae"
    keeps: ClassVar[tuple[str, ...]] = ("combination",)  # forbidden pairs masked while decoding

    def __init__(self, **params: Any) -> None:
        self.config = typed_config(VAEConfig, params, "vae")
        self.schema: Schema | None = None
        self.code: TableCode | None = None
        self.net: TabularVAE | None = None
        self.proposal: LatentProposal | None = None
        self._bf16_net: TabularVAE | None = None
        self.history: dict[str, Any] = {}

    def params(self) -> dict[str, Any]:
        """Hyper-parameters (recorded in manifests)."""
        return asdict(self.config)

    def _device(self) -> torch.device:
        return torch_device(self.config.device, "vae")

    # ------------------------------------------------------------------ fit
    def fit(self, table: pd.DataFrame, schema: Schema, *, progress: Progress | None = None) -> None:
        """Fit encodings and network; early-stops on a held-out ``val_share`` of ``table``
        (5 %: on Adult, 10 % cost 0.0006-0.0011 of TSTR for each of three training seeds).
        """
        cfg = self.config
        started = time.perf_counter()
        self.schema = schema
        self._bf16_net = None
        self.code = fit_table(table, schema, EncodingConfig(n_bins=cfg.n_bins, max_exact=cfg.max_exact))
        rng = np.random.default_rng(cfg.seed)
        device = self._device()
        tokens = torch.from_numpy(self.code.encode(table, rng)).to(device)  # (N, C), once
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(cfg.seed)
            self.net = TabularVAE(self.code.vocab_sizes, cfg).to(device)
            if cfg.dp_epsilon is None:
                self._train(tokens, device, progress)
            else:
                self._train_private(tokens, device, progress)
            self.proposal = self._fit_proposal(device, progress) if cfg.proposal_steps else None
        self.history["fit_seconds"] = time.perf_counter() - started

    def _train(self, tokens: torch.Tensor, device: torch.device, progress: Progress | None) -> None:
        cfg, net = self.config, self.net
        generator = torch.Generator().manual_seed(cfg.seed)
        n = tokens.shape[0]
        n_val = int(n * cfg.val_share)
        n_val = n_val if n_val >= MIN_VAL_ROWS else 0  # a handful of rows only adds noise
        self.history["validation_rows"] = n_val
        perm = torch.randperm(n, generator=generator).to(device)
        val, train = tokens[perm[:n_val]], tokens[perm[n_val:]]
        batch = min(cfg.batch_size, len(train))
        steps = max(1, len(train) // batch)
        optimizer = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        schedule = one_cycle(optimizer, cfg.lr, cfg.epochs * steps)
        autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16(cfg.precision, device))
        # An exponential moving average of the weights is what we validate and keep: early
        # stopping otherwise keeps a snapshot taken at a high learning rate, whose noisy output
        # biases shift every marginal by a few percent.
        ema = torch.optim.swa_utils.AveragedModel(net, avg_fn=_ema_with_warmup(cfg.ema_decay))
        best, best_state, stale = math.inf, None, 0
        canonical = torch.arange(tokens.shape[1], dtype=torch.float32, device=device)
        val_keys = self._validation_keys(n_val, canonical, device)
        for epoch in range(cfg.epochs):
            net.train()
            order = torch.randperm(len(train), generator=generator).to(device)
            total = 0.0
            for step in range(steps):
                rows = train[order[step * batch : (step + 1) * batch]]
                keys = self._order_keys(len(rows), canonical, generator, device)
                with autocast:
                    loss, _, _ = net.loss(rows, keys, cfg.beta)
                    loss = loss.mean()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                ema.update_parameters(net)
                total += float(loss.detach())
            score = self._validate(ema.module, val, val_keys) if n_val else total / steps
            self.history.update(epochs_run=epoch + 1, train_loss=total / steps, val_loss=score)
            if progress:
                progress("fit", epoch + 1, cfg.epochs)
            if score < best - 1e-3:
                best, stale = score, 0
                best_state = copy.deepcopy(ema.module.state_dict())
            else:
                stale += 1
                if n_val and stale >= cfg.patience:
                    break
        if best_state is not None:
            net.load_state_dict(best_state)
        self.history["best_val_loss"] = best

    def _train_private(self, tokens: torch.Tensor, device: torch.device, progress) -> None:
        """DP-SGD on every row (no validation split: early stopping would spend privacy)."""
        from synth.models.dp import train_dp

        cfg = self.config
        generator = torch.Generator().manual_seed(cfg.seed)
        canonical = torch.arange(tokens.shape[1], dtype=torch.float32, device=device)
        delta = cfg.dp_delta or 1 / len(tokens) ** 1.1
        result = train_dp(
            self.net,
            tokens,
            target_epsilon=cfg.dp_epsilon,
            target_delta=delta,
            epochs=cfg.epochs,
            batch_size=cfg.batch_size,
            lr=cfg.lr,
            max_grad_norm=cfg.dp_max_grad_norm,
            beta=cfg.beta,
            generator=generator,
            order_keys=lambda n: self._order_keys(n, canonical, generator, device),
            progress=progress,
        )
        self.history.update(
            dp_epsilon_spent=result.epsilon,
            dp_epsilon_target=cfg.dp_epsilon,
            dp_delta=delta,
            dp_noise_multiplier=result.noise_multiplier,
            dp_steps=result.steps,
            dp_sample_rate=result.sample_rate,
        )

    def _fit_proposal(self, device: torch.device, progress: Progress | None = None) -> LatentProposal:
        """Fit the latent proposal of conditional sampling on the fitted model's own draws
        (no real rows: see ``synth.models.proposal``).
        """
        cfg, net = self.config, self._inference_net(device)
        columns = list(range(len(self.code.columns)))
        generator = torch.Generator().manual_seed(cfg.seed + 1)

        @torch.no_grad()
        def draw_pairs(n: int) -> tuple[torch.Tensor, torch.Tensor]:
            z = net.sample_prior(n, generator)
            return z.float(), self._decode(net, z, [], columns, {}, generator)

        proposal = LatentProposal(self.code.vocab_sizes, cfg.d_model, cfg.d_latent).to(device)
        loss = fit_proposal(proposal, draw_pairs, cfg.proposal_steps, 1024, generator, progress=progress)
        self.history["proposal_loss"] = loss
        return proposal

    def _order_keys(self, n, canonical, generator, device) -> torch.Tensor:
        random_keys = torch.rand(n, len(canonical), generator=generator).to(device)
        use_random = (torch.rand(n, 1, generator=generator) < self.config.any_order_share).to(device)
        return torch.where(use_random, random_keys * len(canonical), canonical.expand(n, -1))

    def _validation_keys(self, n: int, canonical: torch.Tensor, device: torch.device) -> torch.Tensor:
        """Order keys of the validation rows: the orders sampling decodes (schema order, or random
        orders drawn once per fit, so every epoch is scored on the same ones).
        """
        if self.config.sample_order == "canonical":
            return canonical.expand(n, -1)
        generator = torch.Generator().manual_seed(self.config.seed + 2)
        return (torch.rand(n, len(canonical), generator=generator) * len(canonical)).to(device)

    @torch.no_grad()
    def _validate(self, net: TabularVAE, val: torch.Tensor, keys: torch.Tensor) -> float:
        net.eval()
        total = 0.0
        for start in range(0, len(val), 4096):
            loss, _, _ = net.loss(val[start : start + 4096], keys[start : start + 4096], 1.0)
            total += float(loss.sum())
        return total / len(val)

    # ------------------------------------------------------------------ sample
    def sample(
        self,
        n: int,
        conditions: Conditions | None = None,
        *,
        seed: int = 0,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """Draw ``n`` rows; ``conditions`` fix columns exactly (one value, or one row per row)."""
        if self.net is None or self.code is None:
            raise NotFittedError("the model must be fitted before sampling; call fit() first")
        fixed_tokens, fixed_values = self._condition_tokens(n, conditions)
        device = next(self.net.parameters()).device
        generator = torch.Generator().manual_seed(seed)
        rng = np.random.default_rng(seed)
        fixed_cols = sorted(fixed_tokens)
        free = [c for c in range(len(self.code.columns)) if c not in fixed_tokens]
        # CPU batches stay cache-sized: at 65,536 rows fp32 sampling ran 15 % slower than at 16,384
        batch = 262_144 if device.type == "cuda" else 16_384
        if fixed_tokens:  # each row weighs condition_draws latents: keep the working set as large
            batch = max(1024, min(batch, batch * 4 // self.config.condition_draws))
        net = self._inference_net(device)
        tables = forbidden_tables(self.schema.rules, self.code, device)
        parts = []
        for start in range(0, n, batch):
            size = min(batch, n - start)
            fixed = {c: t[start : start + size].to(device) for c, t in fixed_tokens.items()}
            z = self._latents(net, size, fixed, generator)
            parts.append(self._decode(net, z, fixed_cols, free, fixed, generator, tables).cpu().numpy())
            if progress:
                progress("sample", start + size, n)
        tokens = np.concatenate(parts) if parts else np.empty((0, len(self.code.columns)), dtype=np.int64)
        frame = self.code.decode(tokens, rng)
        for name, values in fixed_values.items():
            frame[name] = values
        return self.schema.conform(frame, modelled_only=True)  # the input's dtypes: ints stay ints

    @torch.no_grad()
    def _decode(
        self,
        net: TabularVAE,
        z: torch.Tensor,
        first: list[int],
        free: list[int],
        fixed: dict,
        generator,
        tables=None,
    ) -> torch.Tensor:
        """Tokens for the latents ``z``: the ``first`` (fixed) columns, then the ``free`` ones, in
        schema order, or (``sample_order='random'``) each of ``ORDERS_PER_BATCH`` groups of rows
        in its own random order of the free columns.

        Why random orders: the decoder is trained on random orders (``any_order_share``), and a
        mix of orders is an ensemble of factorisations of one joint. One fixed order reproduces
        that order's memorised rare combinations; on Adult the DCR share over 260,000 drawn
        rows fell from 0.510 to 0.507 (README, "Column orders at sampling").
        """
        if self.config.sample_order == "canonical" or len(free) < 2:
            return net.sample(z, first + free, fixed, generator, tables)
        n = len(z)
        n_groups = min(ORDERS_PER_BATCH, n)
        pad = -n % n_groups  # groups are equal: repeat a few rows, then drop them
        free_cols = torch.tensor(free)
        orders = torch.stack([torch.randperm(len(free), generator=generator) for _ in range(n_groups)])
        orders = free_cols[orders]
        padded = {c: torch.cat([t, t[:pad]]) for c, t in fixed.items()}
        tokens = net.sample_grouped(
            torch.cat([z, z[:pad]]), first, orders.to(z.device), padded, generator, tables
        )
        return tokens[:n]

    def _latents(self, net: TabularVAE, n: int, fixed: dict, generator: torch.Generator) -> torch.Tensor:
        """Latents for ``n`` rows: prior draws, or, with fixed columns, draws from
        p(z | fixed columns) by sampling-importance-resampling. Each row gets
        ``condition_draws`` candidates, from the latent proposal r(z | fixed) or (a
        ``1 - proposal_share`` chance each) from the prior, and keeps one with probability
        proportional to p(z) p(fixed | z) / q(z), q the mixture of the two. A prior draw alone
        ignores the conditions, and the free columns drift towards their marginals (Adult with
        income fixed to >50K: 62 % married instead of the real 85 %).
        """
        k = self.config.condition_draws
        if not fixed:
            return self.net.sample_prior(n, generator)
        share = self.config.proposal_share
        if self.proposal is None:
            z = net.sample_prior(k * n, generator)  # (k * n, L): candidate i of row r at i * n + r
        else:
            mixture = self.proposal.mixture(self.proposal.context_of(fixed, n))  # of the n rows
            z = self.proposal.sample(mixture, k, generator).reshape(k * n, -1)
            from_prior = (torch.rand(k * n, generator=generator) >= share).to(z.device)
            z[from_prior] = net.sample_prior(int(from_prior.sum()), generator).to(z.dtype)
        if k == 1:  # nothing to choose between: the draw from q is the sample
            return z
        log_ratio = 0.0  # log p(z) / q(z): zero with prior candidates alone
        if self.proposal is not None:
            log_p = mixture_log_prob(z, *self.net.prior_mixture())  # fp32 weights, not the bf16 copy
            log_r = self.proposal.log_prob(z.view(k, n, -1), mixture).reshape(-1)
            log_q = torch.logaddexp(
                log_p + math.log(max(1 - share, 1e-12)), log_r + math.log(max(share, 1e-12))
            )
            log_ratio = log_p - log_q
        log_w = net.fixed_log_prob(z, {c: t.repeat(k) for c, t in fixed.items()}) + log_ratio
        pick = _gumbel_argmax(log_w.view(k, n).T, generator)  # (n,)
        return z.view(k, n, -1)[pick, torch.arange(n, device=z.device)]

    def _inference_net(self, device: torch.device) -> TabularVAE:
        """The network sampling runs: a bf16 copy where bf16 is the precision (one cast, not one
        per call as autocast does; the casts were a fifth of CPU sampling time), else the net.
        """
        self.net.eval()
        if not use_bf16(self.config.precision, device):
            return self.net
        if self._bf16_net is None:
            self._bf16_net = copy.deepcopy(self.net).to(torch.bfloat16).eval()
        return self._bf16_net

    def _condition_tokens(self, n: int, conditions: Conditions | None):
        if conditions is None or len(conditions) == 0:
            return {}, {}
        if isinstance(conditions, pd.DataFrame):
            if len(conditions) != n:
                raise ModelError(f"conditions have {len(conditions)} rows but {n} were asked for")
            frame = conditions.reset_index(drop=True)
        else:
            frame = pd.DataFrame({k: [v] * n for k, v in conditions.items()})
        tokens, values = {}, {}
        for name in frame.columns:
            position, code = self.code.column(name)
            tokens[position] = torch.from_numpy(code.encode(frame[name]))
            values[name] = frame[name].to_numpy()
        return tokens, values

    # ------------------------------------------------------------------ persistence
    def save_files(self, directory: Path) -> None:
        """Weights as a plain state dict; encodings and history as JSON. No pickled code."""
        if self.net is None or self.code is None:
            raise NotFittedError("the model must be fitted before it is saved; call fit() first")
        state = {k: v.detach().cpu() for k, v in self.net.state_dict().items()}
        torch.save(state, directory / WEIGHTS_FILE)
        if self.proposal is not None:
            torch.save(
                {k: v.detach().cpu() for k, v in self.proposal.state_dict().items()},
                directory / PROPOSAL_FILE,
            )
        payload = {"encoding": self.code.to_dict(), "history": self.history}
        (directory / ENCODING_FILE).write_text(json.dumps(payload, default=float))

    @classmethod
    def load_files(cls, directory: Path, params: dict[str, Any], schema: Schema) -> VAEModel:
        """Rebuild from :meth:`save_files`; weights load with ``weights_only=True``."""
        model = cls(**params)
        payload = json.loads((directory / ENCODING_FILE).read_text())
        model.schema = schema
        model.code = TableCode.from_dict(payload["encoding"])
        model.history = payload.get("history", {})
        model.net = TabularVAE(model.code.vocab_sizes, model.config)
        state = torch.load(directory / WEIGHTS_FILE, map_location="cpu", weights_only=True)
        try:
            model.net.load_state_dict(state)
        except RuntimeError:
            raise ModelError(
                f"{directory}: its weights do not fit this version's vae network "
                "(saved by an older synth?); fit the model again"
            ) from None
        model.net.to(model._device())
        if model.config.proposal_steps:
            model.proposal = LatentProposal(
                model.code.vocab_sizes, model.config.d_model, model.config.d_latent
            )
            try:
                proposal = torch.load(directory / PROPOSAL_FILE, map_location="cpu", weights_only=True)
                model.proposal.load_state_dict(proposal)
            except (FileNotFoundError, RuntimeError):
                raise ModelError(
                    f"{directory}: its latent proposal is missing or does not fit this version's vae "
                    "(saved by an older synth?); fit the model again"
                ) from None
            model.proposal.to(model._device()).eval()
        return model
