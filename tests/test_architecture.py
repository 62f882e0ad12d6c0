"""The library's import graph has no circle: every module can be read, tested and moved without
dragging in the modules that import it. Imports inside functions count (they are dependencies
all the same); imports under ``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _module(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(sub) for sub in ast.walk(node)}
    return skipped


def import_graph(root: Path, package: str = "synth") -> dict[str, set[str]]:
    """Module -> the modules of ``package`` it imports."""
    files = {_module(p, root): p for p in (root / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text())
        skipped = _type_checking_nodes(tree)
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                targets |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets |= {f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in files else node.module
                            for a in node.names}  # fmt: skip
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_library_has_no_import_cycle():
    assert cycles(import_graph(ROOT)) == []


def test_a_cycle_is_found(tmp_path):
    package = tmp_path / "synth"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "inner" / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from synth.inner.b import g\n")
    (package / "inner" / "b.py").write_text("from synth import a\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from synth import a\n"
    )
    (package / "inner" / "d.py").write_text("from synth import c\n")  # c reaches a only for types
    assert cycles(import_graph(tmp_path)) == [["synth.a", "synth.inner.b"]]


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def _lines(path: Path) -> int:
    return len(path.read_text().splitlines())


def long_functions(paths: list[Path], limit: int) -> list[str]:
    """``path:name (lines)`` of every function or method longer than ``limit`` lines."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > limit:
                    found.append(f"{path.relative_to(ROOT)}:{node.name} ({length})")
    return found


def test_every_library_module_reads_in_one_sitting():
    assert [f"{p.relative_to(ROOT)} ({_lines(p)})" for p in _python_files("synth") if _lines(p) > 400] == []


def test_every_flow_module_is_wiring():
    assert [f"{p.relative_to(ROOT)} ({_lines(p)})" for p in _python_files("flows") if _lines(p) >= 120] == []


def test_every_function_does_one_thing():
    assert long_functions(_python_files("synth", "flows"), 60) == []


def test_a_long_function_is_found(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    source = tmp_path / "m.py"
    source.write_text("def short():\n    return 1\n\n\ndef long():\n" + "    x = 1\n" * 60)
    assert long_functions([source], 60) == ["m.py:long (61)"]


def test_the_library_never_imports_the_flows():
    graph = {}
    for path in _python_files("synth"):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        graph[str(path.relative_to(ROOT))] = sorted(
            m for m in names if m == "flows" or m.startswith("flows.")
        )
    assert {k: v for k, v in graph.items() if v} == {}


def test_the_verbs_stay_functions_once_every_module_is_loaded():
    """A module named like a verb (``synth/augment.py``) would replace ``synth.augment`` on import."""
    import importlib
    import inspect

    import synth

    for path in _python_files("synth"):
        name = _module(path, ROOT)
        if not name.startswith(("synth.cli", "synth.models.argn")):
            importlib.import_module(name)
    verbs = [n for n in synth.__all__ if n[0].islower()]
    assert [v for v in verbs if not inspect.isfunction(getattr(synth, v))] == []
