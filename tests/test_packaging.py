"""Every third-party module the package, its flows and its tests import is declared in
``pyproject.toml``, so a fresh virtualenv installed from it runs everything.

A machine where a package was installed by hand hides a missing declaration; this test does
not: it walks the sources' imports (absolute, at any depth of the file) and maps each top-level
module to the distribution that provides it in this environment.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("synth", "flows", "tests")
FIRST_PARTY = {"synth", "flows", "tests"}

# Peers measured by `synth bench` that live in an environment of their own (their pins clash
# with ours), imported only behind an ImportError guard; the README says how to install them.
# They need not be installed here, but must be declared (as an extra).
SEPARATE_ENVIRONMENT = {"mostlyai": "mostlyai-engine"}
# What a wheel is built from: the files the package ships (never a build/ left in the checkout).
PACKAGED = ("pyproject.toml", "README.md", "synth", "flows", "data", "expectations")


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """The distribution name at the start of a PEP 508 requirement string."""
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    assert match, f"unreadable requirement {requirement!r}"
    return canonical(match.group(1))


def declared_distributions(pyproject: Path = ROOT / "pyproject.toml") -> set[str]:
    """Names in ``dependencies`` and in every optional extra."""
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {requirement_name(r) for r in requirements}


def imported_modules(files: list[Path], root: Path = ROOT) -> dict[str, set[str]]:
    """Top-level module name -> the files importing it (relative imports skipped)."""
    found: dict[str, set[str]] = {}
    for file in files:
        tree = ast.parse(file.read_text(), filename=str(file))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(file.relative_to(root)))
    return found


def undeclared_imports(files: list[Path], declared: set[str], root: Path = ROOT) -> list[str]:
    """One line per third-party module whose distribution is not declared."""
    providers = packages_distributions()
    problems = []
    for module, where in sorted(imported_modules(files, root).items()):
        if module in FIRST_PARTY or module in sys.stdlib_module_names or module == "__future__":
            continue
        if module in SEPARATE_ENVIRONMENT:
            if canonical(SEPARATE_ENVIRONMENT[module]) not in declared:
                problems.append(
                    f"{module} (from {SEPARATE_ENVIRONMENT[module]}): imported by {sorted(where)[0]} "
                    "but not declared in pyproject.toml"
                )
            continue
        distributions = {canonical(d) for d in providers.get(module, [])}
        if not distributions:
            problems.append(f"{module}: imported by {sorted(where)[0]} but installed by no distribution")
        elif not distributions & declared:
            problems.append(
                f"{module} (from {', '.join(sorted(distributions))}): imported by "
                f"{sorted(where)[0]} but not declared in pyproject.toml"
            )
    return problems


def source_files() -> list[Path]:
    return sorted(p for folder in SOURCES for p in (ROOT / folder).rglob("*.py"))


def test_every_import_is_declared():
    problems = undeclared_imports(source_files(), declared_distributions())
    assert not problems, "\n".join(problems)


def test_an_undeclared_import_is_named(tmp_path):
    """The check can fail: an import nested in a function, of a distribution that
    pyproject.toml does not declare, is named with its file; stdlib and declared ones are not.
    """
    probe = tmp_path / "probe.py"
    probe.write_text("import json\nimport numpy.linalg\n\ndef f():\n    from yaml import safe_load\n")
    declared = declared_distributions() - {"pyyaml"}
    assert undeclared_imports([probe], declared, root=tmp_path) == [
        "yaml (from pyyaml): imported by probe.py but not declared in pyproject.toml"
    ]


def test_a_module_no_distribution_provides_is_named(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import not_a_real_module_anywhere\n")
    assert undeclared_imports([probe], declared_distributions(), root=tmp_path) == [
        "not_a_real_module_anywhere: imported by probe.py but installed by no distribution"
    ]


@pytest.mark.slow
def test_a_wheel_install_finds_its_demo_suites_and_jobs_from_any_directory(tmp_path):
    """`pip install .` (not editable): the demo job, its data and suite, and the scheduled jobs
    are found from another directory, and `synth run` runs the demo there. The new virtualenv
    gets synth alone; its dependencies come from this environment on PYTHONPATH, where the
    editable synth is not importable."""
    wheels, venv, elsewhere = tmp_path / "wheels", tmp_path / "venv", tmp_path / "elsewhere"
    source = tmp_path / "source"  # setuptools writes build/ beside the sources: never in the checkout
    elsewhere.mkdir()
    source.mkdir()
    for name in PACKAGED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    run = functools.partial(subprocess.run, capture_output=True, text=True, timeout=600)
    built = run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(source),
                 "-w", str(wheels)])  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert run([sys.executable, "-m", "venv", str(venv)]).returncode == 0
    python = venv / "bin" / "python"
    wheel = next(wheels.glob("synth-*.whl"))
    installed = run([str(python), "-m", "pip", "install", "-q", "--no-deps", str(wheel)])
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"]}
    probe = (
        "import synth, json\n"
        "from synth.cli.jobs import DEMO_JOB\n"
        "from synth.jobs import load_job\n"
        "from synth.io import read\n"
        "from synth.validation.suites import load_suite\n"
        "from flows.serve import JOBS, build_deployments\n"
        "job = load_job(DEMO_JOB)\n"
        "print(json.dumps({'synth': synth.__file__, 'rows': len(read(job.input.source()).frame),\n"
        "  'suite': len(load_suite(job.validation.suite).expectations),\n"
        "  'risk': len(read(load_job(JOBS / 'berka_risk.yaml').input.source()).frame),\n"
        "  'deployments': len(build_deployments())}))\n"
    )
    done = run([str(python), "-c", probe], cwd=elsewhere, env=env)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["synth"].startswith(str(venv)) and found["rows"] == 3000 and found["risk"] == 682
    assert found["suite"] > 10 and found["deployments"] >= 2
    version = run([str(venv / "bin" / "synth"), "--version"], cwd=elsewhere, env=env)
    assert version.returncode == 0 and version.stdout.startswith("synth ")
    demo = run([str(venv / "bin" / "synth"), "run"], cwd=elsewhere, env=env)  # the demo job, end to end
    assert demo.returncode == 0, demo.stderr[-3000:]
    published = (
        elsewhere
        / "output"
        / "adult-demo"
        / (elsewhere / "output" / "adult-demo" / "latest").read_text().strip()
    )
    assert (published / "synthetic.parquet").is_file() and (published / "report.html").is_file()
