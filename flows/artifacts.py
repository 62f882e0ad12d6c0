"""What a run shows in the Prefect UI: a Markdown summary, a table of figures and a link to the
report, for any job type.
"""

from __future__ import annotations

from pathlib import Path

from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

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
    verdicts = [
        f"- input validation: {'pass' if v['success'] else 'FAIL'}"
        if side == "input"
        else f"- output validation: {'pass' if v['success'] else 'FAIL'}"
        for side, v in manifest.get("validation", {}).items()
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
    report = Path(run_dir) / manifest["outputs"].get("report", "report.html")
    if report.is_file():
        ids["report"] = str(
            create_link_artifact(link=report.resolve().as_uri(), link_text="report.html", key="synth-report")
        )
    for side, result in manifest.get("validation", {}).items():
        docs = Path(run_dir) / result["docs"] if result.get("docs") else None
        if docs is not None and docs.is_file():
            link = create_link_artifact(link=docs.resolve().as_uri(), link_text=f"{side} Data Docs",
                                        key=f"synth-{side}-docs")  # fmt: skip
            ids[f"{side}_docs"] = str(link)
    run_logger().info(
        "%s: %s", "published" if "quarantine" not in Path(run_dir).parts else "quarantined", run_dir
    )
    return ids
