"""Whole databases from the command line: `synth keys`, `synth fit --model relational`,
`synth sample --scale`."""

import shutil

import pytest
import yaml

from tests.conftest import ROOT
from tests.e2e.test_cli import synth

BERKA = ROOT / "data" / "berka"


def test_detected_keys_are_shown_and_saved_for_confirmation(monkeypatch, capsys, tmp_path):
    code, out, err = synth(monkeypatch, capsys, "keys", str(BERKA), "--write", str(tmp_path / "keys.yaml"))
    assert code == 0, err
    assert "detected" in out and "pass --keys FILE" in " ".join(out.split())
    saved = yaml.safe_load((tmp_path / "keys.yaml").read_text())
    assert saved["tables"] == yaml.safe_load((BERKA / "keys.yaml").read_text())["tables"]


def test_broken_keys_are_one_line_and_exit_2(monkeypatch, capsys, tmp_path):
    folder = tmp_path / "db"
    shutil.copytree(BERKA, folder)
    keys = (folder / "keys.yaml").read_text()
    loop = (
        "district: {primary_key: district_id, "
        "foreign_keys: [{column: district_id, references: card.card_id}]}"
    )
    (folder / "cycle.yaml").write_text(keys.replace("district: {primary_key: district_id}", loop))
    cases = {
        "cycle.yaml": "the foreign keys form a cycle",
        "keys.yaml": "table 'loan', column 'loan_id' (primary key): 1 duplicate values",
    }
    loan = (folder / "loan.csv").read_text().splitlines()
    (folder / "loan.csv").write_text("\n".join([*loan, loan[1]]) + "\n")  # a loan twice
    for keys_file, message in cases.items():
        code, out, err = synth(monkeypatch, capsys, "keys", str(folder), "--keys", str(folder / keys_file))
        assert code == 2 and message in " ".join(err.split()), err
        assert (
            "Traceback" not in err and len(err.strip().splitlines()) <= 2
        )  # one line (wrapped at most once)


def test_fit_and_sample_a_database_into_one_parquet_file_per_table(monkeypatch, capsys, tmp_path):
    import pandas as pd

    model, out = tmp_path / "model", tmp_path / "synthetic"
    keys = str(BERKA / "keys.yaml")
    code, _, err = synth(monkeypatch, capsys, "fit", str(BERKA), "--model", "relational", "--keys", keys,
                         "--epochs", "2", "--out", str(model))  # fmt: skip
    assert code == 0, err
    code, printed, err = synth(monkeypatch, capsys, "sample", str(model), "--scale", "0.5", "--out", str(out))
    assert code == 0, err
    assert "referential integrity 100 %" in " ".join(printed.split())
    assert sorted(p.stem for p in out.glob("*.parquet")) == sorted(p.stem for p in BERKA.glob("*.csv"))
    assert len(pd.read_parquet(out / "account.parquet")) == 100
    code, _, err = synth(
        monkeypatch, capsys, "sample", str(model), "--rows", "5", "--out", str(tmp_path / "x")
    )
    assert code == 2 and "samples --scale F" in err


@pytest.mark.postgres
def test_a_postgres_schema_into_another_with_keys_from_the_catalog(monkeypatch, capsys, tmp_path):
    """A database read from one PostgreSQL schema (keys from its catalog), learned, and drawn
    into another schema with its keys as constraints (.ci/run starts the server)."""
    from synth.relational.database import read_database
    from synth.relational.integrity import referential_integrity

    url = postgres_url()
    real = bank_in_postgres(url, "bank_in", "bank_out")
    model = tmp_path / "model"
    code, _, err = synth(monkeypatch, capsys, "fit", url, "--model", "relational", "--schema", "bank_in",
                         "--epochs", "1", "--out", str(model))  # fmt: skip
    assert code == 0, err
    code, printed, err = synth(monkeypatch, capsys, "sample", str(model), "--out", str(tmp_path / "out"),
                               "--target-url", url, "--target-schema", "bank_out")  # fmt: skip
    assert code == 0, err
    drawn = read_database(url, schema="bank_out")
    assert drawn.keys_from == "catalog" and set(drawn.tables) == set(real.tables)
    for name, table in real.keys.tables.items():
        assert set(drawn.keys.tables[name].foreign_keys) == set(table.foreign_keys)
    assert set(referential_integrity(drawn.tables, drawn.keys).values()) == {1.0}
    assert "wrote 4 tables with their keys to postgresql://" in " ".join(printed.split())


def postgres_url() -> str:
    """The test server's URL, or a skip (a failure under CI, where .ci/run starts one)."""
    import os

    url = os.environ.get("SYNTH_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must provide SYNTH_TEST_POSTGRES_URL (.ci/run starts PostgreSQL)")
        pytest.skip("no PostgreSQL server (set SYNTH_TEST_POSTGRES_URL)")
    return url


def bank_in_postgres(url: str, source: str, target: str):
    """A four-table Berka subset written into schema ``source``, ``target`` dropped; returns it."""
    from sqlalchemy import create_engine, text

    from synth.relational.database import read_database, subset
    from synth.relational.target import write_database

    engine = create_engine(url)
    with engine.begin() as connection:
        for schema in (source, target):
            connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()
    real = subset(read_database(BERKA, BERKA / "keys.yaml"), ["district", "account", "loan", "order"])
    write_database(real.tables, real.keys, url, source)
    return real
