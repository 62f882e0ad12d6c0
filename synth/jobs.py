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
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from synth.errors import JobError
from synth.io.read import Source, mask_url
from synth.limits import MAX_ROWS, MAX_SEED
from synth.models.base import MODEL_NAMES, TABULAR_MODELS, is_entity_model
from synth.privacy.gate import PrivacyConfig
from synth.schema import ColumnOverride, Kind


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InputSpec(_Strict):
    """A source: a CSV/Parquet path, or a SQLAlchemy URL with ``table`` or ``query``."""

    path: str
    table: str | None = None
    query: str | None = None
    encoding: str = "utf-8"
    date_format: Literal["dayfirst", "monthfirst"] = Field(
        default="dayfirst", description="how ambiguous numeric dates such as 03/04/1995 are read"
    )

    def source(self) -> Source:
        """The reader's view of this input."""
        return Source(self.path, self.table, self.query, self.encoding, self.date_format)

    @field_serializer("path", when_used="json")
    def _without_password(self, path: str) -> str:
        """Manifests and Prefect's stored parameters (JSON dumps) never hold a password."""
        return mask_url(path)


class ModelSpec(_Strict):
    """Which model, and its parameters (e.g. ``epochs``)."""

    name: str
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in MODEL_NAMES:
            raise ValueError(f"unknown model '{name}'; choose one of: {', '.join(MODEL_NAMES)}")
        return name


class ColumnSpec(_Strict):
    """Overrides for one column."""

    kind: Kind | None = None
    pii: str | None = None


class SchemaSpec(_Strict):
    """Schema overrides: per-column kinds and identifier flags, and columns to drop."""

    columns: dict[str, ColumnSpec] = Field(default_factory=dict)
    drop: list[str] = Field(default_factory=list)

    def overrides(self) -> dict[str, ColumnOverride]:
        """As the schema module takes them."""
        return {k: ColumnOverride(kind=v.kind, pii=v.pii) for k, v in self.columns.items()}


class ValidationSpec(_Strict):
    """Which expectation suite guards the input and the output."""

    suite: str | None = Field(
        default=None, description="name in expectations/ or a JSON path; default: profile the input"
    )
    output: bool = True


class RuleSpec(_Strict):
    """A rule a job declares; fitted on the training rows and checked to hold there."""

    kind: str
    columns: list[str]
    op: Literal["*", "+"] | None = None
    value: Any = None


class RulesSpec(_Strict):
    """Which rules a run keeps: mined ones (``mine``), less ``drop`` (names), plus ``add``."""

    mine: bool = True
    drop: list[str] = Field(default_factory=list)
    add: list[RuleSpec] = Field(default_factory=list)

    def declared(self) -> list[dict[str, Any]]:
        """The added rules as plain dicts (unset options left out)."""
        return [spec.model_dump(exclude_none=True) for spec in self.add]


class QualitySpec(_Strict):
    """The quality floor: below it nothing is published."""

    detection_min: float = Field(
        default=0.5, ge=0, le=1, description="1 - (2 * max(AUC, 0.5) - 1) of a real-vs-synthetic classifier"
    )
    tstr_lift_min: float = Field(
        default=0.7, ge=0, le=1, description="(TSTR AUC - 0.5) / (real AUC - 0.5), when a target is named"
    )
    enabled: bool = True


class AugmentSpec(_Strict):
    """An ``augment`` job: which classes of which column to boost, and the lift report."""

    target: str
    balance: bool = False
    ratio: dict[str, float] | None = None
    add: int | None = Field(default=None, gt=0)
    lift: bool = True
    seeds: int = Field(default=3, ge=1, le=20)
    precision_at: float = Field(default=0.5, gt=0, lt=1)

    @model_validator(mode="after")
    def _one_mode(self) -> AugmentSpec:
        if sum([self.balance, bool(self.ratio), self.add is not None]) != 1:
            raise ValueError("choose exactly one of balance, ratio or add")
        return self


class SimulateSpec(_Strict):
    """A ``simulate`` job: seeded stress scenarios of the fitted model, on Dask."""

    scenarios: int = Field(gt=0)
    rows: int = Field(gt=0)
    stress: list[str] = Field(default_factory=list)
    metrics: dict[str, str] = Field(default_factory=dict, description="name -> 'agg: expression'")
    workers: int = Field(default=2, ge=1)
    scheduler: str | None = Field(default=None, description="address of an existing Dask scheduler")
    chunk_rows: int = Field(default=200_000, gt=0)


class CreditDefaultSpec(_Strict):
    """Which column marks a defaulted loan, and its value."""

    column: str
    value: str = "yes"


class CreditSpec(_Strict):
    """A ``credit`` job: correlated portfolio losses of a loan book (synth.credit)."""

    portfolio: Literal["real", "synthetic"] = Field(
        default="real",
        description="real: figures only, nothing written; synthetic: a book drawn from the model",
    )
    book_rows: int | None = Field(default=None, gt=0, le=MAX_ROWS, description="synthetic book size")
    scenarios: int = Field(default=10_000, gt=0, le=10_000_000)
    default: CreditDefaultSpec
    ead: str | float = Field(description="exposure at default: a column or a constant")
    lgd: str | float = Field(default=1.0, description="loss given default: a column or a constant")
    segment: str | None = Field(default=None, description="column of the segments losses are split by")
    pd: str | float = Field(
        default="model", description="'model' (fitted on the book), a column or a constant"
    )
    correlation: float | None = Field(default=None, ge=0, lt=1, description="asset correlation, if given")
    estimate_by: str | None = Field(
        default=None, description="column to estimate the correlation by (vintage)"
    )
    factor_correlation: float = Field(
        default=1.0, ge=0, le=1, description="1: one factor; below: per segment"
    )
    downturn_years: float | None = Field(default=None, gt=1, description="stress: a 1-in-N-year downturn")
    factor_shift: float = Field(default=0.0, description="stress: the factor's mean, in standard deviations")
    pd_multiplier: dict[str, float] = Field(default_factory=dict, description="stress: segment -> PD factor")
    stress: list[str] = Field(default_factory=list, description="synthetic books: composition stresses")
    books: int = Field(default=1, ge=1, le=1000, description="synthetic books; scenario k uses book k mod N")
    write_book: bool = False
    workers: int = Field(default=1, ge=1)
    scheduler: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> CreditSpec:
        synthetic_only = self.stress or self.write_book or self.book_rows or self.books > 1
        if self.portfolio == "real" and synthetic_only:
            raise ValueError("stress, books, book_rows and write_book are for synthetic portfolios")
        return self


class SequentialSpec(_Strict):
    """A ``sequential`` job: entities and their ordered events."""

    entity_key: str
    time_column: str
    context: InputSpec | None = Field(default=None, description="one row per entity")
    entities: int | None = Field(default=None, gt=0, description="default: as many as trained on")

    @model_validator(mode="before")
    @classmethod
    def _context_shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("context"), str):
            data = {**data, "context": {"path": data["context"]}}
        return data


class Job(_Strict):
    """A ``synthesize`` job: read, infer, split, fit, sample, write."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    type: Literal["synthesize", "augment", "simulate", "sequential", "credit"] = "synthesize"
    input: InputSpec
    model: ModelSpec | None = None
    rows: int | None = Field(
        default=None, gt=0, le=MAX_ROWS, description="rows to sample; default: as many as trained on"
    )
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    holdout: float = Field(default=0.2, gt=0, lt=0.5)
    output: str | None = None
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
