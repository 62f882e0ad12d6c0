"""Forbidden category pairs as token masks, so that our VAE keeps combination rules while it
decodes: a column decoded after its partner cannot draw a value that the pair forbids.

Our decoder reads columns one at a time (any order), so this is exact and cheap: one boolean
table per ordered pair of columns, indexed by the partner's token. Rare levels pooled into a
column's tail token are left unmasked (masking the pool would forbid its common partners);
the rule codec repairs the few rows they may break, and counts them.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import torch

from synth.models.encoding import TableCode
from synth.schema import Rule

Tables = dict[tuple[int, int], torch.Tensor]
"""(partner column, decoded column) -> bool (partner vocabulary, decoded vocabulary)."""


def forbidden_tables(rules: Iterable[Rule], code: TableCode, device: torch.device) -> Tables:
    """The masks of every forbidden cell of ``rules`` whose values have tokens of their own."""
    tables: Tables = {}
    sizes = code.vocab_sizes
    for rule in rules:
        if rule.kind != "combination" or rule.columns[0] not in code.names:
            continue
        for a, b, value_a, value_b, _ in rule.params["forbidden"]:
            (pa, ta), (pb, tb) = _token(code, a, value_a), _token(code, b, value_b)
            if ta is None or tb is None:
                continue
            for x, y, tx, ty in ((pa, pb, ta, tb), (pb, pa, tb, ta)):
                if (x, y) not in tables:
                    tables[(x, y)] = torch.zeros(sizes[x], sizes[y], dtype=torch.bool)
                tables[(x, y)][tx, ty] = True
    return {pair: table.to(device) for pair, table in tables.items()}


def _token(code: TableCode, name: str, value) -> tuple[int, int | None]:
    position, column = code.column(name)
    try:
        token = int(column.encode(pd.Series([value], dtype=object))[0])
    except Exception:  # noqa: BLE001 - a value the code cannot place is left to the repair
        return position, None
    return position, None if column.tail and token == column.tail_token else token


def mask_probs(probs: torch.Tensor, col: int, tokens: torch.Tensor, done: list[int], tables: Tables):
    """``probs`` (B, V) of column ``col``, unnormalised, with the values that decoded partners
    forbid at zero; a row whose every value would be forbidden keeps its own (the repair counts
    it). Works in place on ``probs``, which the caller owns.
    """
    banned = None
    for partner in done:
        table = tables.get((partner, col))
        if table is not None:
            hit = table[tokens[:, partner]]
            banned = hit if banned is None else banned | hit
    if banned is not None:
        _zero_unless_all(probs[:, : banned.shape[-1]], banned)
    return probs


Plan = list[list[tuple[int, int, list[int]]]]
"""Per decoding step, (group, column it decodes, partners already decoded with a table)."""


def plan_grouped(tables: Tables, first: list[int], orders: list[list[int]]) -> Plan:
    """Which groups each step of a grouped decode must mask, worked out once from the orders
    (G lists of free columns, ``first`` decoded before them), so that the decoding loop spends
    nothing on the groups no table touches.
    """
    partners_of: dict[int, list[int]] = {}
    for partner, col in tables:
        partners_of.setdefault(col, []).append(partner)
    plan: Plan = [[] for _ in range(len(orders[0]) if orders else 0)]
    for group, order in enumerate(orders):
        done = set(first)
        for step, col in enumerate(order):
            partners = [p for p in partners_of.get(col, ()) if p in done]
            if partners:
                plan[step].append((group, col, partners))
            done.add(col)
    return plan


def mask_grouped(probs: torch.Tensor, step_plan: list, tokens: torch.Tensor, tables: Tables) -> torch.Tensor:
    """:func:`mask_probs` for G groups at once: ``probs`` (G, R, V), ``tokens`` (G, R, C), and
    ``step_plan`` this step's entry of :func:`plan_grouped`. Works in place on ``probs``.
    """
    for group, col, partners in step_plan:
        hit = tables[(partners[0], col)][tokens[group, :, partners[0]]]  # (R, V of col)
        for partner in partners[1:]:
            hit |= tables[(partner, col)][tokens[group, :, partner]]
        _zero_unless_all(probs[group, :, : hit.shape[-1]], hit)
    return probs


def _zero_unless_all(probs: torch.Tensor, banned: torch.Tensor) -> None:
    masked = probs.masked_fill(banned, 0)
    dead = masked.sum(-1, keepdim=True) <= 0
    probs.copy_(torch.where(dead, probs, masked))
