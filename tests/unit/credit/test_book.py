import numpy as np
import pandas as pd
import pytest

from synth.credit.book import BookSpec, PDModel, build_book, default_counts
from synth.credit.engine import Book
from synth.credit.run import CreditConfig, calibrate, run_credit
from synth.errors import JobError
from synth.io import read
from tests.conftest import DATA

SPEC = BookSpec("default", "yes", "loan_amount", 0.45, "region")


@pytest.fixture(scope="module")
def loans():
    return read(DATA / "berka_loans.csv").frame


def test_pds_are_out_of_fold_and_calibrated_to_the_default_rate(loans):
    model = PDModel(SPEC, exclude=("loan_id", "account_id"))
    pds = model.fit(loans)
    rate = (loans["default"] == "yes").mean()
    assert pds.mean() == pytest.approx(rate, abs=1e-6)
    assert "loan_id" not in model.features and "default" not in model.features
    defaulted = loans["default"].eq("yes").to_numpy()
    assert pds[defaulted].mean() > 1.5 * pds[~defaulted].mean()  # the model ranks, out of fold
    scored = model.predict(loans.sample(100, random_state=0))
    assert ((scored > 0) & (scored < 1)).all()


def test_the_book_and_its_vintages(loans):
    book = build_book(loans, SPEC, np.full(len(loans), 0.1))
    assert len(book.segments) == 8 and book.exposure.sum() == pytest.approx(0.45 * loans["loan_amount"].sum())
    n, d = default_counts(loans, SPEC, "loan_date")
    assert n.sum() == len(loans) and len(n) == 6 and d.sum() == (loans["default"] == "yes").sum()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (BookSpec("status", "yes", "loan_amount"), "credit.default.column: column 'status'"),
        (BookSpec("default", "yes", "amount"), "credit.ead: column 'amount'"),
        (BookSpec("default", "yes", "loan_amount", lgd=1.5), "credit.lgd: an LGD must lie in \\[0, 1\\]"),
        (BookSpec("default", "yes", "loan_amount", pd=0.0), "credit.pd: a PD must lie in \\(0, 1\\)"),
    ],
)
def test_bad_specs_are_one_error(spec, message, loans):
    with pytest.raises(JobError, match=message):
        spec.check(list(loans.columns))


def test_calibration_prefers_given_then_estimated_then_basel():
    book = Book(np.full(100, 0.05), np.ones(100), np.zeros(100, dtype=np.int64))
    assert calibrate(book, CreditConfig(correlation=0.2), None).method == "given"
    counts = (np.array([100, 100]), np.array([1, 2]))
    fallback = calibrate(book, CreditConfig(estimate_by="year"), counts)
    assert fallback.method == "basel_retail" and "at least three groups" in fallback.note
    assert 0.03 <= calibrate(book, CreditConfig(), None).rho <= 0.16


def test_a_run_without_stress_has_only_a_baseline_and_with_it_both():
    book = Book(np.full(500, 0.05), np.ones(500), np.zeros(500, dtype=np.int64))
    plain = run_credit(book, CreditConfig(scenarios=200, correlation=0.1))
    stressed = run_credit(book, CreditConfig(scenarios=200, correlation=0.1, downturn_years=25))
    assert list(plain.figures) == ["baseline"] and list(stressed.figures) == ["baseline", "stressed"]
    assert stressed.figures["stressed"]["mean"]["value"] > 2 * plain.figures["baseline"]["mean"]["value"]
    pd.testing.assert_series_equal(
        pd.Series(plain.losses["baseline"][:, 0]), pd.Series(stressed.losses["baseline"][:, 0])
    )


def test_scenario_k_is_scored_on_book_k_mod_n():
    from synth.credit.engine import FactorModel, scenario_losses
    from synth.credit.run import simulate_losses

    small = Book(np.full(300, 0.05), np.ones(300), np.zeros(300, dtype=np.int64))
    large = Book(np.full(900, 0.05), np.ones(900), np.zeros(900, dtype=np.int64))
    config = CreditConfig(scenarios=2_500, correlation=0.1)
    both = simulate_losses([small, large], FactorModel(0.1), config)[:, 0]
    np.testing.assert_array_equal(
        both[1::2], scenario_losses(large, FactorModel(0.1), range(1, 2_500, 2), seed=0)[:, 0]
    )
    assert both[1::2].mean() > 2.5 * both[::2].mean()
