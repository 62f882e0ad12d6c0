"""Every third-party module the package, its flows and its tests import is declared in
``pyproject.toml``, so a fresh virtualenv installed from it runs everything.

A machine where a package was installed by hand hides a missing declaration; this test does
not: it walks the sources' imports (absolute, at any depth of the file) and maps each top-level
module to the distribution that provides it in this environment.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("synth", "flows", "tests")
FIRST_PARTY = {"synth", "flows", "tests"}

# Peers measured by `synth bench` that live in an environment of their own (their pins clash
# with ours), imported only behind an ImportError guard; the README says how to install them.
SEPARATE_ENVIRONMENT = {"mostlyai": "mostlyai-engine"}


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
