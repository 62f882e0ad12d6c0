"""The stages of a ``relational`` job (a whole database), beside the table stages of
``synth.pipeline.stages``.

In run order: read the tables and their keys -> check the keys (orphans per the job) ->
validate every table -> hold out root entities with everything beneath them -> fit (or reuse)
the relational model -> draw the database -> privacy gate per table and per entity -> validate
every drawn table, its rules and its keys -> score per table, per key and across tables ->
quality floor per table.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd

from synth.errors import ModelError, ValidationFailed
from synth.evaluation.floor import quality_checks
from synth.jobs import Job
from synth.pipeline.folder import find_model
from synth.pipeline.logs import run_logger
from synth.pipeline.stages import Fitted
from synth.privacy.gate import Check
from synth.relational.database import Database, read_database
from synth.relational.integrity import Checked, check_database, referential_integrity
from synth.relational.layout import training_frame
from synth.relational.model import LAYOUT_FILE, RelationalModel
from synth.relational.privacy import database_gate
from synth.relational.quality import cardinality_shapes, cross_table_trends, table_scores
from synth.relational.split import entity_root, split_database
from synth.relational.validation import table_suites, validate_database_rules, validate_keys, validate_tables
from synth.validation.checks import DocsSite, Validation


def read_tables(job: Job) -> Database:
    """The job's database: a folder, a SQLite file or a URL, with its keys."""
    spec = job.relational
    keys = Path(spec.keys_file) if spec and spec.keys_file else None
    database = read_database(job.input.path, keys, spec.db_schema if spec else None)
    rows = sum(len(t) for t in database.tables.values())
    run_logger().info("read %d tables, %d rows from %s; keys from the %s",
                      len(database.tables), rows, database.source, database.keys_from)  # fmt: skip
    return database


def check_keys(database: Database, job: Job) -> Checked:
    """Every key checked; rows without a parent dropped, kept or refused per the job."""
    checked = check_database(database, job.relational.orphans if job.relational else "drop")
    for key, count in checked.orphans.items():
        run_logger().warning("%s: %d rows point at no parent row", key, count)
    return checked


def fingerprint(database: Database) -> str:
    """One fingerprint of every table's rows and the keys: a change in any retrains."""
    digest = hashlib.sha256(database.keys.model_dump_json().encode())
    for name in sorted(database.tables):
        frame = database.tables[name]
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        digest.update(",".join(map(str, frame.columns)).encode())
    return digest.hexdigest()


def describe(database: Database) -> dict:
    """The manifest's ``schema`` of a database: its keys and every table's columns and types."""
    tables = {name: {c: str(t) for c, t in frame.dtypes.items()} for name, frame in database.tables.items()}
    return {"keys": database.keys.model_dump(mode="json"), "tables": tables}


def validate_input(database: Database, suites: Path, docs: DocsSite | None):
    """Every table against a suite profiled from it (kept in ``suites``), before any training."""
    modelled = {n: t for n, t in database.tables.items() if n not in database.keys.reference}
    suite = table_suites(modelled, database.keys, suites)
    result = validate_tables(modelled, suite, docs, "input")
    run_logger().info(
        "input validation: %d expectations, %d failed", len(result.outcomes), len(result.failed)
    )
    if not result.success:
        lines = "; ".join(o.line() for o in result.failed[:5])
        raise ValidationFailed(f"{database.source}: input failed its suites before training: {lines}")
    return suite, result


def split(database: Database, job: Job) -> tuple[Database, dict[str, pd.DataFrame]]:
    """Root entities held out with everything beneath them (``synth.relational.split``)."""
    train, held = split_database(database, job.holdout, job.seed)
    parts = ", ".join(f"{n} {len(train.tables[n])}/{len(held[n])}" for n in train.tables if n in held)
    run_logger().info("split (training/holdout rows): %s", parts)
    return train, held


def fit(train: Database, job: Job, model_dir: Path, fingerprint: str) -> Fitted:
    """Fit the relational model on the training database and save it; reuse the model of the
    job's newest published run when the input, model, seed and schema are unchanged.
    """
    previous = find_model(job.output_dir(), fingerprint=fingerprint, model=job.model.model_dump(mode="json"),
                          seed=job.seed, schema=describe(train), marker=LAYOUT_FILE)  # fmt: skip
    if previous is not None:
        shutil.copytree(previous, model_dir)
        try:
            return Fitted(RelationalModel.load(model_dir), str(previous.parent.name))
        except ModelError as error:
            shutil.rmtree(model_dir)
            run_logger().warning("not reusing %s: %s; retraining", previous, error)
    model = RelationalModel(job.model.name, {"seed": job.seed, **job.model.params})
    model.fit(Checked(train, train.keys.parents_first()), progress=log_table, parallel=True)
    model.save(model_dir)
    run_logger().info("fitted %d table models", len(model.models))
    return Fitted(model)


def log_table(name: str) -> None:
    """Say which table the model is fitting."""
    run_logger().info("fitting table %s", name)


def sample(model: RelationalModel, job: Job) -> dict[str, pd.DataFrame]:
    """The drawn database: ``scale`` root rows per training root row, children following."""
    drawn = model.sample(job.relational.scale if job.relational else 1.0, seed=job.seed)
    run_logger().info("drew %s", ", ".join(f"{n} {len(t)}" for n, t in drawn.items()))
    return drawn


def gate(drawn, train: Database, held, model: RelationalModel, job: Job):
    """The database privacy gate (``synth.relational.privacy``)."""
    kept, verdict = database_gate(drawn, train, held, model, job.privacy, entity=entity_root(train),
                                  seed=job.seed)  # fmt: skip
    run_logger().info("%s (%d checks)", verdict.summary(), len(verdict.checks))
    return kept, verdict


def validate_output(drawn, suites: dict, model: RelationalModel, docs: DocsSite | None) -> Validation:
    """Every drawn table against its input's suite, every table's rules, and every key."""
    modelled = {name: drawn[name] for name in suites}
    frames = {name: training_frame(layout, drawn, model.keys) for name, layout in model.layout.items()}
    rules = {name: m.schema.rules for name, m in model.models.items()}
    parts = [
        validate_tables(modelled, suites, docs, "output", drawn=True),
        validate_database_rules(frames, rules, docs),
        validate_keys(drawn, model.keys, docs),
    ]
    outcomes = [o for part in parts for o in part.outcomes]
    result = Validation("database", all(p.success for p in parts), outcomes, parts[0].docs)
    run_logger().info("output validation: %d expectations, %d failed", len(outcomes), len(result.failed))
    return result


def evaluate(train: Database, drawn: dict[str, pd.DataFrame], job: Job) -> dict:
    """Per table (shapes, trends, detection), per key (integrity, children-per-parent shape)
    and across tables (trends between a parent's columns and its children's aggregates).
    """
    keys = train.keys
    return {
        "tables": table_scores(train.tables, drawn, keys, seed=job.seed),
        "integrity": referential_integrity(drawn, keys),
        "children_shapes": cardinality_shapes(train.tables, drawn, keys),
        "cross_table_trends": cross_table_trends(train.tables, drawn, keys),
    }


def floor(figures: dict, job: Job) -> list[Check]:
    """The floor per table: its detection score must reach the job's ``detection_min``."""
    if not job.quality.enabled:
        return []
    checks = []
    for name, scores in figures["tables"].items():
        found = quality_checks(scores, detection_min=job.quality.detection_min, tstr_lift_min=0.0)
        checks += [replace(check, name=f"{name}: {check.name}") for check in found]
    failed = [c.name for c in checks if not c.passed]
    run_logger().info("quality floor: %d checks, failed: %s", len(checks), ", ".join(failed) or "none")
    return checks


def rows_record(database: Database, train: Database, held: dict, drawn: dict) -> dict[str, int]:
    """The manifest's ``rows``: per table, rows read, trained on, held out and published."""
    out = {}
    for name, frame in database.tables.items():
        out[f"{name}: input"] = len(frame)
        if name in held and name not in database.keys.reference:
            out |= {f"{name}: train": len(train.tables[name]), f"{name}: holdout": len(held[name]),
                    f"{name}: synthetic": len(drawn[name])}  # fmt: skip
    return out


def model_record(fitted: Fitted) -> dict:
    """The manifest's ``model``: the table model, its parameters, reuse and each table's history."""
    model = fitted.model
    training = {name: {k: v for k, v in (m.history or {}).items() if isinstance(v, int | float)}
                for name, m in model.models.items()}  # fmt: skip
    return {"name": f"relational ({model.table_model} per table)", "params": model.params,
            "reused_from": fitted.reused_from, "training": training}  # fmt: skip


def flat(figures: dict) -> dict[str, float]:
    """The evaluation's figures as one level (``loan: detection``, ``children shape: loan.account_id``)."""
    out = {f"{table}: {name}": value for table, scores in figures["tables"].items()
           for name, value in scores.items() if name != "detection_rows"}  # fmt: skip
    for section, label in (("integrity", "integrity"), ("children_shapes", "children shape"),
                           ("cross_table_trends", "cross-table trends")):  # fmt: skip
        out |= {f"{label}: {key}": value for key, value in figures[section].items()}
    return out
