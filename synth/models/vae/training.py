"""Training the VAE: mini-batch AdamW on a one-cycle schedule, any-order keys, an EMA of the
weights validated for early stopping; or DP-SGD (``synth.models.dp``) when a budget is set.

Shapes in comments: N rows, C modelled columns.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch

from synth.models.runtime import adamw, one_cycle, use_bf16
from synth.models.vae.config import MAX_VAL_ROWS, MIN_VAL_ROWS, VAEConfig
from synth.models.vae.network import TabularVAE
from synth.progress import Progress


def ema_with_warmup(decay: float):
    """EMA whose decay grows as (1 + n) / (10 + n) up to ``decay``: short fits (small tables,
    few steps) must not keep most of the random initialisation in the average. All parameters
    in one foreach update (``AveragedModel``'s ``multi_avg_fn``), not a few ops per parameter.
    """

    def average(averaged: list[torch.Tensor], current: list[torch.Tensor], n: torch.Tensor) -> None:
        d = min(decay, (1 + float(n)) / (10 + float(n)))
        torch._foreach_lerp_(averaged, current, 1 - d)

    return average


ROWS_PER_ORDER = 32  # a batch's rows share a column order in groups of this many
AUTO_EPOCHS = 18  # a large table's epochs, when none are set
MIN_AUTO_STEPS = 400  # a smaller table takes more epochs, up to this many steps ...
MAX_AUTO_EPOCHS = 40  # ... and at most this many epochs


def planned_epochs(cfg: VAEConfig, steps_per_epoch: int) -> int:
    """The epochs the one-cycle schedule spans: ``cfg.epochs`` where set; otherwise
    ``AUTO_EPOCHS``, or as many as ``MIN_AUTO_STEPS`` steps take on a small table (at most
    ``MAX_AUTO_EPOCHS``). What training needs is steps, not passes over the rows: Adult's 26,048
    rows reach their quality in 18 epochs of 512-row batches, a 2,400-row table needs more.
    Early stopping may end either sooner.
    """
    if cfg.epochs is not None:
        return cfg.epochs
    return min(MAX_AUTO_EPOCHS, max(AUTO_EPOCHS, math.ceil(MIN_AUTO_STEPS / steps_per_epoch)))


def order_keys(cfg: VAEConfig, n: int, canonical: torch.Tensor, generator, device) -> torch.Tensor:
    """Decoding order keys of ``n`` groups of training rows: random for ``any_order_share`` of
    them (what conditioning decodes), the schema order for the rest: (n, C).
    """
    random_keys = torch.rand(n, len(canonical), generator=generator).to(device)
    use_random = (torch.rand(n, 1, generator=generator) < cfg.any_order_share).to(device)
    return torch.where(use_random, random_keys * len(canonical), canonical.expand(n, -1))


def validation_keys(cfg: VAEConfig, n: int, canonical: torch.Tensor, device) -> torch.Tensor:
    """Order keys of the validation rows: the orders sampling decodes (schema order, or random
    orders drawn once per fit, so every epoch is scored on the same ones).
    """
    if cfg.sample_order == "canonical":
        return canonical.expand(n, -1)
    generator = torch.Generator().manual_seed(cfg.seed + 2)
    return (torch.rand(n, len(canonical), generator=generator) * len(canonical)).to(device)


@torch.no_grad()
def validation_loss(net: TabularVAE, val: torch.Tensor, keys: torch.Tensor) -> float:
    """Mean negative ELBO per validation row (beta 1)."""
    net.eval()
    total = 0.0
    for start in range(0, len(val), 4096):
        loss, _, _ = net.loss(val[start : start + 4096], keys[start : start + 4096], 1.0)
        total += float(loss.sum())
    return total / len(val)


def _split(cfg: VAEConfig, tokens: torch.Tensor, generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The validation rows (copied, as int64 on the device) and the training rows' indices: a
    table mapped from disk is gathered batch by batch, never copied whole.
    """
    n = tokens.shape[0]
    n_val = min(int(n * cfg.val_share), MAX_VAL_ROWS)
    n_val = n_val if n_val >= MIN_VAL_ROWS else 0  # a handful of rows only adds noise
    perm = torch.randperm(n, generator=generator).to(tokens.device)
    return tokens[perm[:n_val]].long(), perm[n_val:]


def train(net: TabularVAE, tokens: torch.Tensor, cfg: VAEConfig, progress: Progress | None) -> dict[str, Any]:
    """Train ``net`` on ``tokens`` (N, C) in place; keep the EMA weights that validated best.

    An exponential moving average of the weights is what is validated and kept: early stopping
    otherwise keeps a snapshot taken at a high learning rate, whose noisy output biases shift
    every marginal by a few percent. Returns the history recorded in the manifest.
    """
    device = tokens.device
    generator = torch.Generator().manual_seed(cfg.seed)
    val, rows = _split(cfg, tokens, generator)
    history: dict[str, Any] = {"validation_rows": len(val)}
    batch = min(cfg.batch_size, len(rows))
    batch -= batch % ROWS_PER_ORDER if batch >= 2 * ROWS_PER_ORDER else 0
    groups = batch // ROWS_PER_ORDER if batch % ROWS_PER_ORDER == 0 else batch
    steps = max(1, len(rows) // batch)
    epochs = planned_epochs(cfg, steps)
    history["steps_per_epoch"] = steps
    optimizer = adamw(net.parameters(), cfg.lr, cfg.weight_decay)
    schedule = one_cycle(optimizer, cfg.lr, epochs * steps)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_bf16(cfg.precision, device))
    ema = torch.optim.swa_utils.AveragedModel(net, multi_avg_fn=ema_with_warmup(cfg.ema_decay))
    best, best_state, stale = math.inf, None, 0
    canonical = torch.arange(tokens.shape[1], dtype=torch.float32, device=device)
    val_keys = validation_keys(cfg, len(val), canonical, device)
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(rows), generator=generator).to(device)
        total = 0.0
        for step in range(steps):
            batch_rows = tokens[rows[order[step * batch : (step + 1) * batch]]].long()  # (B, C)
            keys = order_keys(cfg, groups, canonical, generator, device)  # (groups, C)
            with autocast:
                loss = net.loss(batch_rows, keys, cfg.beta)[0].mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            ema.update_parameters(net)
            total += float(loss.detach())
        score = validation_loss(ema.module, val, val_keys) if len(val) else total / steps
        history.update(epochs_run=epoch + 1, train_loss=total / steps, val_loss=score)
        if progress:
            progress("fit", epoch + 1, epochs, loss=score)
        if score < best - 1e-3:
            best, stale, best_state = score, 0, copy.deepcopy(ema.module.state_dict())
        else:
            stale += 1
            if len(val) and stale >= cfg.patience:
                break
    if best_state is not None:
        net.load_state_dict(best_state)
    history["best_val_loss"] = best
    return history


def train_private(
    net: TabularVAE, tokens: torch.Tensor, cfg: VAEConfig, progress: Progress | None
) -> dict[str, Any]:
    """DP-SGD on every row (no validation split: early stopping would spend privacy)."""
    from synth.models.dp import train_dp

    device = tokens.device
    generator = torch.Generator().manual_seed(cfg.seed)
    canonical = torch.arange(tokens.shape[1], dtype=torch.float32, device=device)
    delta = cfg.dp_delta or 1 / len(tokens) ** 1.1
    result = train_dp(
        net,
        tokens,
        target_epsilon=cfg.dp_epsilon,
        target_delta=delta,
        epochs=planned_epochs(cfg, max(1, len(tokens) // cfg.batch_size)),
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        max_grad_norm=cfg.dp_max_grad_norm,
        beta=cfg.beta,
        generator=generator,
        order_keys=lambda n: order_keys(cfg, n, canonical, generator, device),
        progress=progress,
    )
    return {
        "dp_epsilon_spent": result.epsilon,
        "dp_epsilon_target": cfg.dp_epsilon,
        "dp_delta": delta,
        "dp_noise_multiplier": result.noise_multiplier,
        "dp_steps": result.steps,
        "dp_sample_rate": result.sample_rate,
    }
