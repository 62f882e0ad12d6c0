"""``synth keys``: a database's keys shown for the user to confirm; a broken key is one line, exit 2."""

import shutil

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
