"""Training the event network: batches of entities with similar history lengths, AdamW on a
one-cycle schedule, early stopping on held-out entities.

Shapes in comments: E entities, T events per entity, C event columns, F time features.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import torch

from synth.models.runtime import adamw, one_cycle
from synth.models.sequence.config import SequenceConfig
from synth.models.sequence.network import EventNet, length_batches
from synth.progress import Progress


def _batch_loss(net: EventNet, data: tuple[torch.Tensor, ...], rows: torch.Tensor) -> torch.Tensor:
    """Mean loss of the entities ``rows``, padding trimmed to their longest history."""
    tokens, features, previous, mask, entity_tokens = data
    width = int(mask[rows].sum(1).max())
    return net.loss(
        tokens[rows, :width],  # (B, T, C)
        torch.cat([features[rows, :width], features[rows, -1:]], 1),  # (B, T+1, F)
        previous[rows, :width],
        entity_tokens[rows],
        mask[rows, :width],
    )


def train(
    net: EventNet, data: tuple[torch.Tensor, ...], cfg: SequenceConfig, progress: Progress | None
) -> dict[str, Any]:
    """Train ``net`` in place on ``data`` (tokens, features, previous days, mask, entity tokens);
    keep the weights that validated best. Returns the history recorded in the manifest.
    """
    tokens, mask = data[0], data[3]
    generator = torch.Generator().manual_seed(cfg.seed)
    n = len(tokens)
    n_val = int(n * cfg.val_share) if n >= 100 else 0
    perm = torch.randperm(n, generator=generator).to(tokens.device)
    val, rows = perm[:n_val], perm[n_val:]
    batch = min(cfg.batch_size, len(rows))
    steps = max(1, len(rows) // batch)
    optimizer = adamw(net.parameters(), cfg.lr, 1e-5)
    schedule = one_cycle(optimizer, cfg.lr, cfg.epochs * steps)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=tokens.device.type == "cuda")
    best, best_state, stale, history = math.inf, None, 0, {}
    lengths = mask.sum(1)
    for epoch in range(cfg.epochs):
        net.train()
        total = 0.0
        for batch_rows in length_batches(rows, lengths, batch, generator):
            with autocast:
                loss = _batch_loss(net, data, batch_rows)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            total += float(loss.detach())
        score = _validate(net, data, val) if n_val else total / steps
        history.update(epochs_run=epoch + 1, train_loss=total / steps, val_loss=score)
        if progress:
            progress("fit", epoch + 1, cfg.epochs, loss=score)
        if score < best - 1e-3:
            best, stale, best_state = score, 0, copy.deepcopy(net.state_dict())
        else:
            stale += 1
            if n_val and stale >= cfg.patience:
                break
    if best_state is not None:
        net.load_state_dict(best_state)
    history["best_val_loss"] = best
    return history


@torch.no_grad()
def _validate(net: EventNet, data: tuple[torch.Tensor, ...], rows: torch.Tensor) -> float:
    net.eval()
    return float(_batch_loss(net, data, rows))
