"""Event-table preparation on real Berka transactions: times, running balance, booking order."""

from __future__ import annotations

import pandas as pd
import pytest

from synth import events as ev
from synth.errors import InputError


def test_yymmdd_integers_round_trip():
    values = pd.Series([930101, 931231, 940228])
    fmt = ev.TimeFormat.detect(values, "date")
    assert fmt.format == "%y%m%d"
    parsed = fmt.parse(values)
    assert parsed.iloc[1] == pd.Timestamp("1993-12-31")
    assert fmt.format_values(parsed, "int64").tolist() == values.tolist()


def test_a_column_that_is_not_a_time_is_named():
    with pytest.raises(InputError, match="column 'amount'"):
        ev.TimeFormat.detect(pd.Series([12.5, 3.0]), "events: column 'amount'")


def _prepared(berka_events):
    events, _ = berka_events
    times = ev.TimeFormat.detect(events["date"], "date").parse(events["date"])
    balance = ev.detect_balance(
        events.assign(date=times),
        "account_id",
        "date",
        ["amount", "balance"],
        ["type", "operation", "k_symbol"],
    )
    return events, times, balance


def test_running_balance_and_its_signs_are_detected(berka_events):
    _, _, balance = _prepared(berka_events)
    assert balance is not None
    assert (balance.column, balance.amount, balance.kind) == ("balance", "amount", "type")
    assert balance.signs["PRIJEM"] == 1 and balance.signs["VYDAJ"] == -1


def test_no_balance_is_invented_where_there_is_none(berka_events):
    events, times, _ = _prepared(berka_events)
    shuffled = events.assign(balance=events["balance"].sample(frac=1, random_state=0).to_numpy(), date=times)
    assert ev.detect_balance(shuffled, "account_id", "date", ["amount", "balance"], ["type"]) is None


def test_booking_order_restores_the_balance_chain(berka_events):
    events, times, balance = _prepared(berka_events)
    by_file = events.assign(t=times).sort_values(["account_id", "t"], kind="stable")
    booked = events.iloc[ev.booking_order(events, "account_id", times, balance)]
    before = ev.balance_consistency(by_file, "account_id", balance)
    after = ev.balance_consistency(booked, "account_id", balance)
    assert after > before
    assert after > 0.9
    assert len(booked) == len(events) and booked.index.is_unique


def test_entity_table_counts_events_and_anchors_the_start(berka_events):
    events, times, balance = _prepared(berka_events)
    _, accounts = berka_events
    context = accounts.assign(date=ev.TimeFormat("%y%m%d").parse(accounts["date"]))
    context = context[context["account_id"].isin(events["account_id"])]
    table = ev.entity_table(events, "account_id", times, balance, context, "date")
    assert table[ev.N_EVENTS].sum() == len(events)
    assert (table[ev.START_OFFSET] >= 0).all()
