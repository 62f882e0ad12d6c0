import json

import pytest

from synth.errors import JobError
from synth.jobs import load_job


def write(tmp_path, text):
    path = tmp_path / "job.yaml"
    path.write_text(text)
    return path


def test_demo_job_loads():
    from synth.cli.jobs import DEMO_JOB

    job = load_job(DEMO_JOB)
    assert job.model.name == "vae" and job.rows == 3000
    assert job.input.path.endswith("adult_sample.csv")


def test_relative_input_resolves_against_job_folder(tmp_path):
    job = load_job(write(tmp_path, "name: j\ninput: data.csv\nmodel: gaussian_copula\n"))
    assert job.input.path == str(tmp_path / "data.csv")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: j\ninput: a.csv\nmodel: gaussian_copula\ncolour: red\n", "colour: unknown key"),
        ("name: j\ninput: a.csv\nmodel: gan9000\n", "model.name: unknown model 'gan9000'"),
        ("name: j\ninput: a.csv\nmodel: vae\nrows: 0\n", "rows: Input should be greater than 0"),
        ("name: j\ninput: a.csv\nmodel: vae\nrows: -3\n", "rows: Input should be greater than 0"),
        ("name: j\nmodel: vae\n", "input: Field required"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_bad_jobs_name_the_key(tmp_path, text, message):
    with pytest.raises(JobError, match=message) as info:
        load_job(write(tmp_path, text))
    assert "\n" not in str(info.value)
    assert "job.yaml" in str(info.value)


def test_a_password_in_an_input_url_is_never_serialized(monkeypatch):
    from flows.synthesize import synthesize
    from synth.jobs import parse_job

    job = parse_job(
        {
            "name": "j",
            "input": {"path": "postgresql://ann:s3cret@db.example/bank", "table": "t"},
            "model": "vae",
        }
    )
    assert job.input.path.endswith("ann:s3cret@db.example/bank")  # the reader still gets it
    assert "s3cret" not in json.dumps(job.model_dump(mode="json"))
    assert "s3cret" not in json.dumps(synthesize.serialize_parameters({"job": job}))
    assert "ann:***@db.example" in json.dumps(synthesize.serialize_parameters({"job": job}))


def test_credentials_from_the_environment(monkeypatch):
    from synth.errors import InputError
    from synth.io.read import expand_credentials

    monkeypatch.setenv("BANK_PASSWORD", "p@ss/word")
    assert (
        expand_credentials("postgresql://ann:${BANK_PASSWORD}@h/db") == "postgresql://ann:p%40ss%2Fword@h/db"
    )
    monkeypatch.delenv("BANK_PASSWORD")
    with pytest.raises(InputError, match="environment variable BANK_PASSWORD is not set"):
        expand_credentials("postgresql://ann:${BANK_PASSWORD}@h/db")


def test_the_relational_demo_job_loads_with_its_keys_beside_it():
    from synth.cli.jobs import DEMO_JOB

    job = load_job(DEMO_JOB.parent / "berka_relational.yaml")
    assert job.type == "relational" and job.model.name == "vae"
    assert job.relational.keys_file.endswith("data/berka/keys.yaml") and job.input.path.endswith("data/berka")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("type: relational\nmodel: tvae\n", "a relational job draws each table given its parent's row"),
        ("type: relational\nmodel: vae\nvalidation: {suite: s}\n", "profiles a suite per table"),
        ("model: vae\nrelational: {orphans: drop}\n", "only read by jobs of type relational"),
        ("type: relational\nmodel: vae\nrelational: {orphans: lose}\n", "relational.orphans"),
        ("type: relational\nmodel: vae\nrelational: {scale: 0}\n", "relational.scale"),
    ],
)
def test_bad_relational_jobs_name_the_key(tmp_path, text, message):
    with pytest.raises(JobError, match=message):
        load_job(write(tmp_path, f"name: j\ninput: db\n{text}"))


def test_a_relational_target_password_is_never_serialized():
    from flows.relational import relational
    from synth.jobs import parse_job

    job = parse_job({"name": "j", "type": "relational", "input": "db", "model": "vae",
                     "relational": {"target_url": "postgresql://ann:s3cret@db.example/copy"}})  # fmt: skip
    assert "s3cret" not in json.dumps(relational.serialize_parameters({"job": job}))
