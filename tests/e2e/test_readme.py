"""The README's Python example runs as written (from the repository root)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_python_example_runs(monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert len(blocks) == 1
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102 - our own README
    published, augmented, verdict = namespace["published"], namespace["augmented"], namespace["verdict"]
    assert len(published) <= 1000 and set(published.columns) == set(namespace["train"].columns)
    assert verdict.summary() in capsys.readouterr().out
    assert augmented["is_synthetic"].any() and (~augmented["is_synthetic"]).sum() == len(namespace["train"])
    counts = augmented["income"].value_counts()
    assert counts.max() == counts.min()  # balanced
