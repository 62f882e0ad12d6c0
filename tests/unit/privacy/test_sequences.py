"""The history gate: copies of real histories are removed, fresh ones pass the identifier check."""

from __future__ import annotations

import pytest

from synth.events import EventView
from synth.privacy.gate import PrivacyConfig
from synth.privacy.sequences import history_hashes, sequence_gate
from synth.split import split_entities


def test_history_hash_sees_order_and_content(berka_events):
    events, _ = berka_events
    columns = ["date", "type", "amount"]
    base = history_hashes(events, "account_id", columns)
    swapped = events.copy()
    first = swapped.index[swapped["account_id"] == swapped["account_id"].iloc[0]][:2]
    swapped.loc[first, columns] = swapped.loc[first[::-1], columns].to_numpy()
    changed = history_hashes(swapped, "account_id", columns)
    assert (base != changed).sum() == 1


@pytest.fixture(scope="module")
def split_histories(fitted_sequence, berka_events):
    """Training and holdout events in booking order, and the view of them."""
    model, schema = fitted_sequence
    events, accounts = berka_events
    train, holdout = split_entities(events, "account_id", seed=0)
    train_b, holdout_b = (model.prepare(t, schema, accounts)[0] for t in (train, holdout))
    return train_b, holdout_b, EventView.of(train_b, model)


def test_copied_training_histories_are_removed_and_fail(fitted_sequence, berka_events, split_histories):
    _, schema = fitted_sequence
    _, accounts = berka_events
    train_b, holdout_b, view = split_histories
    entities = accounts[accounts["account_id"].isin(train_b["account_id"])]
    config = PrivacyConfig(attacks=False)
    kept_entities, kept, result = sequence_gate(entities, train_b, train_b, holdout_b, view, schema, config)
    assert kept.empty and kept_entities.empty
    assert not result.passed and result.failed[0].name == "copies"


def test_synthetic_histories_pass_copies_and_identifiers(fitted_sequence, split_histories):
    model, schema = fitted_sequence
    train_b, holdout_b, view = split_histories
    entities, synthetic = model.sample_entities(40, seed=1)
    _, _, result = sequence_gate(entities, synthetic, train_b, holdout_b, view, schema, PrivacyConfig())
    checks = {c.name: c for c in result.checks}
    assert checks["identifiers"].passed and checks["copies"].passed
    assert {"dcr_share", "membership_inference"} <= set(checks)


def test_counterparty_account_numbers_are_identifiers(berka_events):
    from synth.keys import detect_pii

    events, _ = berka_events
    assert detect_pii("account", events["account"]) == "account_number"
    assert detect_pii("account", events["type"]) is None
