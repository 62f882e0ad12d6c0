"""What a run shows in the Prefect UI: a Markdown summary, a table of figures and a link to the
report, for any job type.
"""

from __future__ import annotations

from pathlib import Path

from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

from synth.pipeline.folder import RunFolder
from synth.pipeline.logs import run_logger


def publish_artifacts(manifest: dict, run_dir: Path) -> dict[str, str]:
    """A Markdown summary and a table of figures on the Prefect flow run (any job type)."""
    rows = [
        {
            "figure": c["name"],
            "value": round(c["figure"], 4),
            "threshold": c["threshold"],
            "passed": c["passed"],
        }
        for c in manifest.get("privacy", {}).get("checks", [])
    ]
    rows += [
        {"figure": k, "value": round(v, 4), "threshold": None, "passed": None}
        for k, v in manifest.get("fidelity", {}).items()
    ]
    for name, figures in manifest.get("risk", {}).items():
        rows += [
            {"figure": f"{name} {k}", "value": round(v, 2), "threshold": None, "passed": None}
            for k, v in figures.items()
        ]
    table_id = create_table_artifact(table=rows, key="synth-figures", description="figures of this run")
    validation = manifest.get("validation", {})
    verdicts = [
        f"- {side} validation: {'pass' if validation[side]['success'] else 'FAIL'}"
        for side in ("input", "output")
        if side in validation
    ]
    if "privacy" in manifest:
        verdicts.append(f"- privacy gate: {'pass' if manifest['privacy']['passed'] else 'FAIL'}")
    markdown = "\n".join(
        [
            f"# synth run `{manifest['run_id']}` · {manifest['job']['name']} ({manifest['job']['type']})",
            "",
            f"- run folder: `{run_dir}`",
            *[f"- rows {k}: {v:,}" for k, v in manifest["rows"].items()],
            *verdicts,
            *[f"- {k.replace('_', ' ')}: {v:.4f}" for k, v in manifest.get("fidelity", {}).items()],
        ]
    )
    summary_id = create_markdown_artifact(
        markdown=markdown, key="synth-summary", description="synth run summary"
    )
    ids = {"summary": str(summary_id), "figures": str(table_id)}
    ids.update(_links(manifest, Path(run_dir)))
    run_logger().info(
        "%s: %s", "published" if "quarantine" not in Path(run_dir).parts else "quarantined", run_dir
    )
    return ids


def _links(manifest: dict, run_dir: Path) -> dict[str, str]:
    """Link artifacts to the report, this run's Data Docs pages and the job's Data Docs history."""
    output = RunFolder.output_of(run_dir)
    validation = manifest.get("validation", {})
    pages = {"report": ("report.html", run_dir / manifest["outputs"].get("report", "report.html"))}
    for side in ("input", "output"):
        if validation.get(side, {}).get("docs"):
            pages[f"{side}_docs"] = (f"{side} Data Docs", output / validation[side]["docs"])
    if validation.get("site"):
        pages["docs_history"] = ("Data Docs: every run of the job", output / validation["site"])
    return {
        name: str(
            create_link_artifact(
                link=path.resolve().as_uri(), link_text=text, key=f"synth-{name.replace('_', '-')}"
            )
        )  # fmt: skip
        for name, (text, path) in pages.items()
        if path.is_file()
    }
