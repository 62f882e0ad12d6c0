"""Stress scenarios on a model of the real Berka loans (tiny, fitted once)."""

import numpy as np
import pandas as pd
import pytest

from synth.errors import JobError
from synth.models import build
from synth.risk import evaluate_metrics, parse_metric, parse_stress, sample_scenario, tail_figures
from synth.schema import infer_schema
from tests.conftest import DATA


@pytest.fixture(scope="module")
def loans_model():
    frame = pd.read_csv(DATA / "berka_loans.csv", parse_dates=["loan_date", "account_date"])
    model = build("vae", epochs=15, d_model=32, batch_size=128)
    model.fit(frame, infer_schema(frame, table="loans"))
    return model, frame


def test_parse_and_reject(loans_model):
    model, _ = loans_model
    assert parse_stress("region=Prague", model).kind == "segment"
    assert parse_stress("default=yes*2", model).factor == 2.0
    assert parse_stress("loan_amount*1.3", model).kind == "scale"
    tail = parse_stress("loan_amount>q0.95*2", model)
    assert (tail.kind, tail.quantile) == ("tail", 0.95)
    with pytest.raises(JobError, match="'salary' is not in the model's schema"):
        parse_stress("salary*2", model)
    with pytest.raises(JobError, match="'region' is not numeric"):
        parse_stress("region*2", model)
    with pytest.raises(JobError, match="NAME = AGG: EXPRESSION"):
        parse_metric("loss = total: x")


def test_scenario_depends_on_seed_and_index_only(loans_model):
    model, _ = loans_model
    a = sample_scenario(model, 300, [], seed=5, scenario=3)
    b = sample_scenario(model, 300, [], seed=5, scenario=3)
    c = sample_scenario(model, 300, [], seed=5, scenario=4)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_stresses_move_the_distribution(loans_model):
    model, frame = loans_model
    base = sample_scenario(model, 3000, [], seed=0, scenario=0)
    doubled = sample_scenario(model, 3000, [parse_stress("default=yes*2", model)], seed=0, scenario=0)
    assert (doubled["default"] == "yes").mean() > 1.6 * (base["default"] == "yes").mean()
    scaled = sample_scenario(model, 3000, [parse_stress("loan_amount*1.3", model)], seed=0, scenario=0)
    assert scaled["loan_amount"].mean() == pytest.approx(1.3 * base["loan_amount"].mean(), rel=0.01)
    tail = sample_scenario(model, 3000, [parse_stress("loan_amount>q0.9*3", model)], seed=0, scenario=0)
    assert tail["loan_amount"].max() > frame["loan_amount"].max()  # beyond the observed range
    segment = sample_scenario(model, 200, [parse_stress("region=Prague", model)], seed=0, scenario=0)
    assert (segment["region"] == "Prague").all()


def test_metrics_and_tail_figures():
    frame = pd.DataFrame({"amount": [100.0, 200.0, 300.0], "default": ["yes", "no", "yes"]})
    loss = parse_metric("loss = sum: amount * (default == 'yes') * 0.5")
    assert evaluate_metrics(frame, [loss]) == {"loss": 200.0}
    figures = tail_figures(np.arange(1, 1001))
    assert figures["var_99"] == pytest.approx(990.01)
    assert figures["es_97_5"] == pytest.approx(np.arange(976, 1001).mean(), rel=1e-3)
