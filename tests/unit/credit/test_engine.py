import numpy as np
import pytest

from synth.credit.engine import Book, FactorModel, downturn_shift, scenario_losses
from synth.errors import JobError


def _book(n=1_000, segments=("a", "b")):
    rng = np.random.default_rng(0)
    return Book(
        rng.uniform(0.01, 0.1, n), rng.uniform(1, 5, n), np.arange(n) % len(segments), tuple(segments)
    )


def test_scenarios_are_reproducible_whatever_the_chunking():
    book, model = _book(), FactorModel(0.1)
    whole = scenario_losses(book, model, range(60), seed=7)
    parts = np.vstack([scenario_losses(book, model, range(i, i + 20), seed=7) for i in (0, 20, 40)])
    np.testing.assert_array_equal(whole, parts)
    assert not np.array_equal(whole, scenario_losses(book, model, range(60), seed=8))


def test_a_downturn_and_pd_multipliers_raise_losses_where_they_act():
    book = _book()
    base = scenario_losses(book, FactorModel(0.1), range(400), seed=0)
    down = scenario_losses(book, FactorModel(0.1, factor_shift=downturn_shift(25)), range(400), seed=0)
    hit = scenario_losses(book, FactorModel(0.1, pd_multiplier={"b": 2.0}), range(400), seed=0)
    assert down.sum(axis=1).mean() > 1.5 * base.sum(axis=1).mean()
    assert hit[:, 1].mean() > 1.5 * base[:, 1].mean()
    np.testing.assert_allclose(hit[:, 0], base[:, 0])  # same draws, segment a untouched


def test_segment_factors_below_one_decorrelate_segments():
    book = _book(4_000)
    one = scenario_losses(book, FactorModel(0.3), range(600), seed=1)
    own = scenario_losses(book, FactorModel(0.3, factor_correlation=0.0), range(600), seed=1)
    assert np.corrcoef(one.T)[0, 1] > 0.8 and abs(np.corrcoef(own.T)[0, 1]) < 0.2


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: Book(np.array([0.0, 0.5]), np.ones(2), np.zeros(2, dtype=int)),
            "every PD must lie in \\(0, 1\\)",
        ),
        (
            lambda: Book(np.array([0.5, 1.0]), np.ones(2), np.zeros(2, dtype=int)),
            "every PD must lie in \\(0, 1\\)",
        ),
        (lambda: FactorModel(1.0), "asset correlation must lie in \\[0, 1\\)"),
        (lambda: FactorModel(-0.1), "asset correlation must lie in \\[0, 1\\)"),
        (lambda: downturn_shift(1), "a downturn is 1 in more than one year"),
        (
            lambda: scenario_losses(_book(), FactorModel(0.1, pd_multiplier={"z": 2}), range(2), seed=0),
            "segment 'z'",
        ),
    ],
)
def test_bad_settings_are_one_error(make, message):
    with pytest.raises(JobError, match=message):
        make()
