"""Sampling the VAE: latents from the prior or, given fixed columns, from their posterior; then
tokens decoded column by column, each block of rows in its own random column order.

Shapes in comments: n rows, k candidate latents per row, L latent width, C modelled columns.
"""

from __future__ import annotations

import itertools
import math

import pandas as pd
import torch

from synth.errors import ModelError
from synth.models.base import Conditions
from synth.models.encoding import TableCode
from synth.models.proposal import LatentProposal, fit_proposal, mixture_log_prob
from synth.models.runtime import map_on_cores
from synth.models.vae.config import VAEConfig
from synth.models.vae.network import TabularVAE, draw_categorical
from synth.progress import Progress

ORDERS_PER_BATCH = 16  # random column orders per chunk of a draw (see decode)
PROPOSAL_BATCH = 1024
PROPOSAL_POOL = 32_768  # the model's draws the proposal learns from, reused across its steps
POOL_CHUNK = 8_192  # of them decoded at once, a chunk per core


@torch.no_grad()
def decode(
    cfg: VAEConfig,
    net: TabularVAE,
    z: torch.Tensor,
    first: list[int],
    free: list[int],
    fixed: dict,
    generator: torch.Generator,
    tables=None,
) -> torch.Tensor:
    """Tokens (n, C) for the latents ``z`` (n, L): the ``first`` (fixed) columns, then the
    ``free`` ones, in schema order, or (``sample_order='random'``) each of ``ORDERS_PER_BATCH``
    groups of rows in its own random order of the free columns.

    Why random orders: the decoder is trained on random orders (``any_order_share``), and a mix
    of orders is an ensemble of factorisations of one joint; one fixed order reproduces that
    order's memorised rare combinations (see docs/model.md).
    """
    if cfg.sample_order == "canonical" or len(free) < 2:
        return net.sample(z, first + free, fixed, generator, tables)
    n = len(z)
    n_groups = min(ORDERS_PER_BATCH, n)
    pad = -n % n_groups  # groups are equal: repeat a few rows, then drop them
    orders = random_orders(free, n_groups, generator)
    padded = {c: torch.cat([t, t[:pad]]) for c, t in fixed.items()}
    tokens = net.sample_grouped(
        torch.cat([z, z[:pad]]), first, orders.to(z.device), padded, generator, tables
    )
    return tokens[:n]


def chunks(n: int, batch: int, generator: torch.Generator) -> list[tuple[int, int, int]]:
    """``n`` rows as (start, size, seed) chunks of at most ``batch`` rows, of equal sizes (so that
    cores drawing them side by side finish together), each with a seed of its own drawn from
    ``generator``: the rows depend on the seed and ``n`` alone, not on how many cores draw them.
    """
    if n == 0:
        return []
    count = -(-n // batch)
    sizes = [n // count + (i < n % count) for i in range(count)]
    seeds = torch.randint(2**62, (count,), generator=generator).tolist()
    return list(zip(itertools.accumulate([0, *sizes[:-1]]), sizes, seeds, strict=True))


def random_orders(free: list[int], n_groups: int, generator) -> torch.Tensor:
    """``n_groups`` orders of the ``free`` columns (G, F), each uniformly random and independent
    of the others.

    Independent, although a step's output layer is as wide as the widest column any group
    decodes at it: orders that agreed on each step's width class padded less, but every group
    of a batch then decoded the widest columns at the same steps, and a draw of one batch (a
    3,000-row demo) lost the ensemble over orders (docs/benchmarks.md).
    """
    orders = torch.stack([torch.randperm(len(free), generator=generator) for _ in range(n_groups)])
    return torch.tensor(free)[orders]


def latents(
    cfg: VAEConfig,
    net: TabularVAE,
    prior_net: TabularVAE,
    proposal: LatentProposal | None,
    n: int,
    fixed: dict,
    generator: torch.Generator,
) -> torch.Tensor:
    """Latents (n, L): prior draws, or, with fixed columns, draws from p(z | fixed columns) by
    sampling-importance-resampling.

    Each row gets ``condition_draws`` candidates, from the latent proposal r(z | fixed) or (a
    ``1 - proposal_share`` chance each) from the prior, and keeps one with probability
    proportional to p(z) p(fixed | z) / q(z), q the mixture of the two. A prior draw alone
    ignores the conditions, and the free columns drift towards their marginals. ``prior_net``
    holds the fp32 prior weights (``net`` may be a bf16 copy).
    """
    k, share = cfg.condition_draws, cfg.proposal_share
    if not fixed:
        return prior_net.sample_prior(n, generator)
    if proposal is None:
        z = net.sample_prior(k * n, generator)  # (k * n, L): candidate i of row r at i * n + r
    else:
        mixture = proposal.mixture(proposal.context_of(fixed, n))  # of the n rows
        z = proposal.sample(mixture, k, generator).reshape(k * n, -1)
        from_prior = (torch.rand(k * n, generator=generator) >= share).to(z.device)
        z[from_prior] = net.sample_prior(int(from_prior.sum()), generator).to(z.dtype)
    if k == 1:  # nothing to choose between: the draw from q is the sample
        return z
    log_ratio = 0.0  # log p(z) / q(z): zero with prior candidates alone
    if proposal is not None:
        log_p = mixture_log_prob(z, *prior_net.prior_mixture())
        log_r = proposal.log_prob(z.view(k, n, -1), mixture).reshape(-1)
        log_q = torch.logaddexp(log_p + math.log(max(1 - share, 1e-12)), log_r + math.log(max(share, 1e-12)))
        log_ratio = log_p - log_q
    log_w = net.fixed_log_prob(z, {c: t.repeat(k) for c, t in fixed.items()}) + log_ratio
    pick = draw_categorical(log_w.view(k, n).T, generator)  # (n,)
    return z.view(k, n, -1)[pick, torch.arange(n, device=z.device)]


def condition_tokens(code: TableCode, n: int, conditions: Conditions | None) -> tuple[dict, dict]:
    """Fixed columns as tokens by column position, and their values by name, for ``n`` rows."""
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
        position, column_code = code.column(name)
        tokens[position] = torch.from_numpy(column_code.encode(frame[name]))
        values[name] = frame[name].to_numpy()
    return tokens, values


def fit_latent_proposal(
    cfg: VAEConfig, net: TabularVAE, code: TableCode, progress: Progress | None = None
) -> tuple[LatentProposal, float]:
    """The latent proposal of conditional sampling, fitted on the model's own draws (no real rows:
    see ``synth.models.proposal``); returns it with its final loss.

    The draws are made once, at most :data:`PROPOSAL_POOL` of them, and each step resamples its
    batch from them: decoding a fresh batch for each of 300 steps was the fit's fixed cost, as
    large as training the VAE on a small table (docs/benchmarks.md).
    """
    device = next(net.parameters()).device
    columns = list(range(len(code.columns)))
    generator = torch.Generator().manual_seed(cfg.seed + 1)
    size = min(PROPOSAL_POOL, cfg.proposal_steps * PROPOSAL_BATCH)
    with torch.no_grad():
        z = net.sample_prior(size, generator)  # (P, L)

    def decode_part(chunk: tuple[int, int, int]) -> torch.Tensor:
        start, rows, seed = chunk
        with torch.no_grad():
            part = z[start : start + rows]
            return decode(cfg, net, part, [], columns, {}, torch.Generator().manual_seed(seed))

    tokens = torch.cat(map_on_cores(decode_part, chunks(size, POOL_CHUNK, generator), device))  # (P, C)
    z = z.float()

    def draw_pairs(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        pick = torch.randint(size, (n,), generator=generator).to(device)
        return z[pick], tokens[pick]

    proposal = LatentProposal(code.vocab_sizes, cfg.d_model, cfg.d_latent).to(device)
    steps = cfg.proposal_steps
    loss = fit_proposal(proposal, draw_pairs, steps, PROPOSAL_BATCH, generator, progress=progress)
    return proposal, loss
