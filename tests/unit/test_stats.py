"""Intervals that count the draws a figure rests on."""

import numpy as np

from synth.stats import mean_interval


def test_a_mean_over_few_independent_draws_has_a_wider_interval():
    values = np.random.default_rng(0).random(2000)
    low, high = mean_interval(values)
    few_low, few_high = mean_interval(values, draws=40)
    assert few_low < low and few_high > high
    assert np.isclose((few_high - few_low) / (high - low), np.sqrt(2000 / 40))
    assert mean_interval(values, draws=5000) == (low, high)  # never narrower than the values give
