"""The ``relational`` flow: a whole database -> check its keys -> validate every table ->
hold out root entities -> fit the relational model -> draw the database -> privacy gate per table
and per entity -> validate tables, rules and keys -> score -> publish one Parquet file per table
(and, when the job names one, write the tables with their keys into a target database), or
quarantine.
"""

from __future__ import annotations

from types import SimpleNamespace

from prefect import flow

from flows.artifacts import publish_artifacts
from flows.tasks import IO_RETRIES, stage
from synth.jobs import Job
from synth.pipeline import database as stages
from synth.pipeline.records import quality_record, validation_record
from synth.pipeline.run import Run, RunResult, refuse_unpublished
from synth.progress import Progress
from synth.relational.target import write_database
from synth.report.html import render_database

read_tables = stage("read database", **IO_RETRIES)(stages.read_tables)
check_keys = stage("check keys")(stages.check_keys)
validate_input = stage("validate input")(stages.validate_input)
split = stage("split entities")(stages.split)
fit = stage("fit relational model")(stages.fit)
sample = stage("sample database")(stages.sample)
gate = stage("privacy gate")(stages.gate)
validate_output = stage("validate output")(stages.validate_output)
evaluate = stage("evaluate")(stages.evaluate)
write_target = stage("write target database", **IO_RETRIES)(write_database)


@flow(name="relational", log_prints=False)
def relational(job: Job, progress: Progress | None = None) -> RunResult:
    """Run one ``relational`` job end to end; a failure leaves nothing where readers look.

    ``progress`` is taken as every flow takes it; the tables' fits are logged instead.
    """
    database = read_tables(job)
    checked = check_keys(database, job)
    real = checked.database
    with Run.start(job) as run:
        suites, input_check = validate_input(real, run.path("validation"), run.docs)
        train, held = split(real, job)
        run.lap("prepare")
        fingerprint = stages.fingerprint(real)
        fitted = fit(train, job, run.path("model"), fingerprint)
        run.lap("fit")
        drawn = sample(fitted.model, job)
        run.lap("sample")
        drawn, verdict = gate(drawn, train, held, fitted.model, job)
        run.lap("privacy")
        output_check = (
            validate_output(drawn, suites, fitted.model, run.docs) if job.validation.output else None
        )
        run.lap("validate_output")
        figures = evaluate(train, drawn, job)
        quality = stages.floor(figures, job)
        run.lap("evaluate")
        manifest = run.manifest(
            outputs=("tables", "model", "manifest", "report", "validation"),
            input_source=real.source,
            fingerprint=fingerprint,
            schema=stages.describe(train),
            rows=stages.rows_record(database, train, held, drawn),
            model=stages.model_record(fitted),
            privacy=verdict.to_dict(),
            quality=quality_record(quality),
            validation=validation_record(input_check, output_check, run.docs),
            fidelity=stages.flat(figures),
        )
        for name, frame in drawn.items():
            run.write("tables", frame, name=f"{name}.parquet")
        run.write("manifest", manifest)
        publish = verdict.passed and all(c.passed for c in quality)
        publish = publish and (output_check is None or output_check.success)
        run.write("report", render_database(manifest, figures, run.docs_base(publish)))
        spec = job.relational
        if publish and spec is not None and spec.target_url:
            write_target(drawn, fitted.model.keys, spec.target_url, spec.target_schema)
        run_dir = run.close(publish)
    run.lap("write")
    artifacts = publish_artifacts(manifest, run_dir)
    refuse_unpublished(verdict, output_check, SimpleNamespace(name="per table"), run_dir, "tables", quality)
    return RunResult(run_dir, manifest, run.timings, artifacts)
