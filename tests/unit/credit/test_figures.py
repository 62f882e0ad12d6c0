import numpy as np
import pytest

from synth.credit.figures import convergence, es_contributions, expected_shortfall, loss_figures, var


def test_var_interval_covers_the_true_quantile_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    truth = float(np.exp(2.326))  # the 99 % quantile of a standard log-normal
    draws = [var(rng.lognormal(size=2_000), 0.99) for _ in range(200)]
    hits = sum(f.low <= truth <= f.high for f in draws)
    assert 180 <= hits <= 198


def test_too_few_tail_scenarios_are_flagged():
    losses = np.random.default_rng(0).normal(size=500)
    assert var(losses, 0.999).warning == (
        "VaR 99.9%: 500 scenarios leave about 0.5 beyond it (unreliable); run at least 10,000"
    )
    assert var(losses, 0.9).warning == ""
    assert expected_shortfall(losses, 0.975).warning == ""  # 12.5 scenarios beyond it
    assert expected_shortfall(losses[:300], 0.975).warning.startswith(
        "ES 97.5%: 300 scenarios leave about 7.5"
    )


def test_es_contributions_add_up_to_es():
    rng = np.random.default_rng(3)
    by_segment = rng.gamma(2.0, size=(5_000, 3))
    parts = es_contributions(by_segment, ("a", "b", "c"), 0.975)
    assert sum(parts.values()) == pytest.approx(expected_shortfall(by_segment.sum(axis=1), 0.975).value)


def test_convergence_and_the_whole_set():
    rng = np.random.default_rng(1)
    by_segment = rng.gamma(2.0, size=(20_000, 2))
    points = convergence(by_segment.sum(axis=1), 0.999)
    assert points[0]["scenarios"] == 1_000 and points[-1]["scenarios"] == 20_000
    assert points[0]["warning"] and "warning" not in points[-1]  # 1 tail scenario at 1,000; 20 at 20,000
    widths = [p["high"] - p["low"] for p in points if "warning" not in p]
    assert widths[-1] < widths[0]
    figures = loss_figures(by_segment, ("a", "b"))
    assert figures["es_97_5"]["value"] > figures["var_99"]["low"] > figures["mean"]["value"]
