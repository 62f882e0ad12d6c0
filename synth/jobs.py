"""Typed job files. A job names its input, model, row count, seed and output; unknown keys are
errors, and every error is one line that names the file and the key.

Relative paths in a job file are resolved against the job file's folder, so a job runs the same
from anywhere; ``output`` defaults to ``output/<name>`` under the current directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from synth.errors import JobError
from synth.job_sections import (
    AugmentSpec,
    CreditSpec,
    InputSpec,
    RelationalSpec,
    SequentialSpec,
    SimulateSpec,
    Strict,
)
from synth.limits import MAX_ROWS, MAX_SEED
from synth.models.base import MODEL_NAMES, TABULAR_MODELS, is_entity_model
from synth.privacy.gate import PrivacyConfig
from synth.schema import ColumnOverride, Kind


class ModelSpec(Strict):
    """Which model, and its parameters (e.g. ``epochs``)."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in MODEL_NAMES:
            raise ValueError(f"unknown model '{name}'; choose one of: {', '.join(MODEL_NAMES)}")
        return name


class ColumnSpec(Strict):
    """Overrides for one column."""

    kind: Kind | None = None
    pii: str | None = None


class SchemaSpec(Strict):
    """Schema overrides: per-column kinds and identifier flags, and columns to drop."""

    columns: dict[str, ColumnSpec] = Field(default_factory=dict)
    drop: list[str] = Field(default_factory=list)

    def overrides(self) -> dict[str, ColumnOverride]:
        """As the schema module takes them."""
        return {k: ColumnOverride(kind=v.kind, pii=v.pii) for k, v in self.columns.items()}


class ValidationSpec(Strict):
    """Which expectation suite guards the input and the output."""

    suite: str | None = Field(
        default=None, description="name in expectations/ or a JSON path; default: profile the input"
    )
    output: bool = True


class RuleSpec(Strict):
    """A rule a job declares; fitted on the training rows and checked to hold there."""

    kind: str
    columns: list[str]
    op: Literal["*", "+"] | None = None
    value: Any = None


class RulesSpec(Strict):
    """Which rules a run keeps: mined ones (``mine``), less ``drop`` (names), plus ``add``."""

    mine: bool = True
    drop: list[str] = Field(default_factory=list)
    add: list[RuleSpec] = Field(default_factory=list)

    def declared(self) -> list[dict[str, Any]]:
        """The added rules as plain dicts (unset options left out)."""
        return [spec.model_dump(exclude_none=True) for spec in self.add]


class QualitySpec(Strict):
    """The quality floor: below it nothing is published."""

    detection_min: float = Field(
        default=0.5, ge=0, le=1, description="1 - (2 * max(AUC, 0.5) - 1) of a real-vs-synthetic classifier"
    )
    tstr_lift_min: float = Field(
        default=0.7, ge=0, le=1, description="(TSTR AUC - 0.5) / (real AUC - 0.5), when a target is named"
    )
    enabled: bool = True


class Job(Strict):
    """A ``synthesize`` job: read, infer, split, fit, sample, write."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    type: Literal["synthesize", "augment", "simulate", "sequential", "credit", "relational"] = "synthesize"
    input: InputSpec
    model: ModelSpec | None = None
    rows: int | None = Field(
        default=None, gt=0, le=MAX_ROWS, description="rows to sample; default: as many as trained on"
    )
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    holdout: float = Field(default=0.2, gt=0, lt=0.5)
    output: str | None = None
    keep_runs: int | None = Field(
        default=None, ge=1, description="newest published (and quarantined) runs kept; default: every run"
    )
    schema_: SchemaSpec = Field(default_factory=SchemaSpec, alias="schema")
    privacy: PrivacyConfig = Field(default_factory=PrivacyConfig)
    validation: ValidationSpec = Field(default_factory=ValidationSpec)
    rules: RulesSpec = Field(default_factory=RulesSpec)
    quality: QualitySpec = Field(default_factory=QualitySpec)
    target: str | None = Field(default=None, description="column for the TSTR figure in the report")
    augment: AugmentSpec | None = None
    simulate: SimulateSpec | None = None
    sequential: SequentialSpec | None = None
    credit: CreditSpec | None = None
    relational: RelationalSpec | None = None
    schedule: str | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            if isinstance(data.get("input"), str):
                data["input"] = {"path": data["input"]}
            if isinstance(data.get("model"), str):
                data["model"] = {"name": data["model"]}
        return data

    @model_validator(mode="after")
    def _type_has_its_section(self) -> Job:
        if self.schedule is not None:
            from prefect.client.schemas.schedules import CronSchedule

            try:
                CronSchedule(cron=self.schedule)
            except ValueError:
                raise ValueError(f"schedule '{self.schedule}' is not a valid cron expression") from None
        if (self.type == "credit") != (self.credit is not None):
            raise ValueError("a credit job needs a 'credit:' section, and only it reads one")
        if self.type == "augment" and self.augment is None:
            raise ValueError("an augment job needs an 'augment:' section (target and a mode)")
        if self.augment is not None and self.type != "augment":
            raise ValueError("'augment:' is only read by jobs of type augment")
        if self.type == "simulate" and self.simulate is None:
            raise ValueError("a simulate job needs a 'simulate:' section (scenarios, rows, metrics)")
        if (self.type == "sequential") != (self.sequential is not None):
            raise ValueError("a sequential job needs a 'sequential:' section, and only it reads one")
        if self.relational is not None and self.type != "relational":
            raise ValueError("'relational:' is only read by jobs of type relational")
        if self.type == "relational" and self.model is not None and self.model.name != "vae":
            raise ValueError("a relational job draws each table given its parent's row: model vae")
        if self.type == "relational" and self.validation.suite:
            raise ValueError("validation.suite: a relational job profiles a suite per table")
        needs_model = self.type != "credit" or self.credit.portfolio == "synthetic"
        if needs_model and self.model is None:
            raise ValueError("model: this job needs a model (e.g. model: vae)")
        if self.model is not None and (self.type == "sequential") != is_entity_model(self.model.name):
            raise ValueError("model 'sequence' is for sequential jobs, which need it")
        return self

    @field_validator("output")
    @classmethod
    def _inside_working_folder(cls, output: str | None) -> str | None:
        if output is None or Path(output).is_absolute():
            return output
        resolved = (Path.cwd() / output).resolve()
        if not resolved.is_relative_to(Path.cwd().resolve()):
            raise ValueError(
                f"'{output}' leads outside the working folder; give an absolute path to write there"
            )
        return output

    def output_dir(self) -> Path:
        """Where this job's runs go."""
        return Path(self.output or Path("output") / self.name)

    def check_columns(self, columns: list[str], where: str) -> None:
        """Columns the job names (target, privacy secret) must be in the input."""
        named = {"target": self.target, "privacy.secret": self.privacy.secret}
        if self.augment is not None:
            named["augment.target"] = self.augment.target
        for key, column in named.items():
            if column is not None and column not in columns:
                raise JobError(f"{where}: {key}: column '{column}' is not in the input")


MAX_JOB_BYTES = 256 * 1024
MAX_ALIASES = 32


class _TooManyAliases(Exception):
    pass


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader with a cap on aliases: a few hundred bytes of nested anchors
    (a "billion laughs") otherwise expand to gigabytes when the job is validated.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases_seen = getattr(self, "aliases_seen", 0) + 1
            if self.aliases_seen > MAX_ALIASES:
                raise _TooManyAliases
        return super().compose_node(parent, index)


def load_job(path: str | Path) -> Job:
    """Read and validate a job file; relative input paths resolve against its folder."""
    path = Path(path)
    if not path.is_file():
        raise JobError(f"{path}: no such job file")
    if path.stat().st_size > MAX_JOB_BYTES:
        raise JobError(f"{path}: a job file is at most {MAX_JOB_BYTES // 1024} KiB")
    try:
        payload = yaml.load(path.read_text(), Loader=_BoundedLoader)  # noqa: S506 - a SafeLoader
    except _TooManyAliases:
        raise JobError(
            f"{path}: more than {MAX_ALIASES} YAML aliases (*name); write the values out"
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise JobError(f"{path}: not valid YAML{where}") from None
    if not isinstance(payload, dict):
        raise JobError(f"{path}: a job file must be a mapping of keys to values")
    job = parse_job(payload, where=str(path))
    suite = job.validation.suite
    if suite and (suite.endswith(".json") or "/" in suite) and not Path(suite).is_absolute():
        job.validation.suite = str(path.parent / suite)
    inputs = [job.input] + ([job.sequential.context] if job.sequential and job.sequential.context else [])
    for spec in inputs:
        spec.path = _resolve(spec.path, path.parent)
    if job.relational is not None and job.relational.keys_file:
        job.relational.keys_file = _resolve(job.relational.keys_file, path.parent)
    return job


def _resolve(location: str, folder: Path) -> str:
    """A job's relative paths (and relative SQLite files) are relative to the job file."""
    if not location.startswith(("sqlite:", "postgresql", "postgres:", "mysql")):
        return location if Path(location).is_absolute() else str((folder / location).resolve())
    if location.startswith("sqlite:///") and not location.startswith("sqlite:////"):
        return "sqlite:///" + str(folder / location[len("sqlite:///") :])
    return location


def parse_job(payload: dict[str, Any], *, where: str = "job") -> Job:
    """Validate a job given as a dict; errors name the key."""
    try:
        job = Job.model_validate(payload)
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        raise JobError(f"{where}: {key}: {message}") from None
    _check_model_params(job, where)
    return job


def _check_model_params(job: Job, where: str) -> None:
    """Build the job's model once, unfitted, so a bad parameter fails before any flow starts."""
    from synth import models
    from synth.errors import ModelError

    if job.model is None or job.model.name not in TABULAR_MODELS:
        return
    try:
        models.build(job.model.name, **{"seed": job.seed, **job.model.params})
    except ModelError as err:
        raise JobError(f"{where}: model.params: {err}") from None
