"""Sequence fidelity: real against itself is perfect; shuffled histories lose order and balance."""

from __future__ import annotations

import pytest

from synth.evaluation.sequential import sequence_fidelity
from synth.events import EventView, entity_aggregates


def test_real_against_itself_scores_one(fitted_sequence, berka_events):
    model, schema = fitted_sequence
    events, accounts = berka_events
    booked = model.prepare(events, schema, accounts)[0]
    view = EventView.of(booked, model)
    assert view.kinds == ("type", "operation", "k_symbol")
    figures = sequence_fidelity(booked, booked, view)
    for name in ("sequence_length", "inter_arrival", "event_kinds", "kind_transitions", "amount_by_kind"):
        assert figures[name] == pytest.approx(1.0)


def test_broken_histories_score_lower(fitted_sequence, berka_events):
    model, schema = fitted_sequence
    events, accounts = berka_events
    booked = model.prepare(events, schema, accounts)[0]
    view = EventView.of(booked, model)
    broken = booked.sample(frac=1, random_state=0).reset_index(drop=True)
    figures = sequence_fidelity(booked, broken, view)
    assert figures["time_order"] < 0.5
    assert figures["balance_consistency"] < 0.5
    assert figures["kind_transitions"] < 1.0


def test_aggregates_have_one_row_per_entity(fitted_sequence, berka_events):
    model, schema = fitted_sequence
    events, accounts = berka_events
    booked = model.prepare(events, schema, accounts)[0]
    table = entity_aggregates(booked, EventView.of(booked, model))
    assert len(table) == booked["account_id"].nunique()
    assert table["events"].sum() == len(booked)
