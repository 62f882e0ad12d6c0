"""The sequential bench is reproducible: PAR's training and sampling draw from a fixed seed."""

import pandas as pd
import pytest

from synth.bench.sequences import run_sequence_bench
from tests.conftest import DATA


@pytest.mark.slow
def test_par_figures_repeat_exactly():
    events = pd.read_csv(DATA / "berka_trans.csv")
    context = pd.read_csv(DATA / "berka_accounts.csv")
    runs = [
        run_sequence_bench(
            events, context, key="account_id", time_column="date", name="t", models=("par",), epochs=1
        ).results["par"]
        for _ in range(2)
    ]
    timings = {"fit_seconds", "sample_seconds"}
    first, second = ({k: v for k, v in run.items() if k not in timings} for run in runs)
    assert first == second and len(first) > 5
