"""The network: encoder q(z|x), learned mixture prior p(z), any-order autoregressive decoder.

Shapes in comments: B batch, C modelled columns, E embedding width, D model width, L latent
width, K components, G groups of rows decoded in one column order, R rows per group.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from synth.models.masks import mask_grouped, mask_probs, plan_grouped
from synth.models.vae.config import VAEConfig


class PositionDrop(nn.Module):
    """Dropout of whole column positions: ``x`` (..., C, D) loses entire D-vectors.

    Elementwise dropout draws a random number per activation, a visible share of a CPU training
    step; one draw per (row, column) costs nothing. Applied to a shared block's residual update
    it is stochastic depth per position. (The decoder's inputs hide whole earlier columns
    another way: see ``TabularVAE._decoder_inputs``.)
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

    def forward(self, y: torch.Tensor) -> torch.Tensor:  # (C, B, D): column c's rows are y[c]
        h = F.gelu(torch.baddbmm(self.b_in[:, None, :], self.norm(y), self.w_in))  # (C, B, H)
        return torch.baddbmm(y, h, self.w_out)

    def one(self, y: torch.Tensor, col: int) -> torch.Tensor:  # (B, D), one column
        h = F.gelu(torch.addmm(self.b_in[col], self.norm(y), self.w_in[col]))
        return torch.addmm(y, h, self.w_out[col])

    def grouped(self, y: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:  # (G, R, D): group g is cols[g]
        h = F.gelu(torch.baddbmm(self.b_in[cols][:, None, :], self.norm(y), self.w_in[cols]))
        return torch.baddbmm(y, h, self.w_out[cols])


class TabularVAE(nn.Module):
    """Encoder q(z|x), mixture prior p(z), any-order autoregressive decoder p(x|z).

    The decoder reads the columns decoded before column c as the sum of their value embeddings
    (a set: any order gives the same sum), plus the latent and c's position, then c's own MLP.
    A sum is what makes decoding cheap: one embedding added per decoded column, where a
    projection of every earlier column per target column cost a product per step.
    """

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
        self.dec_embed = nn.Embedding(total + 1, d, padding_idx=total)  # the last row: a hidden column
        self.position = nn.Parameter(torch.zeros(n_cols, d))
        self.blocks = nn.Sequential(*[Block(d, cfg.dropout) for _ in range(cfg.n_blocks)])
        self.dropout = cfg.dropout
        self.norm = nn.LayerNorm(d)
        self.column_mlp = ColumnMLP(n_cols, d, cfg.column_hidden) if cfg.column_hidden else None
        self.head = nn.Linear(d, total)
        self._head: tuple | None = None  # padded_head's last result, with its weights' versions
        with torch.no_grad():
            self.dec_embed.weight[:total].normal_(std=1 / math.sqrt(n_cols))
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

        ``order_keys`` (G, C): the rows form G equal contiguous groups, and in group g column i
        is decoded before column j when key_i < key_j (G = B: an order per row). A group's
        prefix sums are one product of its (C, C) order mask with its rows' embeddings.
        """
        mean, logvar = self.encode(tokens)
        std = (0.5 * logvar).exp()
        z = mean + std * torch.randn_like(std)  # (B, L)
        log_q = (-0.5 * ((z - mean) / std).pow(2) - std.log() - 0.5 * math.log(2 * math.pi)).sum(-1)
        kl = log_q - self.prior_log_prob(z)  # (B,) single-sample estimate
        y = self._decoder_inputs(tokens, order_keys, z)  # (C, B, D)
        y = self.blocks(y)
        if self.column_mlp is not None:
            y = self.column_mlp(y)
        y = self.norm(y)
        recon = torch.zeros_like(kl)
        # unbind, not y[col]: each slice's backward would zero-fill a whole (C, B, D) gradient
        for col, (y_col, target) in enumerate(zip(y.unbind(0), tokens.unbind(1), strict=True)):
            recon = recon + F.cross_entropy(self.column_logits(y_col, col).float(), target, reduction="none")
        return recon + beta * kl, recon, kl

    def _decoder_inputs(
        self, tokens: torch.Tensor, order_keys: torch.Tensor, z: torch.Tensor
    ) -> torch.Tensor:
        """Each column's input: the latent, its position, and the embeddings of the columns
        before it, of which dropout hides whole columns (which also prepares the decoder for
        conditioning on any subset). Returns (C, B, D), column-major for the column MLPs.
        """
        (n, n_cols), n_groups = tokens.shape, order_keys.shape[0]
        index = (tokens + self.offsets).T  # (C, B)
        before = (order_keys[:, None, :] < order_keys[:, :, None]).to(
            self.dec_embed.weight.dtype
        )  # (G, C, C)
        if self.training and self.dropout > 0:  # a hidden column reads the zero row; kept ones scale up
            hidden = torch.rand(index.shape, device=index.device) < self.dropout
            index = index.masked_fill(hidden, self.dec_embed.num_embeddings - 1)
            before = before / (1 - self.dropout)
        emb = self.dec_embed(index)  # (C, B, D)
        prefix = torch.matmul(before, emb.view(n_cols, n_groups, -1).transpose(0, 1))  # (G, C, R*D)
        prefix = prefix.transpose(0, 1).reshape(n_cols, n, -1)  # (C, B, D)
        return prefix + (self.latent_in(z) + self.position[:, None, :])

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
                probs = torch.softmax(self._next_logits(h, decoded, col), -1)
                if tables:
                    probs = mask_probs(probs, col, out, order[:step], tables)
                token = draw(probs, generator)
            out[:, col] = token
            decoded += self.dec_embed(token + self.offsets[col])
        return out

    @torch.no_grad()
    def sample_grouped(
        self, z: torch.Tensor, first: list[int], orders: torch.Tensor, fixed: dict, generator, tables=None
    ) -> torch.Tensor:
        """Decode the ``first`` (fixed) columns, then the rest in a column order of each group's
        own: the rows of ``z`` form G equal contiguous groups, group g decoding ``orders[g]``
        (G, free columns). Each step runs its batched products once over every group, whichever
        column each decodes, instead of once per group, which is what a GPU needs; its output
        layer and draw are only as wide as the largest vocabulary that step decodes.
        """
        n_groups, n_cols = orders.shape[0], len(self.vocab_sizes)
        h, decoded = self._start(z)
        out = torch.empty(z.shape[0], n_cols, dtype=torch.long, device=z.device)
        for col in first:
            out[:, col] = fixed[col]
            decoded += self.dec_embed(fixed[col] + self.offsets[col])
        h = (h + decoded).view(n_groups, -1, h.shape[-1])  # (G, R, D): latent plus what is decoded
        grouped_out = out.view(n_groups, -1, n_cols)
        head = self.padded_head()
        groups = torch.arange(n_groups, device=z.device)
        steps = orders.cpu()
        widths = torch.tensor(self.vocab_sizes)[steps].amax(0).tolist()  # (free,) per step
        plan = plan_grouped(tables, first, steps.tolist()) if tables else None
        for step, width in enumerate(widths):
            cols = orders[:, step]  # (G,)
            probs = torch.softmax(self._grouped_logits(h, cols, head, width), -1)  # (G, R, width)
            if plan and plan[step]:
                probs = mask_grouped(probs, plan[step], grouped_out, tables)
            token = draw(probs, generator)  # (G, R)
            grouped_out[groups, :, cols] = token
            h += self.dec_embed(token + self.offsets[cols][:, None])
        return out

    @torch.no_grad()
    def padded_head(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The output layer as (C, D, V) weights and (C, V) biases, V the largest vocabulary; a
        smaller column's padding gets bias -inf, so it is never drawn. Built again only when
        the weights have changed in place since (every chunk of a draw reuses it).
        """
        weights = self.head.weight, self.head.bias
        key = tuple((w.data_ptr(), w._version, w.dtype) for w in weights)
        if self._head is not None and self._head[0] == key:
            return self._head[1]
        n_cols, width = len(self.vocab_sizes), max(self.vocab_sizes)
        weight = self.head.weight.new_zeros(n_cols, width, self.head.weight.shape[1])
        bias = self.head.bias.new_full((n_cols, width), float("-inf"))
        for col, size in enumerate(self.vocab_sizes):
            start = int(self.offsets[col])
            weight[col, :size] = self.head.weight[start : start + size]
            bias[col, :size] = self.head.bias[start : start + size]
        self._head = key, (weight.transpose(1, 2).contiguous(), bias)
        return self._head[1]

    def _grouped_logits(
        self, h: torch.Tensor, cols: torch.Tensor, head: tuple, width: int | None = None
    ) -> torch.Tensor:
        """:meth:`_next_logits` for G groups at once: group g's rows predict column ``cols[g]``.
        ``h`` (G, R, D) holds the latent plus the decoded columns' embeddings; returns (G, R, W),
        padded as ``head``, W = ``width`` (at least each column's vocabulary; default: all).
        """
        y = self.blocks(h + self.position[cols][:, None, :])
        if self.column_mlp is not None:
            y = self.column_mlp.grouped(y, cols)
        weight, bias = head[0][..., :width], head[1][..., :width]
        return torch.baddbmm(bias[cols][:, None, :], self.norm(y), weight[cols]).float()

    @torch.no_grad()
    def fixed_log_prob(self, z: torch.Tensor, fixed: dict[int, torch.Tensor]) -> torch.Tensor:
        """The log-likelihood of the fixed columns given ``z``, shape (n,), decoding them first
        in ascending column order, as :meth:`sample` does.
        """
        h, decoded = self._start(z)
        total = torch.zeros(z.shape[0], device=z.device)
        for col in sorted(fixed):
            token = fixed[col]
            log_p = F.log_softmax(self._next_logits(h, decoded, col), -1)
            total += log_p.gather(1, token[:, None])[:, 0]
            decoded += self.dec_embed(token + self.offsets[col])
        return total

    def _start(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The latent's decoder input (n, D), and the running sum of decoded embeddings (zero)."""
        h = self.latent_in(z.to(self.latent_in.weight.dtype))  # (n, D)
        return h, torch.zeros_like(h)

    def _next_logits(self, h: torch.Tensor, decoded: torch.Tensor, col: int) -> torch.Tensor:
        """Logits of ``col`` given the latent and the sum of the columns decoded so far."""
        y = self.blocks(h + decoded + self.position[col])
        if self.column_mlp is not None:
            y = self.column_mlp.one(y, col)
        return self.column_logits(self.norm(y), col).float()  # (n, vocab of col)


def draw_categorical(logits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One draw per row from softmax(logits), along the last axis (see :func:`draw`)."""
    return draw(torch.softmax(logits.float(), -1), generator)


def draw(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One draw per row from ``probs`` (unnormalised, non-negative) along the last axis, by the
    inverse of its CDF.

    One uniform number per row, where the Gumbel-max trick needs one per value and two
    logarithms of each: on 2 CPU cores those were a sixth of decoding a row.
    """
    cdf = probs.cumsum(-1)  # (..., V)
    uniform = torch.rand((*probs.shape[:-1], 1), generator=generator).to(probs.device)
    return torch.searchsorted(cdf, uniform * cdf[..., -1:], right=True).squeeze(-1)
