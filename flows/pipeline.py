"""The ``synthesize`` flow: read -> infer -> validate input -> split -> fit -> sample ->
privacy gate -> validate output -> report -> publish (or quarantine).

Tasks wrap library calls. Only tasks that touch the outside world (reading the source, writing
outputs) retry, with backoff, and only on transient errors: a bad input fails at once with its
one-line message. DataFrames pass between tasks in process with caching off (Prefect cannot key
a cache on a DataFrame reliably); scheduled runs cache by file fingerprint instead.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from synth import io, models
from synth.errors import GateFailed, ModelError, SynthError, ValidationFailed
from synth.evaluation.detection import detection_rows, detection_score
from synth.evaluation.fidelity import evaluate_fidelity
from synth.evaluation.floor import quality_checks
from synth.evaluation.floor import summary as quality_summary
from synth.evaluation.utility import positive_label, tstr_auc
from synth.jobs import Job
from synth.manifest import build_manifest
from synth.models.base import Progress
from synth.privacy import gate as privacy
from synth.privacy.rare import RARE_TOKEN
from synth.progress import LoggedProgress
from synth.report.data import build_report_data
from synth.report.html import render
from synth.rules.check import violations
from synth.rules.select import rules_for
from synth.runs import RunFolder, find_model
from synth.sampling import sample_table
from synth.schema import Schema, infer_schema
from synth.split import split
from synth.validation.checks import Validation, validate_frame
from synth.validation.rules import validate_rules
from synth.validation.suites import load_suite, profile_suite, save_suite


def _transient(task, task_run, state) -> bool:
    """Retry only errors that may pass (I/O, network); never a SynthError (bad input)."""
    try:
        state.result()
    except SynthError:
        return False
    except Exception:  # noqa: BLE001 - anything else may be transient
        return True
    return False


IO_RETRIES = {"retries": 3, "retry_delay_seconds": [1, 4, 10], "retry_condition_fn": _transient}


@dataclass
class RunResult:
    """What a finished run produced."""

    run_dir: Path
    manifest: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)


@task(name="read input", cache_policy=NO_CACHE, **IO_RETRIES)
def read_input(job: Job) -> io.Table:
    """Read the job's source."""
    table = io.read(job.input.source())
    run_logger().info(
        "read %d rows x %d columns from %s (fingerprint %s)",
        *table.frame.shape, table.source, table.fingerprint[:12],
    )  # fmt: skip
    return table


@task(name="infer schema", cache_policy=NO_CACHE)
def infer(table: io.Table, job: Job) -> Schema:
    """Infer the schema with the job's overrides; columns the job names must exist."""
    for note in table.notes:
        run_logger().warning(note)
    job.check_columns([str(c) for c in table.frame.columns], table.source)
    schema = infer_schema(
        table.frame,
        table=table.name,
        overrides=job.schema_.overrides(),
        drop=job.schema_.drop,
        source=table.source,
    )
    ids = [c.name for c in schema.columns if not c.modelled]
    run_logger().info(
        "schema: %d modelled columns; %d identifiers regenerated, never learned",
        len(schema.modelled),
        len(ids),
    )
    return schema


@task(name="validate input", cache_policy=NO_CACHE)
def validate_input(table: io.Table, schema: Schema, job: Job, run: RunFolder):
    """Check the input against the job's suite before any training (drift stops the run)."""
    if job.validation.suite:
        suite = load_suite(job.validation.suite)
    else:
        path = save_suite(profile_suite(table.frame, schema, job.name), "suite", run.path("validation"))
        suite = load_suite(str(path))
    result = validate_frame(table.frame, suite, docs_dir=run.path("validation/input"), label="input")
    run_logger().info(
        "input validation: %d expectations, %d failed", len(result.outcomes), len(result.failed)
    )
    if not result.success:
        lines = "; ".join(o.line() for o in result.failed[:5])
        more = f" (and {len(result.failed) - 5} more)" if len(result.failed) > 5 else ""
        raise ValidationFailed(
            f"{table.source}: input failed suite '{suite.name}' before training: {lines}{more}"
        )
    return suite, result


@task(name="split holdout", cache_policy=NO_CACHE)
def split_holdout(frame: pd.DataFrame, job: Job) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep a real holdout that the model never sees."""
    train, holdout = split(frame, holdout=job.holdout, seed=job.seed)
    run_logger().info("split: %d training rows, %d holdout rows", len(train), len(holdout))
    return train, holdout


@task(name="mine rules", cache_policy=NO_CACHE)
def learn_rules(train: pd.DataFrame, schema: Schema, job: Job) -> Schema:
    """The training rows' rules, as the job keeps, drops or adds them."""
    spec = job.rules
    ruled = rules_for(
        train, schema, mine=spec.mine, drop=spec.drop, add=spec.declared(), where=f"job '{job.name}'"
    )
    kinds: dict[str, int] = {}
    for rule in ruled.rules:
        kinds[rule.kind] = kinds.get(rule.kind, 0) + 1
    listed = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "none"
    run_logger().info("rules: %d from %d training rows (%s)", len(ruled.rules), len(train), listed)
    for rule in ruled.rules:
        if rule.tolerance:
            run_logger().info("near-rule '%s': real exception rate %.4f %%", rule.name, 100 * rule.tolerance)
    return ruled


class Laps:
    """Seconds per stage of a run, in order (``lap(name)`` closes the stage that just ended)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._clock = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self._clock
        self._clock = now


def reuse_model(job: Job, schema: Schema, fingerprint: str, model_dir: Path):
    """Copy in and load the model of this job's newest published run when its input
    fingerprint, model, seed and schema are unchanged; ``None`` when there is none, or when it
    does not load as the job's model: not signed by this installation, changed since it was
    saved, of another kind, or saved by an older synth whose network differs. Then the job
    retrains; nothing in such a folder is ever unpickled.
    """
    previous = find_model(
        job.output_dir(),
        fingerprint=fingerprint,
        model=job.model.model_dump(mode="json"),
        seed=job.seed,
        schema=schema.to_dict(values=False),
    )
    if previous is None:
        return None
    shutil.copytree(previous, model_dir)
    try:
        model = models.load(model_dir, expected=job.model.name)
    except ModelError as error:
        shutil.rmtree(model_dir)
        run_logger().warning("not reusing %s: %s; retraining", previous, error)
        return None
    model.reused_from = str(previous.parent.name)
    return model


def model_record(model) -> dict[str, Any]:
    """The manifest's ``model`` entry: name, parameters, reuse and training history."""
    return {
        "name": model.name,
        "params": model.params(),
        "reused_from": getattr(model, "reused_from", None),
        **_history(model),
    }


def validation_record(input_check: Validation, output_check: Validation | None, run: RunFolder) -> dict:
    """The manifest's ``validation`` entry (Data Docs paths relative to the run folder)."""
    validation = {"input": _relative(input_check.to_dict(), run)}
    if output_check is not None:
        validation["output"] = _relative(output_check.to_dict(), run)
    return validation


@task(name="fit model", cache_policy=NO_CACHE)
def fit_model(
    train: pd.DataFrame,
    schema: Schema,
    job: Job,
    model_dir: Path,
    progress: Progress | None,
    fingerprint: str | None = None,
):
    """Fit the job's model on the training rows and save it; reuse the model of an earlier run
    of this job when its input fingerprint, model, seed and schema are unchanged.
    """
    if fingerprint:
        model = reuse_model(job, schema, fingerprint, model_dir)
        if model is not None:
            run_logger().info(
                "reusing the model of run %s: input, model, seed and schema unchanged", model.reused_from
            )
            return model
    params = dict(job.model.params)
    params.setdefault("seed", job.seed)
    model = models.build(job.model.name, **params)
    model.fit(train, schema, progress=progress)
    models.save(model, model_dir)
    history = getattr(model, "history", None) or {}
    figures = ", ".join(f"{k} {v:.4g}" for k, v in history.items() if isinstance(v, int | float))
    run_logger().info("fitted %s on %d rows%s", model.name, len(train), f": {figures}" if figures else "")
    return model


@task(name="sample", cache_policy=NO_CACHE)
def sample(model, rows: int, job: Job, progress: Progress | None) -> pd.DataFrame:
    """Draw the synthetic rows."""
    return sample_table(model, rows, seed=job.seed, progress=progress)


@task(name="privacy gate", cache_policy=NO_CACHE)
def privacy_gate(synthetic, train, holdout, schema: Schema, job: Job):
    """Remove copies and rare levels, then measure DCR, membership inference and attacks."""
    kept, verdict = privacy.gate(synthetic, train, holdout, schema, job.privacy, seed=job.seed)
    checks = "; ".join(f"{c.name} {c.figure:.3f} {'ok' if c.passed else 'FAIL'}" for c in verdict.checks)
    run_logger().info("%s: %s", verdict.summary(), checks)
    return kept, verdict


@task(name="validate output", cache_policy=NO_CACHE)
def validate_output(synthetic: pd.DataFrame, suite, run: RunFolder, job: Job, rules=()) -> Validation:
    """The same suite on the synthetic rows, and one expectation per rule.

    Their count is asked for, so it is not checked; the gate's rare-value token is allowed.
    """
    result = validate_frame(
        synthetic,
        suite,
        docs_dir=run.path("validation/output"),
        label="output",
        skip=("expect_table_row_count_to_be_between",),
        allow=(RARE_TOKEN,) if job.privacy.rare_mode == "token" else (),
    )
    kept = validate_rules(synthetic, rules, docs_dir=run.path("validation/output-rules"), label="rules")
    run_logger().info(
        "output validation: %d expectations (%d rules), %d failed",
        len(result.outcomes) + len(kept.outcomes), len(kept.outcomes), len(result.failed) + len(kept.failed),
    )  # fmt: skip
    return Validation(
        suite.name, result.success and kept.success, result.outcomes + kept.outcomes, result.docs
    )


@task(name="evaluate", cache_policy=NO_CACHE)
def evaluate(train, holdout, synthetic, schema: Schema, job: Job) -> tuple[dict, dict]:
    """Fidelity figures and the report's aggregates."""
    fidelity = evaluate_fidelity(train, synthetic, schema)
    figures: dict[str, Any] = {
        "column_shapes": fidelity.column_shapes,
        "pair_trends": fidelity.pair_trends,
    }
    modelled = [c.name for c in schema.modelled]
    if job.quality.enabled:
        figures["detection"] = detection_score(train, synthetic, modelled, seed=job.seed)
        figures["detection_rows"] = detection_rows(train, synthetic)
    if job.target and job.target in synthetic:
        positive = positive_label(holdout[job.target])
        figures["holdout_positives"] = int((holdout[job.target] == positive).sum())
        figures["holdout_negatives"] = int(holdout[job.target].notna().sum()) - figures["holdout_positives"]
        figures["tstr_auc"] = tstr_auc(synthetic[modelled], holdout[modelled], job.target, seed=job.seed)
        figures["real_train_auc"] = tstr_auc(train[modelled], holdout[modelled], job.target, seed=job.seed)
        matched = (
            train.sample(min(len(train), len(synthetic)), random_state=job.seed) if len(synthetic) else train
        )
        figures["real_matched_auc"] = tstr_auc(
            matched[modelled], holdout[modelled], job.target, seed=job.seed
        )
    report = build_report_data(train, holdout, synthetic, schema)
    report["scores"] = {"columns": fidelity.shapes_by_column, "pairs": fidelity.trends_by_pair}
    return figures, report


@task(name="write outputs", cache_policy=NO_CACHE, **IO_RETRIES)
def write_outputs(synthetic: pd.DataFrame, manifest: dict, report: dict, run: RunFolder, publish: bool):
    """Write Parquet, manifest and report into the work folder, then publish or quarantine."""
    io.write_parquet(synthetic, run.path("synthetic.parquet"))
    io.write_json(manifest, run.path("manifest.json"))
    io.write_json(report, run.path("report.json"))
    io.write_text(render(manifest, report), run.path("report.html"))
    return run.publish() if publish else run.quarantine_run()


def publish_artifacts(manifest: dict, run_dir: Path) -> dict[str, str]:
    """A Markdown summary and a table of figures on the Prefect flow run (any job type)."""
    from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

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
    run_logger().info(
        "%s: %s", "published" if "quarantine" not in Path(run_dir).parts else "quarantined", run_dir
    )
    return ids


@flow(name="synthesize", log_prints=False)
def synthesize(job: Job, progress: Progress | None = None) -> RunResult:
    """Run one ``synthesize`` job end to end; a failure leaves nothing where readers look."""
    progress = LoggedProgress(run_logger(), progress)
    lap = Laps()
    timings = lap.timings
    table = read_input(job)
    lap("read")
    schema = infer(table, job)
    lap("schema")
    run = RunFolder.create(job.output_dir())
    try:
        suite, input_check = validate_input(table, schema, job, run)
        lap("validate_input")
        train, holdout = split_holdout(table.frame, job)
        lap("split")
        schema = learn_rules(train, schema, job)
        lap("rules")
        model = fit_model(train, schema, job, run.path("model"), progress, table.fingerprint)
        lap("fit")
        rows = job.rows or len(train)
        synthetic = sample(model, rows, job, progress)
        lap("sample")
        synthetic, verdict = privacy_gate(synthetic, train, holdout, schema, job)
        lap("privacy")
        output_check = (
            validate_output(synthetic, suite, run, job, schema.rules) if job.validation.output else None
        )
        lap("validate_output")
        fidelity, report = evaluate(train, holdout, synthetic, schema, job)
        quality = floor(fidelity, job)
        rows_judged = {k: fidelity.pop(k) for k in COUNTS if k in fidelity}
        lap("evaluate")
        publish = verdict.passed and all(c.passed for c in quality)
        publish = publish and (output_check is None or output_check.success)
        validation = validation_record(input_check, output_check, run)
        manifest = build_manifest(
            job=job.model_dump(mode="json", by_alias=True),
            run_id=run.run_id,
            input_source=table.source,
            fingerprint=table.fingerprint,
            schema=schema.to_dict(values=False),
            rows={
                "input": len(table.frame),
                "train": len(train),
                "holdout": len(holdout),
                "sampled": rows,
                "synthetic": len(synthetic),
            },
            model=model_record(model),
            seed=job.seed,
            timings=timings,
            outputs={
                "synthetic": "synthetic.parquet",
                "model": "model/",
                "manifest": "manifest.json",
                "report": "report.html",
                "validation": "validation/",
            },
            extra={
                "privacy": verdict.to_dict(),
                "quality": quality_record(quality, rows_judged),
                "rules": rules_record(schema, synthetic, model),
                "validation": validation,
                "fidelity": fidelity,
            },
        )
        run_dir = write_outputs(synthetic, manifest, report, run, publish)
    except BaseException:
        run.discard()
        raise
    lap("write")
    artifacts = publish_artifacts(manifest, run_dir)
    refuse_unpublished(verdict, output_check, suite, run_dir, "output", quality)
    return RunResult(run_dir, manifest, timings, artifacts)


def floor(figures: dict, job: Job) -> list:
    """The quality floor's checks on a run's figures (none when the job turns it off)."""
    if not job.quality.enabled:
        return []
    checks = quality_checks(
        figures, detection_min=job.quality.detection_min, tstr_lift_min=job.quality.tstr_lift_min
    )
    run_logger().info(
        "%s: %s", quality_summary(checks), "; ".join(f"{c.name} {c.figure:.3f}" for c in checks)
    )
    return checks


COUNTS = ("detection_rows", "holdout_positives", "holdout_negatives", "real_matched_auc")
"""Figures the floor's intervals need, kept with its verdict rather than among the scores."""


def quality_record(checks: list, figures: dict[str, Any] | None = None) -> dict[str, Any]:
    """The manifest's ``quality`` entry: the checks and the figures they were judged with."""
    from dataclasses import asdict

    return {
        "passed": all(c.passed for c in checks),
        "checks": [asdict(c) for c in checks],
        **(figures or {}),
    }


def rules_record(schema: Schema, synthetic: pd.DataFrame, model) -> dict[str, Any]:
    """The manifest's ``rules`` entry: each rule (no values), its violations in the published
    rows, and the repairs sampling needed (the last resort, counted).
    """
    broken = violations(synthetic, schema.rules)
    return {
        "rules": [{**r.summary(), "violations": broken[r.name]} for r in schema.rules],
        "violations": sum(broken.values()),
        "repairs": dict(getattr(model, "repairs", {}) or {}),
    }


def refuse_unpublished(verdict, output_check, suite, run_dir: Path, what: str, quality=()) -> None:
    """Raise for a quarantined run: the failed privacy checks first, then the quality floor's,
    then the output suite's.
    """
    if not verdict.passed:
        raise GateFailed(
            f"{verdict.summary()}; nothing published, the run is in {run_dir}",
            verdict.to_dict()["checks"],
        )
    if not all(c.passed for c in quality):
        raise GateFailed(f"{quality_summary(list(quality))}; nothing published, the run is in {run_dir}")
    if output_check is not None and not output_check.success:
        lines = "; ".join(o.line() for o in output_check.failed[:5])
        raise GateFailed(
            f"synthetic {what} failed suite '{suite.name}': {lines}; nothing published, see {run_dir}"
        )


def run_logger():
    """The run's logger inside a flow, else the module's (library calls from tests or notebooks)."""
    from prefect.exceptions import MissingContextError

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


def _relative(result: dict, run: RunFolder) -> dict:
    if result.get("docs"):
        result["docs"] = str(Path(result["docs"]).relative_to(run.work.resolve()))
    return result


def _history(model) -> dict:
    history = getattr(model, "history", None)
    return {"training": history} if history else {}
