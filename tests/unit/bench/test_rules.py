"""The rules study: unseen rows are held to the mined rules, counted, never shown."""

from __future__ import annotations

import pandas as pd
import pytest

from synth.bench.rules import holding, source_rest, study_table
from synth.errors import InputError
from synth.schema import Rule
from tests.conftest import SHARED


def test_holding_counts_rows_that_break_a_rule_and_bounds_the_share():
    frame = pd.DataFrame({"low": [1, 2, 3, 9], "high": [2, 3, 4, 5]})
    rule = Rule("order", ("low", "high"))
    held = holding(frame, (rule,))
    assert (held.rows, held.kept) == (4, 3) and held.share == 0.75
    assert 0 < held.lower < 0.75  # Clopper-Pearson's lower bound sits below the share
    assert held.broken == {rule.name: 1}
    assert "9" not in str(held.broken)  # counts only


def test_a_bundled_table_is_mined_from_its_training_rows_and_held_to_its_holdout():
    result = study_table("berka-loans")
    assert (result.train_rows, result.holdout.rows) == (546, 136)
    assert result.rules > 10 and result.mining_seconds >= 0
    assert result.holdout.share == 1.0 and result.source_rest is None  # a join, not a sample


@pytest.mark.skipif(not (SHARED / "adult" / "adult.csv").is_file(), reason="../shared/datasets not present")
def test_the_demo_sample_is_also_held_to_its_sources_other_rows():
    rest = source_rest("adult-sample")
    assert rest is not None and len(rest) == 32561 - 3000
    result = study_table("adult-sample")
    assert result.source_rest.rows == len(rest) and result.source_rest.share > 0.99


def test_an_unknown_table_is_one_clear_error():
    with pytest.raises(InputError, match="unknown table 'nope'"):
        study_table("nope")
