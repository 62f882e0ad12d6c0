"""The gate for a table too large to hold: evidence gathered batch by batch, chunks protected
as they are drawn, copies and rare levels judged over every row."""

import numpy as np
import pandas as pd
import pytest

from synth.privacy.copies import count_copies, row_hashes
from synth.privacy.gate import PrivacyConfig
from synth.privacy.rare import RARE_TOKEN
from synth.privacy.streamed import Gatherer, StreamedGate
from synth.schema import infer_schema

FAST = PrivacyConfig(n_attacks=100)


@pytest.fixture(scope="module")
def gathered(adult):
    """The Adult sample read in batches of 500 rows; one workclass seen in two training rows."""
    table = adult.reset_index(drop=True).copy()
    gatherer = Gatherer(infer_schema(table, table="adult"), len(table), seed=0, holdout_rows=400)
    planted = np.setdiff1d(np.arange(len(table)), gatherer.held)[:2]  # trained on, both
    table.loc[planted, "workclass"] = "Planted-level"
    train = pd.concat([gatherer.split(table.iloc[s : s + 500], s) for s in range(0, len(table), 500)])
    return table, train.reset_index(drop=True), gatherer.evidence()


def test_batches_are_split_into_training_rows_and_a_holdout_with_exact_evidence(gathered):
    table, train, evidence = gathered
    assert len(train) + len(evidence.holdout) == len(table)
    modelled = [c.name for c in evidence.schema.modelled]
    assert np.array_equal(evidence.train_hashes, np.sort(row_hashes(train, modelled)))  # every training row
    assert count_copies(evidence.train_sample, train) == len(evidence.train_sample) == len(evidence.holdout)
    holdout_ids = set(map(tuple, evidence.holdout.astype(str).to_numpy()))
    assert not holdout_ids & set(map(tuple, train.astype(str).to_numpy()))  # no row in both
    counts = evidence.level_counts["workclass"]
    assert counts.sort_index().equals(train["workclass"].value_counts().sort_index().astype(counts.dtype))


def test_chunks_lose_their_copies_and_rare_levels_and_the_gate_counts_every_row(gathered):
    table, train, evidence = gathered
    fresh = evidence.holdout.copy()
    copies = train.iloc[[0, 10, 11]]  # row 0 holds the planted level: a copy, dropped first
    rare = fresh.iloc[:2].assign(workclass="Planted-level")
    gate = StreamedGate(evidence, rows=2 * len(fresh), config=FAST, seed=0)
    first = gate.protect(pd.concat([fresh.iloc[:200], copies, rare], ignore_index=True))
    second = gate.protect(fresh.iloc[200:])
    assert len(first) == 202 and (first["workclass"] == RARE_TOKEN).sum() == 2
    assert "Planted-level" not in set(first["workclass"]) | set(second["workclass"])
    result = gate.result()
    checks = {c.name: c for c in result.checks}
    assert result.copies_removed == 3 and result.rare_replaced["workclass"] == 2  # and rare countries
    assert checks["copies"].figure == pytest.approx(3 / (len(fresh) + 5))
    assert checks["rare_values"].passed
    assert {"dcr_share", "membership_inference"} <= set(checks)  # measured on the samples
    assert result.figures["drawn_rows"] == len(fresh) + 5


def test_a_draw_of_nothing_but_copies_fails_and_the_verdict_is_computed_once(gathered):
    _, train, evidence = gathered
    gate = StreamedGate(evidence, rows=100, config=FAST)
    assert gate.protect(train.iloc[:100]).empty
    result = gate.result()
    assert not result.passed and result.copies_removed == 100
    assert "no row left to publish" in result.failed[0].detail
    assert gate.result() is result
