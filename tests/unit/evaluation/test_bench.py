"""The bench's copy rate: counts synthetic rows equal to a training row, over chunked draws."""

import pandas as pd

from synth.evaluation.bench import copy_count


class Replayer:
    """A stand-in model that replays training rows (every row a copy), seeded."""

    def __init__(self, rows: pd.DataFrame, perturb: bool = False) -> None:
        self.rows, self.perturb, self.seeds = rows, perturb, []

    def sample(self, n: int, conditions=None, *, seed: int = 0) -> pd.DataFrame:
        self.seeds.append(seed)
        out = self.rows.sample(n, replace=True, random_state=seed).reset_index(drop=True)
        if self.perturb:
            out["age"] = out["age"] + 1000  # no real row has these ages
        return out


def test_copy_count_finds_every_replayed_row_in_chunks(adult):
    train = adult.head(500)
    model = Replayer(train)
    assert copy_count(model, train, list(train.columns), 1_050, seed=7, chunk=400) == 1_050
    assert model.seeds == [7, 8, 9]  # three chunks, each with its own seed


def test_copy_count_is_zero_when_no_row_matches(adult):
    train = adult.head(500)
    assert copy_count(Replayer(train, perturb=True), train, list(train.columns), 800, seed=0) == 0
