"""The ``augment`` flow: the synthesize flow's stages, with conditional sampling of the boosted
classes, the privacy gate and validation on the synthetic rows, and a lift report measured on a
real holdout that the generator never saw.
"""

from __future__ import annotations

import time

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.pipeline import (
    RunResult,
    fit_model,
    infer,
    learn_rules,
    privacy_gate,
    publish_artifacts,
    read_input,
    rules_record,
    run_logger,
    split_holdout,
    validate_input,
    validate_output,
)
from synth import io
from synth.augment import FLAG, check_target, combine, draw, plan_counts
from synth.errors import GateFailed
from synth.evaluation.lift import measure_lift
from synth.jobs import Job
from synth.manifest import build_manifest
from synth.models.base import Progress
from synth.progress import LoggedProgress
from synth.report.data import build_report_data
from synth.report.html import render
from synth.runs import RunFolder


@task(name="draw boosted classes", cache_policy=NO_CACHE)
def draw_classes(model, labels, job: Job):
    """Plan the counts on every real row (all of them are in the output); sample conditionally."""
    spec = job.augment
    plan = plan_counts(labels, balance=spec.balance, ratios=spec.ratio, add=spec.add)
    return draw(model, spec.target, plan, seed=job.seed)


@task(name="measure lift", cache_policy=NO_CACHE)
def lift_task(model, train, holdout, augmented, job: Job):
    """Real vs real+synthetic vs real+SMOTE, over seeds, on the real holdout."""
    spec = job.augment

    def synthetic_for(seed: int):
        if seed == 0:
            return augmented.synthetic
        return draw(model, spec.target, augmented.plan, seed=job.seed + 7919 * seed).synthetic

    return measure_lift(
        train, holdout, spec.target, synthetic_for, seeds=spec.seeds, precision_at=spec.precision_at
    )


@flow(name="augment", log_prints=False)
def augment(job: Job, progress: Progress | None = None) -> RunResult:
    """Real rows + gated synthetic rows of the boosted classes, with ``is_synthetic``."""
    progress = LoggedProgress(run_logger(), progress)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    table = read_input(job)
    schema = infer(table, job)
    check_target(schema, job.augment.target)
    run = RunFolder.create(job.output_dir())
    try:
        suite, input_check = validate_input(table, schema, job, run)
        train, holdout = split_holdout(table.frame, job)
        schema = learn_rules(train, schema, job)
        model = fit_model(train, schema, job, run.path("model"), progress)
        augmented = draw_classes(model, table.frame[job.augment.target], job)
        synthetic, verdict = privacy_gate(augmented.synthetic, train, holdout, schema, job)
        output_check = (
            validate_output(synthetic, suite, run, job, schema.rules) if job.validation.output else None
        )
        lift = lift_task(model, train, holdout, augmented, job) if job.augment.lift else None
        combined = combine(table.frame, synthetic)
        publish = verdict.passed and (output_check is None or output_check.success)
        timings["total"] = time.perf_counter() - started
        counts = combined.groupby([job.augment.target, FLAG]).size()
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
                "synthetic": len(synthetic),
                "augmented": len(combined),
            },
            model={"name": model.name, "params": model.params()},
            seed=job.seed,
            timings=timings,
            outputs={
                "augmented": "augmented.parquet",
                "model": "model/",
                "lift": "lift.md",
                "report": "report.html",
            },
            extra={
                "augment": {
                    "plan": {str(k): v for k, v in augmented.plan.items()},
                    "class_counts": {
                        f"{k[0]} ({'synthetic' if k[1] else 'real'})": int(v) for k, v in counts.items()
                    },
                },
                "privacy": verdict.to_dict(),
                "rules": rules_record(schema, synthetic, model),
                "validation": {
                    "input": input_check.to_dict(),
                    **({"output": output_check.to_dict()} if output_check else {}),
                },
                "lift": lift.to_dict() if lift else None,
            },
        )
        report = build_report_data(train, holdout, synthetic, schema) if len(synthetic) else {}
        io.write_parquet(combined, run.path("augmented.parquet"))
        io.write_json(manifest, run.path("manifest.json"))
        io.write_json(report, run.path("report.json"))
        io.write_text(render(manifest, report), run.path("report.html"))
        if lift:
            io.write_text(lift.to_markdown(), run.path("lift.md"))
        run_dir = run.publish() if publish else run.quarantine_run()
    except BaseException:
        run.discard()
        raise
    publish_artifacts(manifest, run_dir)
    if not publish:
        reason = verdict.summary() if not verdict.passed else "synthetic rows failed output validation"
        raise GateFailed(f"{reason}; nothing published, see {run_dir}")
    return RunResult(run_dir, manifest, timings)
