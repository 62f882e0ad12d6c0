"""The `synth` command, in process: round trips, and one clean line for every bad input."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from synth.cli import main
from tests.conftest import SHARED, file_digest


def synth(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["synth", *args])
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = stop.code or 0
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def adult_full_or_sample(tmp_path_factory):
    """The full Adult table from ../shared when present, else the bundled sample."""
    full = SHARED / "adult" / "adult.csv"
    if full.exists():
        path = tmp_path_factory.mktemp("adult") / "adult.csv"
        frame = pd.read_csv(full, skipinitialspace=True)
        frame.to_csv(path, index=False)
        return path
    from tests.conftest import DATA

    return DATA / "adult_sample.csv"


@pytest.mark.parametrize(
    ("model", "extra"),
    [
        ("gaussian_copula", []),
        ("vae", ["--epochs", "2"]),
        ("tvae", ["--epochs", "1"]),
        ("ctgan", ["--epochs", "1"]),
    ],
)
def test_fit_sample_round_trip_adult(model, extra, adult_full_or_sample, tmp_path, monkeypatch, capsys):
    before = file_digest(adult_full_or_sample)
    code, out, err = synth(
        monkeypatch,
        capsys,
        "fit",
        str(adult_full_or_sample),
        "--model",
        model,
        "--out",
        str(tmp_path / "m"),
        *extra,
    )
    assert code == 0, err
    code, out, err = synth(
        monkeypatch,
        capsys,
        "sample",
        str(tmp_path / "m"),
        "--rows",
        "200",
        "--out",
        str(tmp_path / "s.parquet"),
        "--seed",
        "3",
    )
    assert code == 0, err
    real = pd.read_csv(adult_full_or_sample, skipinitialspace=True, na_values=["?"], nrows=100)
    synthetic = pd.read_parquet(tmp_path / "s.parquet")
    assert len(synthetic) == 200
    assert list(synthetic.columns) == list(real.columns)
    assert synthetic.dtypes.to_dict() == real.dtypes.to_dict()
    assert file_digest(adult_full_or_sample) == before


def test_conditions_from_the_command_line(adult_csv, tmp_path, monkeypatch, capsys):
    assert (
        synth(
            monkeypatch,
            capsys,
            "fit",
            str(adult_csv),
            "--model",
            "vae",
            "--epochs",
            "2",
            "--out",
            str(tmp_path / "m"),
        )[0]
        == 0
    )
    code, _, err = synth(
        monkeypatch,
        capsys,
        "sample",
        str(tmp_path / "m"),
        "--rows",
        "50",
        "--out",
        str(tmp_path / "s.parquet"),
        "--condition",
        "income=>50K",
        "--condition",
        "age=40",
    )
    assert code == 0, err
    frame = pd.read_parquet(tmp_path / "s.parquet")
    assert (frame["income"] == ">50K").all() and (frame["age"] == 40).all()


def _bad_files(tmp_path, adult):
    files = {}
    files["empty"] = tmp_path / "empty.csv"
    files["empty"].write_bytes(b"")
    files["header"] = tmp_path / "header.csv"
    files["header"].write_text("age,income\n")
    files["corrupt"] = tmp_path / "corrupt.parquet"
    files["corrupt"].write_bytes(b"PAR1\x00\x01garbage")
    files["latin1"] = tmp_path / "latin1.csv"
    files["latin1"].write_bytes("city,n\nPraha,1\nPlze\xf2,2\n".encode("latin-1"))
    base = adult.head(60)
    files["null"] = tmp_path / "null.csv"
    base.assign(blank=None).to_csv(files["null"], index=False)
    files["constant"] = tmp_path / "constant.csv"
    base.assign(country_code="CZ").to_csv(files["constant"], index=False)
    files["mixed"] = tmp_path / "mixed.csv"
    base.assign(score=[str(i) for i in range(59)] + ["n/a?"]).to_csv(files["mixed"], index=False)
    return files


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "no such file or folder"),
        ("empty", "the file is empty"),
        ("header", "has a header but no rows"),
        ("corrupt", "not a readable Parquet file"),
        ("latin1", "not valid utf-8 text"),
        ("null", "column 'blank' is entirely null"),
        ("constant", "column 'country_code' has a single distinct value"),
        ("mixed", "column 'score' mixes numbers and text"),
    ],
)
def test_bad_input_to_fit(case, message, tmp_path, adult, monkeypatch, capsys):
    files = _bad_files(tmp_path, adult)
    path = files.get(case, tmp_path / "missing.csv")
    digest = file_digest(path) if path.exists() else None
    code, out, err = synth(
        monkeypatch,
        capsys,
        "fit",
        str(path),
        "--model",
        "gaussian_copula",
        "--out",
        str(tmp_path / "m"),
    )
    assert code == 2
    line = " ".join(err.split())
    assert message in line and str(path.name) in line
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2  # one message (may soft-wrap)
    assert not (tmp_path / "m").exists()
    if digest:
        assert file_digest(path) == digest


def test_unknown_model_and_bad_rows(adult_csv, tmp_path, monkeypatch, capsys):
    code, _, err = synth(
        monkeypatch,
        capsys,
        "fit",
        str(adult_csv),
        "--model",
        "gan9000",
        "--out",
        str(tmp_path / "m"),
    )
    assert code == 2 and "unknown model 'gan9000'" in err and not (tmp_path / "m").exists()
    code, _, err = synth(
        monkeypatch, capsys, "fit", str(adult_csv), "--precision", "fp16", "--out", str(tmp_path / "m")
    )
    assert code == 2 and "vae: precision must be auto, fp32 or bf16, not 'fp16'" in err
    assert len(err.strip().splitlines()) == 1 and not (tmp_path / "m").exists()
    assert (
        synth(
            monkeypatch,
            capsys,
            "fit",
            str(adult_csv),
            "--model",
            "gaussian_copula",
            "--out",
            str(tmp_path / "m"),
        )[0]
        == 0
    )
    for rows in ("0", "-5"):
        code, _, err = synth(
            monkeypatch,
            capsys,
            "sample",
            str(tmp_path / "m"),
            "--rows",
            rows,
            "--out",
            str(tmp_path / "s.parquet"),
        )
        assert code == 2 and f"--rows must be a positive integer, got {rows}" in err
        assert not (tmp_path / "s.parquet").exists()


def test_unknown_column_in_job(adult_csv, tmp_path, monkeypatch, capsys, prefect_harness):
    job = tmp_path / "job.yaml"
    job.write_text(
        f"name: bad\ninput: {adult_csv}\nmodel: gaussian_copula\noutput: {tmp_path / 'out'}\n"
        "schema:\n  columns:\n    salary: {kind: numeric}\n"
    )
    code, _, err = synth(monkeypatch, capsys, "run", str(job))
    assert code == 2 and "column 'salary' named in the job is not in the input" in " ".join(err.split())
    assert not any((tmp_path / "out").rglob("*.parquet"))
    assert err.startswith("loading the run's libraries: done in ")  # a configured server: none started


def test_a_phase_without_logs_of_its_own_says_what_it_does_and_how_long(capsys):
    from synth.cli.console import starting

    with starting("starting something"):
        pass
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("starting something: done in ") and line.endswith(" s")


def test_installed_entry_point_runs_and_exits_with_its_code_and_all_its_output(tmp_path):
    done = subprocess.run(["synth", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "fit" in done.stdout and done.stdout.rstrip().endswith("╯")
    missing = tmp_path / "missing.csv"
    args = ["synth", "fit", str(missing), "--model", "vae", "--out", str(tmp_path / "m")]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "missing.csv" in done.stderr and "Traceback" not in done.stderr


def test_usage_errors_are_one_line(monkeypatch, capsys):
    code, _, err = synth(monkeypatch, capsys, "fit", "x.csv", "--colour", "red")
    assert code == 2 and "No such option: --colour" in err and "Traceback" not in err


def test_expect_then_validate_a_file_that_breaks_a_business_rule(tmp_path, monkeypatch, capsys):
    from tests.conftest import DATA

    code, out, _ = synth(
        monkeypatch,
        capsys,
        "expect",
        str(DATA / "berka_loans.csv"),
        "--name",
        "loans",
        "--dir",
        str(tmp_path),
    )
    assert code == 0 and (tmp_path / "loans.json").exists()
    assert (
        synth(monkeypatch, capsys, "validate", str(DATA / "berka_loans.csv"), "--suite", "berka_loans")[0]
        == 0
    )
    broken = pd.read_csv(DATA / "berka_loans.csv")
    broken.loc[:4, "duration"] = 18  # the shipped rule: durations are whole years
    broken.to_parquet(tmp_path / "synthetic.parquet")
    code, _, err = synth(
        monkeypatch, capsys, "validate", str(tmp_path / "synthetic.parquet"), "--suite", "berka_loans"
    )
    assert code == 3
    assert "column 'duration': expect_column_values_to_be_in_set failed (5 rows" in " ".join(err.split())


def test_synth_alone_prints_help_and_no_empty_error(monkeypatch, capsys):
    code, out, err = synth(monkeypatch, capsys)
    assert code == 0 and "fit" in out and "error" not in err


def test_version(monkeypatch, capsys):
    from importlib.metadata import version

    code, out, _ = synth(monkeypatch, capsys, "--version")
    assert code == 0 and out.strip() == f"synth {version('synth')}"


def test_every_command_help_reads_without_hard_line_breaks():
    """Typer's rich help keeps a docstring's single line breaks (in the command list, and in
    every paragraph after the first on a command's page): a sentence wrapped in the source
    broke mid-sentence on the screen.
    """
    import inspect

    import typer.main

    from synth.cli.app import app

    def commands(group, prefix=""):
        for name, command in group.commands.items():
            yield prefix + name, command
            if hasattr(command, "commands"):
                yield from commands(command, f"{prefix}{name} ")

    listed = list(commands(typer.main.get_command(app)))
    assert len(listed) > 10
    for name, command in listed:
        paragraphs = inspect.cleandoc(command.help or "").split("\n\n")
        assert paragraphs[0], f"synth {name} has no help"
        for paragraph in paragraphs:
            assert "\n" not in paragraph, f"synth {name}: {paragraph!r}"
