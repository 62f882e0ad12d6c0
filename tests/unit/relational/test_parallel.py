"""Table models fitted side by side in spawned worker processes: the same models as in one
process, and one process for a small database or when not asked."""

from functools import partial

import pandas as pd
import pytest

from synth.relational import parallel
from synth.relational.database import read_database
from synth.relational.integrity import check_database
from synth.relational.model import RelationalModel
from tests.conftest import ROOT

BERKA = ROOT / "data" / "berka"
TINY = {"epochs": 2, "d_model": 32, "batch_size": 256, "patience": 10, "proposal_steps": 0}


def test_workers_are_used_for_a_large_database_only():
    assert parallel.workers_for(5_000, 7, cores=2) == 1
    assert parallel.workers_for(50_000, 7, cores=2) == 2
    assert parallel.workers_for(50_000, 1, cores=8) == 1
    assert parallel.fit_all({"a": partial(sum, [1, 2])}, {"a": 1}, parallel=False) == {"a": 3}


@pytest.mark.slow
def test_tables_fitted_in_workers_draw_what_one_process_draws(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_ROWS", 0)
    checked = check_database(read_database(BERKA, BERKA / "keys.yaml"))
    alone = RelationalModel("vae", TINY).fit(checked, parallel=False).sample(seed=2)
    seen = []
    side_by_side = RelationalModel("vae", TINY).fit(checked, progress=seen.append, parallel=True)
    assert sorted(seen) == sorted(side_by_side.layout)
    drawn = side_by_side.sample(seed=2)
    for name in ("account", "loan", "trans"):
        pd.testing.assert_frame_equal(alone[name], drawn[name], check_exact=False, atol=1e-6)
