"""A careless or hostile user at the command line: every case is one clear line, exit 2, no
traceback, and nothing written where a reader looks."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time

import pandas as pd
import pytest

from synth.models import integrity
from tests.e2e.test_cli import synth

_LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d+ \| INFO ")


def _without_prefect_info(err: str) -> str:
    """Drop Prefect's INFO progress lines and the 'Logging error' blocks that in-process runs
    print when Prefect's console handler still holds an earlier test's closed capture stream
    (a pytest artifact; test_a_failed_run_prints_one_line checks a real process's stderr).
    """
    kept, skipping = [], False
    for line in err.splitlines():
        if line.startswith("--- Logging error ---"):
            skipping = True
        elif skipping and line.startswith(("Message:", "Arguments:")):
            skipping = line.startswith("Message:")
            continue
        if skipping or _LOG_LINE.match(line):
            continue
        kept.append(line)
    return "\n".join(kept)


def one_line(code: int, err: str, message: str) -> None:
    err = _without_prefect_info(err)
    text = " ".join(err.split())
    assert code == 2, err
    assert message in text, err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2  # one message (may soft-wrap)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, adult):
    """A tiny VAE and a Gaussian copula of the Adult sample, fitted once."""
    from synth import models
    from synth.schema import infer_schema

    root = tmp_path_factory.mktemp("fitted")
    frame = adult.head(600)
    schema = infer_schema(frame, table="adult")
    vae = models.build("vae", epochs=1, d_model=16, batch_size=256, proposal_steps=5)
    vae.fit(frame, schema)
    models.save(vae, root / "vae")
    copula = models.build("gaussian_copula")
    copula.fit(frame, schema)
    models.save(copula, root / "copula")
    other = models.build("vae", epochs=1, d_model=16, batch_size=256, proposal_steps=5)
    other_frame = frame[["age", "sex", "hours-per-week"]]
    other.fit(other_frame, infer_schema(other_frame, table="other"))
    models.save(other, root / "other")
    return root


def _truncate(path):
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])


def _edit_header(folder, change):
    header = json.loads((folder / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps(change(header)))


DAMAGE = {
    "missing weights": ("vae", lambda d, root: (d / "weights.pt").unlink(), "weights.pt is missing"),
    "truncated weights": ("vae", lambda d, root: _truncate(d / "weights.pt"), "weights.pt changed"),
    "truncated sdv.pkl": ("copula", lambda d, root: _truncate(d / "sdv.pkl"), "sdv.pkl changed"),
    "model.json of another kind": (
        "vae",
        lambda d, root: _edit_header(d, lambda h: {**h, "model": "gaussian_copula"}),
        "model.json changed",
    ),
    "model.json a list": ("vae", lambda d, root: (d / "model.json").write_text("[]"), "model.json changed"),
    "bad parameters": (
        "vae",
        lambda d, root: _edit_header(d, lambda h: {**h, "params": {"epochs": "x"}}),
        "model.json changed",
    ),
    "broken encoding.json": (
        "vae",
        lambda d, root: (d / "encoding.json").write_text("{"),
        "encoding.json changed",
    ),
    "weights of another table": (
        "vae",
        lambda d, root: shutil.copy(root / "other" / "weights.pt", d / "weights.pt"),
        "weights.pt changed",
    ),
    "truncated schema": (
        "vae",
        lambda d, root: _edit_header(
            d, lambda h: {**h, "schema": {**h["schema"], "columns": h["schema"]["columns"][:5]}}
        ),
        "model.json changed",
    ),
    "unsigned": (
        "vae",
        lambda d, root: (d / integrity.SIGNATURE_FILE).unlink(),
        "not signed by this installation",
    ),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_corrupt_or_foreign_model_folders(case, fitted, tmp_path, monkeypatch, capsys):
    source, damage, message = DAMAGE[case]
    folder = tmp_path / "model"
    shutil.copytree(fitted / source, folder)
    damage(folder, fitted)
    out = tmp_path / "s.parquet"
    code, _, err = synth(monkeypatch, capsys, "sample", str(folder), "--rows", "10", "--out", str(out))
    one_line(code, err, message)
    assert not out.exists()


def test_a_signed_argn_folder_without_its_engine(fitted, tmp_path, monkeypatch, capsys):
    import sys

    folder = tmp_path / "model"
    shutil.copytree(fitted / "vae", folder)
    _edit_header(folder, lambda h: {**h, "model": "argn", "params": {}})
    integrity.sign(folder)
    monkeypatch.setitem(sys.modules, "mostlyai.engine", None)
    code, _, err = synth(
        monkeypatch, capsys, "sample", str(folder), "--rows", "10", "--out", str(tmp_path / "s")
    )
    one_line(code, err, "TabularARGN needs mostlyai-engine")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-1"], "--seed must be between 0 and 4,294,967,295, got -1"),
        (["--seed", "99999999999999999999"], "--seed must be between 0 and"),
        (["--rows", "99999999999999999999"], "at most 10,000,000 rows in one sample"),
        (["--condition", "age=500"], "age=500 is outside the range the model was trained on"),
        (["--condition", "age=40", "--condition", "age=41"], "column 'age' is given twice"),
    ],
)
def test_bad_sampling_options(args, message, fitted, tmp_path, monkeypatch, capsys):
    base = ["sample", str(fitted / "vae"), "--out", str(tmp_path / "s.parquet")]
    if "--rows" not in args:
        base += ["--rows", "10"]
    code, _, err = synth(monkeypatch, capsys, *base, *args)
    one_line(code, err, message)
    assert not (tmp_path / "s.parquet").exists()


def test_out_naming_a_folder(fitted, tmp_path, monkeypatch, capsys):
    code, _, err = synth(
        monkeypatch, capsys, "sample", str(fitted / "vae"), "--rows", "5", "--out", str(tmp_path)
    )
    one_line(code, err, "is a folder; --out names the Parquet file to write")


def test_an_unseen_condition_for_an_sdv_model(fitted, tmp_path, monkeypatch, capsys):
    out = tmp_path / "s.parquet"
    code, _, err = synth(
        monkeypatch,
        capsys,
        "sample",
        str(fitted / "copula"),
        "--rows",
        "5",
        "--out",
        str(out),
        "--condition",
        "sex=Martian",
    )
    one_line(code, err, "no rows could be drawn for these conditions")
    assert "Martian" not in err and not out.exists()


def test_infinite_values(adult, tmp_path, monkeypatch, capsys):
    frame = adult.head(200).astype({"fnlwgt": float})
    frame.loc[frame.index[:2], "fnlwgt"] = [float("inf"), float("-inf")]
    path = tmp_path / "inf.csv"
    frame.to_csv(path, index=False)
    code, _, err = synth(
        monkeypatch, capsys, "fit", str(path), "--model", "gaussian_copula", "--out", str(tmp_path / "m")
    )
    one_line(code, err, "column 'fnlwgt' has 2 infinite values")
    clean = tmp_path / "clean.csv"
    adult.head(200).to_csv(clean, index=False)
    code, _, err = synth(
        monkeypatch, capsys, "privacy", str(clean), str(path), "--holdout", str(clean), "--no-attacks"
    )
    one_line(code, err, "inf.csv: column 'fnlwgt' has 2 infinite values")


def test_augment_on_a_numeric_target(adult_csv, tmp_path, monkeypatch, capsys, prefect_harness):
    out = tmp_path / "a.parquet"
    code, _, err = synth(
        monkeypatch, capsys, "augment", str(adult_csv), "--target", "age", "--balance", "--out", str(out)
    )
    one_line(code, err, "augment.target: column 'age' is integer")
    assert not out.exists()


def test_a_bad_metric_fails_before_any_worker_starts(fitted, tmp_path, monkeypatch, capsys):
    started = time.perf_counter()
    code, _, err = synth(
        monkeypatch,
        capsys,
        "simulate",
        str(fitted / "copula"),
        "--scenarios",
        "2",
        "--rows",
        "10",
        "--out",
        str(tmp_path / "sim"),
        "--metric",
        "x = sum: age.to_csv('written.csv')",
    )
    one_line(code, err, "metric 'x': Call is not allowed in an expression")
    assert time.perf_counter() - started < 20 and not (tmp_path / "sim").exists()


def _job(tmp_path, text: str):
    path = tmp_path / "job.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "model: {name: vae, params: {epochs: two}}",
            "vae: parameter 'epochs': Input should be a valid integer",
        ),
        ("model: {name: gaussian_copula, params: {default_distribution: weird}}", "Invalid distribution"),
        ("model: vae\nseed: -1", "seed: Input should be greater than or equal to 0"),
        ("model: vae\nseed: 99999999999999999999", "seed: Input should be less than or equal to 4294967295"),
        ("model: vae\nrows: 99999999999999999999", "rows: Input should be less than or equal to 10000000"),
        ("model: vae\noutput: output/../../elsewhere", "leads outside the working folder"),
    ],
)
def test_bad_job_files(body, message, adult_csv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code, _, err = synth(
        monkeypatch, capsys, "run", str(_job(tmp_path, f"name: j\ninput: {adult_csv}\n{body}\n"))
    )
    one_line(code, err, message)
    assert not (tmp_path / "output").exists()


def test_a_yaml_alias_bomb(tmp_path, monkeypatch, capsys):
    lines = [
        "name: bomb",
        "input: x.csv",
        "model:",
        "  name: vae",
        "  params:",
        '    a0: &a0 ["lol","lol","lol"]',
    ]
    lines += [
        f"    a{i}: &a{i} [*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1},*a{i - 1}]" for i in range(1, 10)
    ]
    code, _, err = synth(monkeypatch, capsys, "run", str(_job(tmp_path, "\n".join(lines) + "\n")))
    one_line(code, err, "more than 32 YAML aliases")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("target: salary", "target: column 'salary' is not in the input"),
        ("privacy: {secret: salary}", "privacy.secret: column 'salary' is not in the input"),
        (
            "schema: {columns: {sex: {kind: numeric}}}",
            "column 'sex' is set to kind numeric in the job, but 3000 of 3000",
        ),
        ("schema: {columns: {sex: {kind: datetime}}}", "column 'sex' is set to kind datetime in the job"),
        ("output: out.txt", "out.txt: the output exists and is not a folder"),
    ],
)
def test_bad_jobs_at_run_time(body, message, adult_csv, tmp_path, monkeypatch, capsys, prefect_harness):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.txt").write_text("not a folder")
    job = _job(tmp_path, f"name: j\ninput: {adult_csv}\nmodel: gaussian_copula\n{body}\n")
    code, _, err = synth(monkeypatch, capsys, "run", str(job))
    one_line(code, err, message)
    assert not list(tmp_path.rglob("*.parquet"))


def test_a_latin1_byte_far_into_the_file_is_placed(tmp_path, monkeypatch, capsys):
    rows = "".join(f"{i},Praha\n" for i in range(40_000))
    path = tmp_path / "late.csv"
    path.write_bytes(("n,city\n" + rows).encode() + "9,Plzeň\n".encode("cp1250"))
    offset = len(("n,city\n" + rows).encode()) + len("9,Plze")
    code, _, err = synth(monkeypatch, capsys, "privacy", str(path), str(path), "--holdout", str(path))
    one_line(code, err, f"byte {offset:,})")
    assert "--encoding" in err
    code, _, err = synth(
        monkeypatch,
        capsys,
        "privacy",
        str(path),
        str(path),
        "--holdout",
        str(path),
        "--encoding",
        "cp1250",
        "--no-attacks",
    )
    assert "not valid" not in err


def test_unknown_metric_column_in_a_frame_is_named():
    from synth.errors import JobError
    from synth.risk import evaluate_metrics, parse_metric

    with pytest.raises(JobError, match="column 'amount' is not in the table"):
        evaluate_metrics(pd.DataFrame({"x": [1]}), [parse_metric("m = sum: amount")])


def test_a_failed_run_prints_one_line(adult_csv, tmp_path):
    """In a real process: Prefect's own lines about a SynthError stay off the terminal."""
    job = _job(tmp_path, f"name: j\ninput: {adult_csv}\nmodel: gaussian_copula\ntarget: salary\n")
    done = subprocess.run(
        ["synth", "run", str(job)], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if not _LOG_LINE.match(line) and line.strip()]
    assert lines[0].startswith("starting Prefect's temporary server: done in "), done.stderr
    lines = lines[1:]
    assert lines == [f"error: {adult_csv}: target: column 'salary' is not in the input"], done.stderr


def test_identifiers_whose_names_hide_them_never_come_back(adult, tmp_path, monkeypatch, capsys):
    frame = adult.head(400).copy()
    frame["customer_code"] = [f"K{9_100_000 + 7 * i}" for i in range(400)]
    frame["ref"] = range(70_000, 70_400)
    path = tmp_path / "with_codes.csv"
    frame.to_csv(path, index=False)
    model, out = tmp_path / "m", tmp_path / "s.parquet"
    assert (
        synth(monkeypatch, capsys, "fit", str(path), "--model", "gaussian_copula", "--out", str(model))[0]
        == 0
    )
    assert synth(monkeypatch, capsys, "sample", str(model), "--rows", "400", "--out", str(out))[0] == 0
    drawn = pd.read_parquet(out)
    assert not drawn["customer_code"].isin(frame["customer_code"]).any()
    assert not drawn["ref"].isin(frame["ref"]).any() and drawn["ref"].is_unique
