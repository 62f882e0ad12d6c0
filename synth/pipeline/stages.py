"""The stages of a table job: plain functions with data contracts between them.

In run order:
read -> infer schema -> validate input -> split -> mine rules -> fit (or reuse) -> sample ->
privacy gate -> validate output -> evaluate -> quality floor.

Each logs its figures (aggregates only) to the run's logger; ``flows/`` wraps them as Prefect
tasks and wires them, and a notebook can call them directly.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from synth import io, models
from synth.errors import ModelError, ValidationFailed
from synth.evaluation.detection import detection_rows, detection_score
from synth.evaluation.fidelity import evaluate_fidelity
from synth.evaluation.floor import quality_checks
from synth.evaluation.floor import summary as quality_summary
from synth.evaluation.utility import positive_label, tstr_auc
from synth.jobs import Job
from synth.models import Model
from synth.pipeline.folder import find_model
from synth.pipeline.logs import run_logger
from synth.privacy import gate as privacy
from synth.privacy.rare import RARE_TOKEN
from synth.progress import Progress
from synth.report.data import build_report_data
from synth.rules.select import rules_for
from synth.sampling import sample_table
from synth.schema import Schema, infer_schema
from synth.split import split
from synth.validation.checks import DocsSite, Validation, validate_frame
from synth.validation.rules import validate_rules
from synth.validation.suites import load_suite, profile_suite, save_suite, suite_path


@dataclass
class Fitted:
    """A fitted model, and the run whose model it is when it was reused rather than trained."""

    model: Model
    reused_from: str | None = None


def read_input(job: Job) -> io.Table:
    """Read the job's source."""
    table = io.read(job.input.source())
    run_logger().info(
        "read %d rows x %d columns from %s (fingerprint %s)",
        *table.frame.shape, table.source, table.fingerprint[:12],
    )  # fmt: skip
    return table


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


def validate_input(table: io.Table, schema: Schema, job: Job, suites: Path, docs: DocsSite | None = None):
    """Check the input against the job's suite before any training (drift stops the run).

    The suite is kept in ``suites`` as ``suite.json`` (the named one as it was, or one profiled
    from the input), so a run says what it was checked against; with ``docs``, the result
    joins the job's Data Docs site.
    """
    if job.validation.suite:
        suite = load_suite(job.validation.suite)
        save_suite(json.loads(suite_path(job.validation.suite).read_text()), "suite", suites)
    else:
        path = save_suite(profile_suite(table.frame, schema, job.name), "suite", suites)
        suite = load_suite(str(path))
    result = validate_frame(table.frame, suite, docs=docs, label="input")
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


def split_holdout(frame: pd.DataFrame, job: Job) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep a real holdout that the model never sees."""
    train, holdout = split(frame, holdout=job.holdout, seed=job.seed)
    run_logger().info("split: %d training rows, %d holdout rows", len(train), len(holdout))
    return train, holdout


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


def reuse_model(job: Job, schema: Schema, fingerprint: str, model_dir: Path) -> Fitted | None:
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
    return Fitted(model, str(previous.parent.name))


def fit_model(
    train: pd.DataFrame,
    schema: Schema,
    job: Job,
    model_dir: Path,
    progress: Progress | None,
    fingerprint: str | None = None,
) -> Fitted:
    """Fit the job's model on the training rows and save it; reuse the model of an earlier run
    of this job when its input fingerprint, model, seed and schema are unchanged.
    """
    if fingerprint:
        reused = reuse_model(job, schema, fingerprint, model_dir)
        if reused is not None:
            run_logger().info(
                "reusing the model of run %s: input, model, seed and schema unchanged", reused.reused_from
            )
            return reused
    params = dict(job.model.params)
    params.setdefault("seed", job.seed)
    model = models.build(job.model.name, **params)
    model.fit(train, schema, progress=progress)
    models.save(model, model_dir)
    figures = ", ".join(f"{k} {v:.4g}" for k, v in model.history.items() if isinstance(v, int | float))
    run_logger().info("fitted %s on %d rows%s", model.name, len(train), f": {figures}" if figures else "")
    return Fitted(model)


def sample(model, rows: int, job: Job, progress: Progress | None) -> pd.DataFrame:
    """Draw the synthetic rows."""
    return sample_table(model, rows, seed=job.seed, progress=progress)


def privacy_gate(synthetic, train, holdout, schema: Schema, job: Job):
    """Remove copies and rare levels, then measure DCR, membership inference and attacks."""
    kept, verdict = privacy.gate(synthetic, train, holdout, schema, job.privacy, seed=job.seed)
    checks = "; ".join(f"{c.name} {c.figure:.3f} {'ok' if c.passed else 'FAIL'}" for c in verdict.checks)
    run_logger().info("%s: %s", verdict.summary(), checks)
    return kept, verdict


def validate_output(synthetic: pd.DataFrame, suite, docs: DocsSite | None, job: Job, rules=()) -> Validation:
    """The same suite on the synthetic rows, and one expectation per rule.

    Their count is asked for, so it is not checked; the gate's rare-value token is allowed.
    """
    result = validate_frame(
        synthetic,
        suite,
        docs=docs,
        label="output",
        skip=("expect_table_row_count_to_be_between",),
        allow=(RARE_TOKEN,) if job.privacy.rare_mode == "token" else (),
    )
    kept = validate_rules(synthetic, rules, docs=docs, label="rules")
    run_logger().info(
        "output validation: %d expectations (%d rules), %d failed",
        len(result.outcomes) + len(kept.outcomes), len(kept.outcomes), len(result.failed) + len(kept.failed),
    )  # fmt: skip
    return Validation(
        suite.name, result.success and kept.success, result.outcomes + kept.outcomes, result.docs
    )


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
