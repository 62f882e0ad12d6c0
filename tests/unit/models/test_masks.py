"""Forbidden pairs as masks: a forbidden value gets no probability once its partner is decoded,
and nothing else changes."""

import torch

from synth.models.masks import mask_grouped, mask_probs, plan_grouped


def _tables() -> dict:
    # column 0's value 0 forbids column 1's value 1; its value 1 forbids every value of column 1
    return {(0, 1): torch.tensor([[False, True, False], [True, True, True]])}


def test_a_forbidden_value_gets_no_probability_and_an_all_forbidden_row_keeps_its_own():
    probs = torch.full((2, 3), 1 / 3)
    tokens = torch.tensor([[0, 0], [1, 0]])
    out = mask_probs(probs.clone(), 1, tokens, [0], _tables())
    assert torch.equal(out[0], torch.tensor([1 / 3, 0, 1 / 3]))
    assert torch.equal(out[1], probs[1])


def test_the_plan_lists_only_groups_that_decode_a_column_after_its_partner():
    orders = [[0, 1], [1, 0], [0, 1]]
    plan = plan_grouped(_tables(), [], orders)
    assert plan == [[], [(0, 1, [0]), (2, 1, [0])]]  # group 1 decodes column 1 first: no mask
    assert plan_grouped(_tables(), [0], [[1], [1]]) == [[(0, 1, [0]), (1, 1, [0])]]  # a fixed partner


def test_grouped_masks_touch_only_the_planned_groups():
    probs = torch.full((3, 2, 4), 0.25)  # 3 groups of 2 rows, vocabularies padded to 4
    tokens = torch.zeros(3, 2, 2, dtype=torch.long)
    tokens[0, 1, 0] = 1
    out = mask_grouped(probs.clone(), [(0, 1, [0])], tokens, _tables())
    assert torch.equal(out[0, 0], torch.tensor([0.25, 0, 0.25, 0.25]))
    assert torch.equal(out[0, 1], probs[0, 1])  # every value forbidden: the row keeps its own
    assert torch.equal(out[1:], probs[1:])
