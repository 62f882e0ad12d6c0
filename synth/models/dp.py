"""Differentially private training (DP-SGD) for our VAE, with Opacus' accountant.

Why not Opacus' ``PrivacyEngine`` wrapper: its per-layer hooks compute per-sample gradients
only for modules it knows, and our network reads slices of its output layer and has raw
mixture-prior parameters. We compute exact per-sample gradients with ``torch.func`` (vmap of
grad) instead, and use Opacus for what it is the reference for: calibrating the noise
multiplier to a target (epsilon, delta) and accounting the spent epsilon (RDP accountant).

The pitfalls Opacus documents are respected: no BatchNorm (the network uses LayerNorm), and
batches are drawn by Poisson sampling (each row independently with probability q), which the
accountant's guarantee assumes. Training stops before the step that would exceed the budget.

Scope: the guarantee covers the network's weights. The column encodings (category lists and
quantile grids) are fitted on the real data without noise, as in most synthesizers.
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass

import torch
from torch.func import functional_call, grad, vmap


@dataclass(frozen=True)
class DPResult:
    """What the DP training spent."""

    epsilon: float
    delta: float
    noise_multiplier: float
    steps: int
    sample_rate: float


def _per_sample_grad(net: torch.nn.Module, beta: float):
    """``f(params, rows, keys)``: each row's gradient of its loss, vectorised over the rows."""

    def row_loss(p, row, keys):
        loss, _, _ = functional_call(net, p, (row[None], keys[None], beta))
        return loss.mean()

    return vmap(grad(row_loss), in_dims=(None, 0, 0), randomness="different")


def _clipped_sum(per_sample, params: dict, batch: torch.Tensor, order_keys, max_grad_norm: float) -> dict:
    """The sum over ``batch`` of per-row gradients, each clipped to ``max_grad_norm``."""
    total = {k: torch.zeros_like(v) for k, v in params.items()}
    for start in range(0, len(batch), 256):  # bounded memory for per-sample gradients
        chunk = batch[start : start + 256]
        grads = per_sample({k: v.detach() for k, v in params.items()}, chunk, order_keys(len(chunk)))
        norms = torch.sqrt(sum(g.reshape(len(chunk), -1).pow(2).sum(1) for g in grads.values()))
        scale = (max_grad_norm / (norms + 1e-6)).clamp(max=1.0)
        for k, g in grads.items():
            total[k] += torch.einsum("b,b...->...", scale, g)
    return total


def train_dp(
    net: torch.nn.Module,
    tokens: torch.Tensor,
    *,
    target_epsilon: float,
    target_delta: float,
    epochs: int,
    batch_size: int,
    lr: float,
    max_grad_norm: float,
    order_keys,
    beta: float,
    generator: torch.Generator,
    progress=None,
) -> DPResult:
    """DP-SGD over ``tokens``; ``order_keys(n)`` gives the decoding-order keys of a batch."""
    from opacus.accountants import RDPAccountant
    from opacus.accountants.utils import get_noise_multiplier

    n = len(tokens)
    q = min(1.0, batch_size / n)
    planned = max(1, epochs * int(round(1 / q)))
    sigma = get_noise_multiplier(
        target_epsilon=target_epsilon,
        target_delta=target_delta,
        sample_rate=q,
        steps=planned,
        accountant="rdp",
    )
    accountant = RDPAccountant()
    params = {k: v for k, v in net.named_parameters() if v.requires_grad}
    optimizer = torch.optim.Adam(params.values(), lr=lr)

    per_sample = _per_sample_grad(net, beta)
    steps = 0
    warnings.filterwarnings("ignore", message="Optimal order is the largest alpha")  # only a looser bound
    for step in range(planned):
        trial = copy.deepcopy(accountant)
        trial.step(noise_multiplier=sigma, sample_rate=q)
        if trial.get_epsilon(target_delta) > target_epsilon:
            break
        mask = torch.rand(n, generator=generator).to(tokens.device) < q
        batch = tokens[mask]
        net.train()
        total = _clipped_sum(per_sample, params, batch, order_keys, max_grad_norm)
        expected = q * n
        for k, p in params.items():
            noise = torch.randn(p.shape, generator=generator).to(p.device) * sigma * max_grad_norm
            p.grad = (total[k] + noise) / expected
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        accountant.step(noise_multiplier=sigma, sample_rate=q)
        steps += 1
        if progress and (step + 1) % max(1, int(round(1 / q))) == 0:
            progress("fit", min(epochs, math.ceil((step + 1) * q)), epochs)
    epsilon = accountant.get_epsilon(target_delta) if steps else 0.0
    return DPResult(float(epsilon), target_delta, float(sigma), steps, q)
