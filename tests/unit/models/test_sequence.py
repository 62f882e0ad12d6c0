"""The sequence model on real Berka transactions: shape, keys, order, balances, persistence."""

from __future__ import annotations

import pandas as pd
import pytest

from synth import models
from synth.errors import InputError
from synth.events import Balance, TimeFormat, balance_consistency
from synth.models.sequence import SequenceModel
from tests.conftest import TINY_SEQUENCE


@pytest.fixture(scope="module")
def drawn(fitted_sequence):
    model, _ = fitted_sequence
    return model.sample_entities(40, seed=3)


def test_entities_and_events_keep_the_input_layout(fitted_sequence, berka_events, drawn):
    events, accounts = berka_events
    entities, synthetic = drawn
    assert list(synthetic.columns) == list(events.columns)
    assert (synthetic.dtypes == events.dtypes).all()
    assert list(entities.columns) == list(accounts.columns)
    assert len(entities) == 40
    assert set(synthetic["account_id"]) <= set(entities["account_id"])


def test_keys_are_fresh_and_referentially_intact(berka_events, drawn):
    events, accounts = berka_events
    entities, synthetic = drawn
    assert not set(entities["account_id"]) & set(accounts["account_id"])
    assert not set(synthetic["trans_id"]) & set(events["trans_id"])
    assert synthetic["trans_id"].is_unique
    real_counterparties = set(events["account"].dropna())
    assert not set(synthetic["account"].dropna()) & real_counterparties


def test_events_are_in_time_order_and_balances_are_consistent(fitted_sequence, drawn):
    model, _ = fitted_sequence
    _, synthetic = drawn
    days = TimeFormat("%y%m%d").parse(synthetic["date"])
    assert days.groupby(synthetic["account_id"].to_numpy()).apply(lambda s: s.is_monotonic_increasing).all()
    balance = Balance(**model.layout.balance)
    assert balance_consistency(synthetic, "account_id", balance) == 1.0
    assert days.max() <= pd.Timestamp(model.layout.window_end)


def test_same_seed_same_histories_and_save_load_round_trip(fitted_sequence, tmp_path):
    model, _ = fitted_sequence
    first = model.sample_entities(15, seed=9)
    again = model.sample_entities(15, seed=9)
    pd.testing.assert_frame_equal(first[1], again[1])
    models.save(model, tmp_path / "m")
    loaded = models.load(tmp_path / "m")
    assert isinstance(loaded, SequenceModel)
    pd.testing.assert_frame_equal(loaded.sample_entities(15, seed=9)[1], first[1])
    pd.testing.assert_frame_equal(loaded.sample_entities(15, seed=9)[0], first[0])


def test_it_is_an_entity_model_not_a_table_model(fitted_sequence):
    from synth.models import EntitySynthesizer, Synthesizer, is_entity_model

    model, _ = fitted_sequence
    assert isinstance(model, EntitySynthesizer) and is_entity_model(model.name)
    assert not isinstance(model, Synthesizer)  # no tabular sample() that could only raise


def test_context_must_cover_every_entity(berka_events):
    from synth.schema import ColumnOverride, Kind, infer_schema

    events, accounts = berka_events
    schema = infer_schema(events, overrides={"account_id": ColumnOverride(kind=Kind.ID)})
    model = SequenceModel(entity_key="account_id", time_column="date", **TINY_SEQUENCE)
    partial = accounts[accounts["account_id"] != events["account_id"].iloc[0]]
    with pytest.raises(InputError, match="1 entities of the events have no row"):
        model.fit(events, schema, context=partial)
    with pytest.raises(InputError, match="'when'"):
        SequenceModel(entity_key="account_id", time_column="when").fit(events, schema)


def test_length_batches_cover_every_row_once_with_little_padding():
    import torch

    from synth.models.sequence.network import length_batches as _length_batches

    generator = torch.Generator().manual_seed(0)
    lengths = torch.from_numpy(pd.Series(range(1000)).map(lambda i: (i * 7919) % 131 + 1).to_numpy()).float()
    rows = torch.arange(1000)
    first = _length_batches(rows, lengths, 32, generator)
    second = _length_batches(rows, lengths, 32, generator)
    assert len(first) == 1000 // 32 and all(len(b) == 32 for b in first)
    covered = torch.cat(first)
    assert len(covered.unique()) == len(covered) == 31 * 32
    padded = sum(float(lengths[b].max()) * len(b) for b in first)
    assert padded < 1.3 * float(lengths[covered].sum())  # random batches pad ~1.9x here
    assert not all(torch.equal(a, b) for a, b in zip(first, second, strict=True))


def test_the_entity_part_keeps_its_mined_rules(fitted_sequence):
    from synth.rules.check import violations

    model, _ = fitted_sequence
    rules = model.entities.schema.rules
    assert {r.kind for r in rules} >= {"integer", "range"}
    drawn = model.entities.sample(300, seed=9)
    assert sum(violations(drawn, rules).values()) == 0


def test_event_rules_hold_by_construction_and_balances_keep_the_floor(berka_events):
    from synth.rules.check import violations
    from synth.rules.select import rules_for
    from synth.schema import ColumnOverride, Kind, infer_schema

    events, accounts = berka_events
    schema = infer_schema(events, table="trans", overrides={"account_id": ColumnOverride(kind=Kind.ID)})
    schema = rules_for(events, schema)
    assert any(r.kind == "combination" for r in schema.rules)
    model = SequenceModel(entity_key="account_id", time_column="date", **TINY_SEQUENCE)
    model.fit(events, schema, context=accounts)
    _, synthetic = model.sample_entities(60, seed=5)
    combinations = [r for r in schema.rules if r.kind == "combination"]
    assert sum(violations(synthetic, combinations).values()) == 0
    assert not any(name.startswith("combination") for name in model.repairs)  # drawn so, not repaired
    assert synthetic["balance"].min() >= model.layout.balance_floor - 0.05
    assert synthetic["balance"].max() <= model.layout.balance_ceiling + 0.05
