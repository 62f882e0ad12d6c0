"""The table ``synth run`` prints when a job finishes: where the run is, what it read, its
verdicts and figures, and how long each stage took.
"""

from __future__ import annotations

from synth.cli.console import out
from synth.pipeline.folder import RunFolder


def print_summary(result) -> None:
    """The run's verdicts, figures and timings as one table."""
    from rich.table import Table

    manifest = result.manifest
    table = Table(
        title=f"synth run · {manifest['job']['name']} ({manifest['job']['type']})", show_header=False
    )
    table.add_row("run folder", str(result.run_dir))
    table.add_row("input", manifest["input"]["source"])
    reused = manifest["model"].get("reused_from")
    if "name" in manifest["model"]:
        table.add_row(
            "model",
            f"{manifest['model']['name']} (seed {manifest['seed']})"
            + (f", reused from {reused}" if reused else ""),
        )
    for name, value in manifest["rows"].items():
        table.add_row(f"rows: {name}", f"{value:,}")
    for name, value in manifest.get("fidelity", {}).items():
        table.add_row(name.replace("_", " "), f"{value:.4f}")
    for name, figures in manifest.get("risk", {}).items():
        table.add_row(
            f"{name}: mean / VaR 99% / ES 97.5%",
            " / ".join(f"{figures[k]:,.0f}" for k in ("mean", "var_99", "es_97_5")),
        )
    if "credit" in manifest:
        credit_rows(table, manifest["credit"])
    if "privacy" in manifest:
        table.add_row("privacy gate", "pass" if manifest["privacy"]["passed"] else "FAIL")
    if "quality" in manifest:
        table.add_row("quality floor", "pass" if manifest["quality"]["passed"] else "FAIL")
    if "rules" in manifest:
        rules = manifest["rules"]
        table.add_row("rules", f"{len(rules['rules'])} kept, {rules['violations']:,} violations")
    validation = manifest.get("validation", {})
    for side in ("input", "output"):
        if side in validation:
            table.add_row(f"{side} validation", "pass" if validation[side]["success"] else "FAIL")
    for output in ("report", "lift"):
        if (result.run_dir / manifest["outputs"].get(output, "-")).is_file():
            table.add_row(output, str(result.run_dir / manifest["outputs"][output]))
    if validation.get("site"):
        table.add_row("data docs", str(RunFolder.output_of(result.run_dir) / validation["site"]))
    for stage, seconds in manifest["timings_seconds"].items():
        table.add_row(f"time: {stage}", f"{seconds:.1f} s")
    out.print(table)


def credit_rows(table, credit: dict) -> None:
    """The credit job's calibration and loss figures with their intervals."""
    calibration = credit["calibration"]
    interval = f" [{calibration['low']:.3f}, {calibration['high']:.3f}]" if "low" in calibration else ""
    table.add_row("asset correlation", f"{calibration['rho']:.3f}{interval} ({calibration['method']})")
    for side, figures in credit["figures"].items():
        for key, label in (("mean", "mean"), ("var_99_9", "VaR 99.9%"), ("es_97_5", "ES 97.5%")):
            f = figures[key]
            flag = " (!)" if f.get("warning") else ""
            table.add_row(f"{side} {label}", f"{f['value']:,.0f} [{f['low']:,.0f}, {f['high']:,.0f}]{flag}")
