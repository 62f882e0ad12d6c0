"""The privacy gate on real rows: copies fail, holdout rows pass, leaks are caught."""

import numpy as np
import pandas as pd
import pytest

from synth.models import build
from synth.privacy.attacks import AttackRisk
from synth.privacy.distance import nearest_records
from synth.privacy.gate import PrivacyConfig, _attack_check, evaluate, gate
from synth.privacy.mia import membership_auc
from synth.privacy.rare import RARE_TOKEN
from synth.schema import infer_schema
from synth.split import split

FAST = PrivacyConfig(n_attacks=200)


@pytest.fixture(scope="module")
def parts(adult):
    train, holdout = split(adult, holdout=0.3, seed=0)
    return train, holdout, infer_schema(train, table="adult")


def test_copy_of_training_rows_fails_copies_and_dcr(parts):
    train, holdout, schema = parts
    result = evaluate(train.sample(len(holdout), random_state=0), train, holdout, schema, FAST)
    failed = {c.name for c in result.failed}
    assert {"copies", "dcr_share", "dcr_p5_ratio"} <= failed
    assert "copies" in result.summary() and "must be <=" in result.summary()


def test_rows_drawn_from_the_holdout_pass(parts):
    """Real rows the model never saw are the ideal synthetic data: the gate must let them through.

    The table is cut 50/25/25 so that the attacks' control rows are not in the "synthetic" table
    and there are enough of them: with a few hundred attacks anonymeter's intervals are too
    wide for the 0.09 bound even on data that leaks nothing.
    """
    train, holdout = split(parts[0].pipe(lambda t: pd.concat([t, parts[1]])), holdout=0.5, seed=1)
    schema = parts[2]
    fresh, control = holdout.iloc[: len(holdout) // 2], holdout.iloc[len(holdout) // 2 :]
    published, result = gate(fresh, train, control, schema, PrivacyConfig(n_attacks=1000))
    assert result.passed, result.summary()
    assert len(published) >= len(fresh) - 5
    assert {c.name for c in result.checks} >= {
        "copies",
        "dcr_share",
        "membership_inference",
        "singling_out",
        "linkability",
        "attribute_inference",
        "rare_values",
        "identifiers",
    }
    assert len(result.checks) >= 8
    for check in result.checks:  # aggregates only: figures are finite numbers, details never rows
        assert np.isfinite(check.figure) and len(check.detail) < 300
        assert "\n" not in check.detail


def test_gate_removes_copies_and_rare_values_before_writing(parts):
    train, holdout, schema = parts
    leaked_level = train["native-country"].value_counts().index[-1]  # seen in < 5 rows
    assert (train["native-country"] == leaked_level).sum() < 5
    synthetic = pd.concat([holdout, train.head(3)], ignore_index=True)
    synthetic.loc[0, "native-country"] = leaked_level
    protected, result = gate(synthetic, train, holdout, schema, FAST)
    assert result.copies_removed >= 3
    assert leaked_level not in set(protected["native-country"])
    assert RARE_TOKEN in set(protected["native-country"])
    assert result.rare_replaced["native-country"] >= 1


def test_leaked_rare_value_and_pii_are_caught(parts):
    train, holdout, schema = parts
    rare = train["native-country"].value_counts().index[-1]
    synthetic = holdout.copy()
    synthetic.loc[:4, "native-country"] = rare
    result = evaluate(synthetic, train, holdout, schema, PrivacyConfig(attacks=False))
    assert "rare_values" in {c.name for c in result.failed}
    with_email = train.assign(email=[f"p{i}@bank.cz" for i in range(len(train))])
    pii_schema = infer_schema(with_email, table="adult")
    leaked = holdout.assign(email=with_email["email"].iloc[: len(holdout)].to_numpy())
    result = evaluate(leaked, with_email, holdout, pii_schema, PrivacyConfig(attacks=False))
    assert "identifiers" in {c.name for c in result.failed}


@pytest.mark.slow
def test_membership_inference_is_higher_for_an_overfitted_model(adult):
    train, holdout = split(adult.head(1600), holdout=0.5, seed=0)
    schema = infer_schema(train, table="adult")
    overfit = build("vae", epochs=150, d_model=128, batch_size=64, dropout=0.0, val_share=0.0, patience=10**6)
    overfit.fit(train, schema)
    careful = build("vae", epochs=30, d_model=32, batch_size=128)
    careful.fit(train, schema)
    auc_overfit = membership_auc(nearest_records(overfit.sample(len(train), seed=0), train, holdout))
    auc_careful = membership_auc(nearest_records(careful.sample(len(train), seed=0), train, holdout))
    assert auc_overfit > auc_careful + 0.03
    assert auc_careful < 0.6


def test_dp_training_stays_within_its_budget(adult):
    frame = adult.head(600)
    schema = infer_schema(frame, table="adult")
    model = build("vae", epochs=3, d_model=16, batch_size=128, dp_epsilon=2.0)
    model.fit(frame, schema)
    spent = model.history["dp_epsilon_spent"]
    assert 0 < spent <= 2.0
    assert model.history["dp_steps"] > 0 and model.history["dp_noise_multiplier"] > 0
    assert len(model.sample(100, seed=0)) == 100


def test_attack_checks_fail_on_evidence_not_on_noise():
    noisy = AttackRisk("linkability", 0.12, 0.0, 0.3, attack_rate=0.4, baseline_rate=0.1, attacks=170)
    check = _attack_check(noisy, PrivacyConfig())
    assert check.passed and "within noise of real unseen rows" in check.detail
    leak = AttackRisk("linkability", 0.2, 0.05, 0.35, attack_rate=0.5, baseline_rate=0.1, attacks=1000)
    assert not _attack_check(leak, PrivacyConfig()).passed
    calm = AttackRisk("linkability", 0.05, 0.01, 0.2, attack_rate=0.3, baseline_rate=0.1, attacks=1000)
    assert _attack_check(calm, PrivacyConfig()).passed


def test_the_older_attack_rules_remain_selectable():
    few = AttackRisk("linkability", 0.05, 0.0, 0.2, attack_rate=0.3, baseline_rate=0.1, attacks=170)
    check = _attack_check(few, PrivacyConfig(attack_bound="auto"))
    assert check.passed and check.figure == 0.05 and "judged on the estimate" in check.detail
    assert not _attack_check(few, PrivacyConfig(attack_bound="upper")).passed
    many = AttackRisk("linkability", 0.05, 0.0, 0.2, attack_rate=0.3, baseline_rate=0.1, attacks=1000)
    check = _attack_check(many, PrivacyConfig(attack_bound="auto"))
    assert not check.passed and check.figure == 0.2 and "estimate" not in check.detail


def test_an_attacks_evidence_widens_to_the_holdouts_entities():
    from synth.privacy.attacks import AttackRisk
    from synth.privacy.gate import _per_entity

    risk = AttackRisk("attribute_inference", 0.20, 0.10, 0.30, attacks=400, evidence_low=0.12)
    assert _per_entity(risk, None) is risk and _per_entity(risk, 1000) is risk
    wide = _per_entity(risk, 25)  # 400 attacks on the rows of 25 accounts
    assert wide.evidence_low < 0 < risk.evidence_low and wide.risk == risk.risk
