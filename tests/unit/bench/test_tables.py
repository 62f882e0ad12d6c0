"""The bench's more rows: copies of training rows and a DCR share with its standard error,
over chunked draws."""

import pandas as pd
import pytest

from synth.bench.draws import score_more_rows


class Replayer:
    """A stand-in model that replays given real rows (from training: every row a copy), seeded."""

    def __init__(self, rows: pd.DataFrame, perturb: bool = False) -> None:
        self.rows, self.perturb, self.seeds = rows, perturb, []

    def sample(self, n: int, conditions=None, *, seed: int = 0) -> pd.DataFrame:
        self.seeds.append(seed)
        out = self.rows.sample(n, replace=True, random_state=seed).reset_index(drop=True)
        if self.perturb:
            out["age"] = out["age"] + 1000  # no real row has these ages
        return out


@pytest.fixture
def halves(adult):
    return adult.iloc[:400].reset_index(drop=True), adult.iloc[400:800].reset_index(drop=True)


def test_replayed_training_rows_are_all_copies_and_closer_to_training(halves):
    train, holdout = halves
    model = Replayer(train)
    more = score_more_rows(model, train, holdout, list(train.columns), 1_050, seed=7, chunk=400)
    assert more.copies == 1_050
    assert model.seeds == [7, 8, 9]  # three chunks, each with its own seed
    assert more.dcr_share > 0.95 and more.dcr_share_se < 0.01


def test_replayed_holdout_rows_are_no_copies_and_closer_to_the_holdout(halves):
    train, holdout = halves
    more = score_more_rows(Replayer(holdout), train, holdout, list(train.columns), 800, seed=0)
    assert more.dcr_share < 0.05
    perturbed = Replayer(train, perturb=True)
    assert score_more_rows(perturbed, train, holdout, list(train.columns), 800, seed=0).copies == 0
