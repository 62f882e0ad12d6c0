"""Every model keeps the mined rules while sampling: ours by construction and token masks,
SDV's through its own constraint classes plus the same codec; conditions still hold."""

import dataclasses

import pytest

from synth import models
from synth.errors import JobError
from synth.io import read
from synth.rules.check import violations
from synth.rules.select import rules_for
from synth.sampling import sample_table
from synth.schema import infer_schema
from synth.split import split
from tests.conftest import DATA, TINY_VAE

SETTINGS = {"vae": TINY_VAE, "gaussian_copula": {}, "ctgan": {"epochs": 1}, "tvae": {"epochs": 1}}


def _ruled(name):
    frame = read(DATA / name).frame
    train, _ = split(frame, holdout=0.2, seed=0)
    return train, rules_for(train, infer_schema(frame))


@pytest.fixture(scope="module")
def loans():
    return _ruled("berka_loans.csv")


@pytest.fixture(scope="module")
def adult_ruled():
    return _ruled("adult_sample.csv")


@pytest.fixture(scope="module")
def adult_vae(adult_ruled):
    train, schema = adult_ruled
    model = models.build("vae", seed=0, **TINY_VAE)
    model.fit(train, schema)
    return model


@pytest.mark.parametrize("name", list(SETTINGS))
def test_every_model_keeps_every_loan_rule(loans, name):
    train, schema = loans
    model = models.build(name, seed=0, **SETTINGS[name])
    model.fit(train, schema)
    out = sample_table(model, 400, seed=1)
    broken = {k: v for k, v in violations(out, schema.rules).items() if v}
    assert broken == {}
    assert "loan_amount" not in model.model_schema.names  # computed, never learned


@pytest.mark.parametrize("name", ["vae", "gaussian_copula"])
def test_adult_pairs_kept_without_repairs(adult_ruled, adult_vae, name):
    train, schema = adult_ruled
    model = adult_vae if name == "vae" else models.build(name, seed=0)
    if name != "vae":
        model.fit(train, schema)
    out = sample_table(model, 2000, seed=2)
    assert sum(violations(out, schema.rules).values()) == 0
    if name == "gaussian_copula":  # SDV keeps the combinations with its own constraint class
        kept = {type(c).__name__ for c in model.inner._synthesizer.get_constraints()}
        assert "FixedCombinations" in kept
    combination = [r.name for r in schema.rules if r.kind == "combination" and "combos" in r.params]
    assert not set(model.repairs) & set(combination)  # kept while sampling, not repaired after
    drawn = model.sample(200, seed=3)  # the model's own rows, before any job conforms them
    assert (drawn.dtypes == train[drawn.columns].dtypes).all()  # derived ints stay ints


def test_a_fixed_dependent_value_fixes_its_determinant(adult_vae):
    out = sample_table(adult_vae, 200, seed=3, conditions={"education-num": 16})
    assert (out["education"] == "Doctorate").all()
    assert (out["education-num"] == 16).all()


def test_conditions_on_a_combination_member_hold(adult_vae):
    out = sample_table(adult_vae, 300, seed=4, conditions={"relationship": "Husband"})
    assert (out["relationship"] == "Husband").all()
    assert (out["sex"] == "Male").all()
    assert (out["marital-status"] != "Never-married").all()


def test_conditions_on_a_computed_column_are_refused(loans):
    train, schema = loans
    model = models.build("gaussian_copula", seed=0)
    model.fit(train, schema)
    with pytest.raises(JobError, match="loan_amount.*identity: duration \\* payments = loan_amount"):
        sample_table(model, 10, conditions={"loan_amount": 1000})


def test_rules_survive_save_and_load(loans, tmp_path):
    train, schema = loans
    model = models.build("vae", seed=0, **TINY_VAE)
    model.fit(train, schema)
    models.save(model, tmp_path / "m")
    loaded = models.load(tmp_path / "m")
    assert loaded.schema.rules == schema.rules
    first, again = sample_table(model, 300, seed=5), sample_table(loaded, 300, seed=5)
    assert first.equals(again)
    assert sum(violations(again, schema.rules).values()) == 0


def test_without_rules_the_violations_are_there(loans):
    # the yardstick can fail: the same model without rules breaks the district combinations
    train, schema = loans
    model = models.build("gaussian_copula", seed=0)
    model.fit(train, dataclasses.replace(schema, rules=()))
    out = sample_table(model, 400, seed=1)
    assert violations(out, schema.rules)["depends: inhabitants -> region"] > 100
