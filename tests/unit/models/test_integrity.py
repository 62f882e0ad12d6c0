"""Signed model folders: nothing in a folder this installation did not write is ever unpickled."""

from __future__ import annotations

import json
import pickle
import shutil

import pytest

from synth import models
from synth.errors import ModelError
from synth.models import integrity


class _Payload:
    """A pickle whose loading creates a file: the attack of a planted ``sdv.pkl``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture(scope="module")
def copula_dir(tmp_path_factory, adult, adult_schema):
    model = models.build("gaussian_copula")
    model.fit(adult.head(400), adult_schema)
    return models.save(model, tmp_path_factory.mktemp("copula") / "model")


@pytest.fixture
def planted(copula_dir, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(copula_dir, folder)
    return folder


def test_a_saved_model_verifies_and_loads(copula_dir):
    integrity.verify(copula_dir)
    assert models.load(copula_dir, expected="gaussian_copula").name == "gaussian_copula"


def test_a_malicious_pickle_never_runs(planted, tmp_path):
    marker = tmp_path / "pwned"
    (planted / "sdv.pkl").write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ModelError, match="sdv.pkl changed after the model was saved"):
        models.load(planted)
    assert not marker.exists()


def test_a_folder_re_signed_without_the_key_is_refused(planted, tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    (planted / "sdv.pkl").write_bytes(pickle.dumps(_Payload(marker)))
    monkeypatch.setenv("SYNTH_KEY_FILE", str(tmp_path / "attacker.key"))
    integrity.sign(planted)  # signed with another installation's key
    monkeypatch.undo()
    with pytest.raises(ModelError, match="does not match this installation's key"):
        models.load(planted)
    assert not marker.exists()


def test_an_unsigned_folder_is_refused(planted):
    (planted / integrity.SIGNATURE_FILE).unlink()
    with pytest.raises(ModelError, match="not signed by this installation"):
        models.load(planted)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "sdv.pkl").unlink(), "sdv.pkl is missing"),
        (lambda d: (d / "sdv.pkl").write_bytes((d / "sdv.pkl").read_bytes()[:100]), "sdv.pkl changed"),
        (lambda d: (d / "model.json").write_text("[1, 2]"), "model.json changed"),
        (lambda d: (d / "extra.pkl").write_bytes(b"x"), "extra.pkl was added"),
        (lambda d: (d / integrity.SIGNATURE_FILE).write_text("{"), "not a valid signature file"),
    ],
)
def test_damaged_folders_are_one_clear_error(planted, damage, message):
    damage(planted)
    with pytest.raises(ModelError, match=message):
        models.load(planted)


def test_the_model_kind_comes_from_the_caller(copula_dir):
    with pytest.raises(ModelError, match="holds a 'gaussian_copula' model, not the 'vae' model asked for"):
        models.load(copula_dir, expected="vae")


def test_a_signed_header_of_the_wrong_shape_is_one_error(planted):
    (planted / "model.json").write_text(json.dumps({"model": "gaussian_copula", "params": [], "schema": {}}))
    integrity.sign(planted)
    with pytest.raises(ModelError, match="not a valid model header"):
        models.load(planted)


def test_a_shared_key_from_the_environment(planted, monkeypatch):
    monkeypatch.setenv("SYNTH_MODEL_KEY", "ab" * 32)
    integrity.sign(planted)
    integrity.verify(planted)
    monkeypatch.setenv("SYNTH_MODEL_KEY", "cd" * 32)
    with pytest.raises(ModelError, match="does not match"):
        integrity.verify(planted)
    monkeypatch.setenv("SYNTH_MODEL_KEY", "zz")
    with pytest.raises(ModelError, match="SYNTH_MODEL_KEY: not a hex string"):
        integrity.verify(planted)


def test_save_replaces_an_old_model_and_refuses_a_file(copula_dir, tmp_path, adult, adult_schema):
    target = tmp_path / "model"
    shutil.copytree(copula_dir, target)
    model = models.build("gaussian_copula", seed=3)
    model.fit(adult.head(300), adult_schema)
    models.save(model, target)
    assert models.load(target).params()["seed"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]  # no staging or old folder left
    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelError, match="exists and is not a folder"):
        models.save(model, tmp_path / "file")


def test_save_never_replaces_a_folder_that_is_not_a_model(copula_dir, tmp_path):
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    with pytest.raises(ModelError, match="holds no saved model; it is not replaced"):
        models.save(models.load(copula_dir), precious)
    assert (precious / "thesis.txt").read_text() == "years of work"
