"""The privacy gate as Markdown (figures only: no real values ever appear)."""

from __future__ import annotations

from synth.privacy.gate import GateResult


def gate_markdown(result: GateResult) -> str:
    """A table of every check with its figure, threshold and verdict."""
    lines = [
        f"# Privacy gate: {'passed' if result.passed else 'FAILED'}",
        "",
        f"Exact copies removed before writing: {result.copies_removed}.",
        f"Rare values replaced: {sum(result.rare_replaced.values())}.",
        "",
        "| check | figure | rule | threshold | verdict | detail |",
        "|---|---|---|---|---|---|",
    ]
    for c in result.checks:
        verdict = "pass" if c.passed else "**FAIL**"
        lines.append(f"| {c.name} | {c.figure:.4f} | {c.rule} | {c.threshold:g} | {verdict} | {c.detail} |")
    return "\n".join(lines) + "\n"
