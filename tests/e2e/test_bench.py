"""`synth bench` in each of its modes, on the bundled samples with tiny settings: the command
runs, writes its Markdown and JSON, and the figures are in range. (Speed is measured by the
bench itself, never asserted here.)"""

from __future__ import annotations

import json
import sys

import pytest

from tests.conftest import DATA
from tests.e2e.test_cli import synth


@pytest.mark.slow
def test_tabular_bench_scores_every_model_on_one_split(tmp_path, monkeypatch, capsys):
    code, out, err = synth(
        monkeypatch,
        capsys,
        "bench",
        "models",
        "--data",
        str(DATA / "adult_sample.csv"),
        "--target",
        "income",
        "--models",
        "gaussian_copula,vae",
        "--epochs",
        "2",
        "--draws",
        "2",
        "--copy-rows",
        "5000",
        "--precision",
        "fp32",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    result = json.loads((tmp_path / "bench-adult_sample.json").read_text())
    real_copies = result["real_copies_per_million"] * 600 / 1e6  # the holdout's own copies: a count
    assert real_copies == round(real_copies) and real_copies < 600
    assert result["rows_train"] == 2400 and result["rows_holdout"] == 600
    by_name = {r["model"]: r for r in result["results"]}
    assert set(by_name) == {"gaussian_copula", "vae"}
    for figures in by_name.values():
        assert figures["error"] is None
        assert 0 < figures["column_shapes"] <= 1 and 0 < figures["pair_trends"] <= 1
        assert 0 <= figures["dcr_share"] <= 1 and 0.5 <= figures["tstr_auc"] <= 1
        assert (
            figures["draws"] == 2 and 0 <= figures["tstr_auc_sd"] < 0.1 and 0 <= figures["dcr_share_sd"] < 0.1
        )
        copies = figures["copies_per_million"] * 5000 / 1e6  # a count over the 5,000 more rows
        assert figures["copy_rows"] == 5000 and copies == round(copies) and copies < 50
        assert figures["precision"] == "fp32"  # forced, whatever the CPU
        assert 0 <= figures["more_rows_dcr_share"] <= 1 and 0 < figures["more_rows_dcr_share_se"] < 0.02
        assert 0 <= figures["detection"] <= 1 and figures["violations_per_10k"] == 0  # rules kept
    assert by_name["vae"]["conditional"]["slowdown"] > 0
    markdown = (tmp_path / "bench-adult_sample.md").read_text()
    assert "| vae (fp32) |" in markdown and "Means over 2 sample draw(s)" in markdown
    assert "| real holdout rows |" in markdown and "over 5,000 more rows of each model" in markdown
    assert "DCR share, 5,000 more rows" in markdown
    assert "rule violations per 10,000 rows" in markdown and result["rules"] > 10
    assert result["real_detection"] > 0.7  # real unseen rows are hard to tell from the training rows


@pytest.mark.slow
def test_false_alarm_study_passes_honest_rows_and_catches_planted_leaks(tmp_path, monkeypatch, capsys):
    code, out, err = synth(
        monkeypatch,
        capsys,
        "bench",
        "false-alarms",
        "--data",
        "berka-accounts",
        "--draws",
        "2",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    (table,) = json.loads((tmp_path / "false-alarms.json").read_text())["tables"]
    assert table["draws"] == 2 and table["honest_passed"] == 2
    assert table["copies_caught"] == 2 and table["rare_caught"] == table["rare_planted"] == 2
    assert "| berka-accounts |" in out


def test_rules_bench_holds_unseen_rows_to_the_mined_rules(tmp_path, monkeypatch, capsys):
    args = ("bench", "rules", "--data")
    code, out, err = synth(monkeypatch, capsys, *args, "berka-loans", "--out", str(tmp_path))
    assert code == 0, err
    (table,) = json.loads((tmp_path / "bench-rules.json").read_text())["tables"]
    assert table["table"] == "berka-loans" and table["holdout"]["rows"] == 136
    assert "| berka-loans | 546 |" in out
    code, _, err = synth(monkeypatch, capsys, *args, "nope", "--out", str(tmp_path / "x"))
    assert code == 2 and "unknown table 'nope'" in err and "Traceback" not in err


def test_privacy_bench_times_the_whole_gate(tmp_path, monkeypatch, capsys):
    code, out, err = synth(
        monkeypatch,
        capsys,
        "bench",
        "privacy",
        "--data",
        str(DATA / "adult_sample.csv"),
        "--rows",
        "4000",
        "--real-rows",
        "5000",  # past the sample's 3,000 rows: grown by jittered resampling
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    result = json.loads((tmp_path / "bench-privacy-adult_sample.json").read_text())
    assert (result["train_rows"], result["holdout_rows"], result["reference_rows"]) == (4000, 1000, 1000)
    assert result["synthetic_rows"] == 4000
    assert {c["name"] for c in result["checks"]} >= {"dcr_share", "membership_inference", "linkability"}
    assert all(seconds > 0 for seconds in result["timings"].values())
    assert "whole gate" in out


def test_tabular_bench_rejects_a_negative_copy_rows(tmp_path, monkeypatch, capsys):
    out_dir = tmp_path / "bench"
    code, _, err = synth(monkeypatch, capsys, "bench", "models", "--copy-rows", "-1", "--out", str(out_dir))
    assert code == 2 and "--copy-rows must be 0 or more, got -1" in err and "Traceback" not in err
    assert not out_dir.exists()


@pytest.mark.parametrize(
    ("setting", "message"),
    [("d_model", "--set: expected name=value, got 'd_model'"), ("widths=3", "unknown parameter(s) widths")],
)
def test_tabular_bench_rejects_a_bad_setting_before_any_model_runs(
    tmp_path, monkeypatch, capsys, setting, message
):
    code, _, err = synth(
        monkeypatch, capsys, "bench", "models", "--models", "vae", "--set", setting, "--out", str(tmp_path)
    )
    assert code == 2 and message in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_bench_settings_reach_our_model_only():
    from synth.bench.tables import bench_params

    _, params = bench_params("gaussian_copula,vae", None, "fp32", ["d_model=32", "epochs=2"])
    assert params == {"vae": {"precision": "fp32", "d_model": "32", "epochs": "2"}}


def test_privacy_bench_rejects_too_few_rows(tmp_path, monkeypatch, capsys):
    out_dir = tmp_path / "bench"
    code, _, err = synth(monkeypatch, capsys, "bench", "privacy", "--real-rows", "5", "--out", str(out_dir))
    assert code == 2 and "--real-rows" in err and "Traceback" not in err
    assert not out_dir.exists()


@pytest.mark.slow
def test_sequential_bench_runs_ours_beside_par(tmp_path, monkeypatch, capsys):
    code, out, err = synth(
        monkeypatch,
        capsys,
        "bench",
        "sequential",
        str(DATA / "berka_trans.csv"),
        "--context",
        str(DATA / "berka_accounts.csv"),
        "--entity-key",
        "account_id",
        "--time-column",
        "date",
        "--epochs",
        "1",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    result = json.loads((tmp_path / "bench-sequential-berka_trans.json").read_text())
    assert set(result["results"]) == {"sequence", "par"}
    ours = result["results"]["sequence"]
    assert ours["balance_consistency"] == 1.0
    assert 0 <= ours["aggregate_dcr_share"] <= 1


def test_argn_without_its_engine_is_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "mostlyai.engine", None)  # as if not installed
    code, _, err = synth(
        monkeypatch, capsys, "bench", "models", "--models", "vae,argn", "--out", str(tmp_path)
    )
    assert code == 2
    assert "--models argn" in err and "environment of its own" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_bench_refuses_zero_draws(tmp_path, monkeypatch, capsys):
    code, _, err = synth(monkeypatch, capsys, "bench", "models", "--draws", "0", "--out", str(tmp_path))
    assert code == 2 and "--draws must be a positive integer, got 0" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.slow
def test_relational_bench_runs_ours_and_hma_on_the_subset_it_accepts(tmp_path, monkeypatch, capsys):
    """account -> disp -> card is three levels deep: HMA refuses it, says so, and runs on
    account -> disp; ours runs on both."""
    import shutil

    folder = tmp_path / "db"
    folder.mkdir()
    for name in ("account", "disp", "card"):
        shutil.copy(DATA / "berka" / f"{name}.csv", folder)
    keys = folder / "keys.yaml"
    keys.write_text(
        "tables:\n  account: {primary_key: account_id}\n"
        "  disp:\n    primary_key: disp_id\n"
        "    foreign_keys: [{column: account_id, references: account.account_id}]\n"
        "  card: {primary_key: card_id, foreign_keys: [{column: disp_id, references: disp.disp_id}]}\n"
    )
    code, out, err = synth(monkeypatch, capsys, "bench", "relational", str(folder), "--keys", str(keys),
                           "--subset", "account,disp", "--epochs", "1", "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    whole = json.loads((tmp_path / "bench-relational.json").read_text())
    part = json.loads((tmp_path / "bench-relational-subset.json").read_text())
    assert "depth greater than 2" in whole["notes"]["hma"]  # HMA refuses the schema: said, not hidden
    assert set(part["results"]) == {"synth", "hma"}
    for model in ("synth", "hma"):
        figures = part["results"][model]
        assert figures["integrity_min"] == 1.0 and 0 <= figures["children_shape_min"] <= 1
        assert figures["fit_s"] > 0 and figures["peak_gib"] > 0
    assert whole["results"]["synth"]["integrity_min"] == 1.0
