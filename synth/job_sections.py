"""The sections of a job file that only one job type reads (``augment:``, ``simulate:``,
``credit:``, ``sequential:``, ``relational:``), kept beside :mod:`synth.jobs` so that each
stays readable in one sitting. Unknown keys are errors, as everywhere in a job.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from synth.io.read import Source, mask_url
from synth.limits import MAX_ROWS


class Strict(BaseModel):
    """A section whose unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class InputSpec(Strict):
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


class AugmentSpec(Strict):
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


class SimulateSpec(Strict):
    """A ``simulate`` job: seeded stress scenarios of the fitted model, on Dask."""

    scenarios: int = Field(gt=0)
    rows: int = Field(gt=0)
    stress: list[str] = Field(default_factory=list)
    metrics: dict[str, str] = Field(default_factory=dict, description="name -> 'agg: expression'")
    workers: int = Field(default=2, ge=1)
    scheduler: str | None = Field(default=None, description="address of an existing Dask scheduler")
    chunk_rows: int = Field(default=200_000, gt=0)


class CreditDefaultSpec(Strict):
    """Which column marks a defaulted loan, and its value."""

    column: str
    value: str = "yes"


class CreditSpec(Strict):
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


class SequentialSpec(Strict):
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


class RelationalSpec(Strict):
    """A ``relational`` job: a whole database, its keys and what to do with keyless rows.

    The keys file is ``keys_file`` in Python: a field named ``keys`` would shadow the mapping
    protocol that Prefect uses to walk a flow's parameters.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    keys_file: str | None = Field(
        default=None, alias="keys", description="keys file (YAML); default: catalog, else detected"
    )
    db_schema: str | None = Field(default=None, description="database schema to read (URLs only)")
    orphans: Literal["drop", "keep", "fail"] = Field(
        default="drop", description="child rows whose key points at no parent row"
    )
    scale: float = Field(default=1.0, gt=0, le=100, description="root rows drawn per training root row")
    target_url: str | None = Field(default=None, description="also write the tables into this database")
    target_schema: str | None = None

    @field_serializer("target_url", when_used="json")
    def _without_password(self, url: str | None) -> str | None:
        return mask_url(url) if url else url
