import numpy as np
import pandas as pd
import pytest

from synth.errors import JobError
from synth.expressions import Expression
from synth.risk import evaluate_metrics, parse_metric


@pytest.fixture
def loans():
    return pd.DataFrame(
        {
            "amount": [100.0, 250.0, 80.0, 40.0],
            "default": ["yes", "no", "yes", "no"],
            "capital-gain": [0, 5, 0, 7],
        }
    )


def test_arithmetic_comparisons_and_functions(loans):
    value = Expression("amount * (default == 'yes') * 0.45 + log(1 + `capital-gain`)", "m").evaluate(loans)
    expected = loans["amount"] * loans["default"].eq("yes") * 0.45 + np.log1p(loans["capital-gain"])
    np.testing.assert_allclose(value, expected)


def test_element_wise_logic_and_chains(loans):
    picked = Expression("(amount > 50) and not (default == 'no') or 0 < `capital-gain` <= 5", "m")
    assert picked.evaluate(loans).tolist() == [1.0, 1.0, 1.0, 0.0]
    assert Expression("where(amount > 90, amount, 0)", "m").evaluate(loans).tolist() == [100, 250, 0, 0]


@pytest.mark.parametrize(
    "expression",
    [
        "amount.to_csv('written.csv')",
        "__import__('os').system('touch written.csv')",
        "open('written.csv', 'w')",
        "[amount for amount in amount]",
        "amount if amount else 0",
        "lambda: 0",
        "amount[0]",
        "abs(amount, out=amount)",
    ],
)
def test_anything_outside_the_allow_list_is_refused_and_writes_nothing(
    expression, loans, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(JobError, match="metric 'x'"):
        parse_metric(f"x = sum: {expression}")
    assert list(tmp_path.iterdir()) == []


def test_unknown_columns_are_named_when_columns_are_given():
    with pytest.raises(JobError, match="column 'amout' is not in the table"):
        parse_metric("loss = sum: amout * 0.45", ["amount", "default"])


def test_metrics_aggregate_per_scenario(loans):
    metric = parse_metric("loss = sum: amount * (default == 'yes')", loans.columns)
    assert evaluate_metrics(loans, [metric]) == {"loss": 180.0}


def test_a_syntax_error_is_one_line():
    with pytest.raises(JobError, match="not a valid expression"):
        Expression("amount *", "metric 'x'")
