"""Run an expectation suite on a table through a GX 1.x Checkpoint, keeping aggregates only.

Results use GX's ``BASIC`` format with ``partial_unexpected_count = 0`` and are then stripped of
any list of unexpected values, so neither ``manifest.json`` nor the Data Docs built from them
copy raw values of real data: counts and percentages only.

Data Docs go to one site per job output (:class:`DocsSite`), kept across runs: each run's pages
are named by its run id, and the site's index lists every run, so a job's history is one page.
"""

from __future__ import annotations

import contextlib
import fcntl
import html
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from synth.validation.docs import make_offline, remove_runs, write_index

RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0}
_VALUE_KEYS = {
    "partial_unexpected_list",
    "partial_unexpected_index_list",
    "partial_unexpected_counts",
    "unexpected_list",
    "unexpected_index_list",
    "unexpected_index_query",
    "details",
}


@dataclass(frozen=True)
class DocsSite:
    """A job's Data Docs site (``root``), shared by its runs; ``run_name`` names this run's pages."""

    root: Path
    run_name: str
    title: str = "validation history"

    @property
    def index(self) -> Path:
        """The site's front page: every validation of every run, newest first."""
        return self.root / "index.html"

    def page(self, suite_name: str) -> Path | None:
        """This run's page for the GX suite ``suite_name`` (None before it is written)."""
        pages = sorted((self.root / "validations" / suite_name / self.run_name).rglob("*.html"))
        return pages[-1] if pages else None


@dataclass
class Outcome:
    """One expectation's verdict, without values."""

    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None = None
    unexpected_percent: float | None = None

    def line(self) -> str:
        """One line for a failed expectation."""
        where = f"column '{self.column}': " if self.column else ""
        share = (
            f" ({self.unexpected_count} rows, {self.unexpected_percent:.2f} %)"
            if self.unexpected_count is not None and self.unexpected_percent is not None
            else ""
        )
        return f"{where}{self.expectation} failed{share}"


@dataclass
class Validation:
    """A suite's verdict on one table."""

    suite: str
    success: bool
    outcomes: list[Outcome] = field(default_factory=list)
    docs: Path | None = None

    @property
    def failed(self) -> list[Outcome]:
        """The failed expectations."""
        return [o for o in self.outcomes if not o.success]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (aggregates only)."""
        return {
            "suite": self.suite,
            "success": self.success,
            "evaluated": len(self.outcomes),
            "failed": [vars(o) for o in self.failed],
            "docs": str(self.docs) if self.docs else None,
        }


def validate_frame(
    frame: pd.DataFrame,
    suite,
    *,
    docs: DocsSite | None = None,
    skip: tuple[str, ...] = (),
    allow: tuple[str, ...] = (),
    label: str = "table",
) -> Validation:
    """Validate ``frame`` against a loaded ``ExpectationSuite`` with a Checkpoint.

    ``skip`` drops expectation types (e.g. the row count, for synthetic tables whose size is
    asked for); ``allow`` adds values to every value set (the privacy gate's ``<rare>`` token).
    With ``docs``, this validation's page joins that Data Docs site.
    """
    if docs is None:
        return _validate(frame, suite, None, skip, allow, label)
    with _locked(docs.root):  # runs of one job may validate at the same time
        started = time.time() - 1
        result = _validate(frame, suite, docs, skip, allow, label)
        make_offline(docs.root, since=started)
        write_index(docs.root, docs.title)
    return result


def forget_runs(root: Path, run_names: set[str], title: str) -> int:
    """Remove the runs ``run_names`` from the Data Docs site at ``root``, pages and stored results,
    and write its index again; returns how many folders went. Under the site's lock, so a run
    validating meanwhile neither loses a page nor lists a removed one.
    """
    if not run_names or not Path(root).is_dir():
        return 0
    with _locked(Path(root)):
        removed = remove_runs(root, run_names)
        if removed:
            write_index(root, title)
    return removed


def _validate(frame: pd.DataFrame, suite, docs: DocsSite | None, skip, allow, label: str) -> Validation:
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    context = _context(docs)
    aliases = _html_safe_names(frame.columns)
    frame = frame.rename(columns=aliases) if aliases else frame
    kept = [
        _renamed(_allowing(e.configuration, allow), aliases)
        for e in suite.expectations
        if e.expectation_type not in skip
    ]
    run_suite = _replace_suite(context, gx.ExpectationSuite(name=f"{suite.name}-{label}", expectations=kept))
    asset = context.data_sources.add_pandas("synth").add_dataframe_asset(name=label)
    batch = asset.add_batch_definition_whole_dataframe("whole")
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(data=batch, suite=run_suite, name=f"{label}-validation")
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"{label}-checkpoint",
            validation_definitions=[definition],
            result_format=RESULT_FORMAT,
        )
    )
    run_id = RunIdentifier(run_name=docs.run_name if docs else f"{suite.name}-{label}")  # not "__none__"
    run = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run_id)
    if docs is not None:
        _build_pages(context, docs, run, run_suite.name)
    original = {alias: name for name, alias in aliases.items()}
    outcomes = [_outcome(result, original) for result in next(iter(run.run_results.values())).results]
    page = docs.page(run_suite.name) if docs is not None else None
    return Validation(suite.name, bool(run.success), outcomes, page)


def _context(docs: DocsSite | None):
    """An ephemeral GX context, analytics off whatever the environment says. With ``docs``,
    its suites and results are kept in the site's ``.store/`` (counts only, see the module
    docstring), because GX's site builder deletes the pages of results its context does not hold.
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import DataContextConfig, InMemoryStoreBackendDefaults

    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    stores = dict(defaults.stores)
    if docs is not None:
        for name, kind in (
            ("expectations_store", "expectations"),
            ("validation_results_store", "validations"),
        ):
            base = str((docs.root / ".store" / kind).resolve())
            backend = {"class_name": "TupleFilesystemStoreBackend", "base_directory": base}
            stores[name] = {**stores[name], "store_backend": backend}
    config = DataContextConfig(store_backend_defaults=defaults, stores=stores, analytics_enabled=False)
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.variables.progress_bars = {"globally": False}
    return context


class _locked:
    """An exclusive lock on a site folder while GX writes its pages and index."""

    def __init__(self, root: Path) -> None:
        Path(root).mkdir(parents=True, exist_ok=True)
        self.handle = open(root / ".lock", "w")  # noqa: SIM115

    def __enter__(self) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_EX)

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _replace_suite(context, suite):
    """``suite`` in the context's store, in place of one of its name.

    Not GX's ``add_or_update``: to keep the IDs of unchanged expectations it compares each new
    expectation with every stored one: 1.7 s of a validation of the demo's 62 profiled expectations
    (profiled beside a CI run) on a site that already holds the suite, every run after a job's
    first (docs/benchmarks.md). Expectation IDs are not used here.
    """
    from great_expectations.exceptions import DataContextError

    with contextlib.suppress(DataContextError):  # none stored yet
        context.suites.delete(name=suite.name)
    return context.suites.add(suite)


def _build_pages(context, docs: DocsSite, run, suite_name: str) -> None:
    """This validation's page and its suite's page in the job's Data Docs site.

    Without GX's index page: its builder reads back every result the site keeps, at every
    validation, so a nightly job's validations grew slower with each run it had made
    (docs/benchmarks.md). The site's index is ours (:func:`write_index`).
    """
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    backend = {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(Path(docs.root).resolve())}
    site = {"class_name": "SiteBuilder", "store_backend": backend}
    context.add_data_docs_site(site_name="job", site_config=site)
    context.build_data_docs(
        site_names=["job"],
        resource_identifiers=[*run.run_results, ExpectationSuiteIdentifier(name=suite_name)],
        build_index=False,
    )


def _outcome(result, original: dict[str, str]) -> Outcome:
    """One expectation's verdict with counts only: its details' values are stripped."""
    details = _strip_values(dict(result.result or {}))
    config = result.expectation_config
    return Outcome(
        config.type,
        _column_of(config.kwargs, original),
        bool(result.success),
        details.get("unexpected_count"),
        details.get("unexpected_percent"),
    )


def _column_of(kwargs, original: dict[str, str]) -> str | None:
    """The column an outcome is about (``A, B`` for pair expectations), by its real name."""
    names = [kwargs.get(k) for k in _COLUMN_KEYS if kwargs.get(k) is not None]
    return ", ".join(original.get(n, n) for n in names) or None


def _allowing(config, allow: tuple[str, ...]):
    if not allow or config.type != "expect_column_values_to_be_in_set":
        return config
    kwargs = dict(config.kwargs)
    kwargs["value_set"] = [*kwargs["value_set"], *allow]
    return {"type": config.type, "kwargs": kwargs, "meta": dict(config.meta or {})}


_COLUMN_KEYS = ("column", "column_A", "column_B")
_COLUMN_LIST_KEYS = ("column_list", "column_set")


def _html_safe_names(columns) -> dict[str, str]:
    """Column names that GX's Data Docs would write into HTML unescaped, with escaped aliases.

    GX renders a column name into its pages as markup, so a column called ``<script>…`` would
    run in a reader's browser. Validation runs on escaped names instead (the page then shows
    the name as text); outcomes are reported under the real names.
    """
    return {str(c): html.escape(str(c)) for c in columns if html.escape(str(c)) != str(c)}


def _renamed(config, aliases: dict[str, str]):
    if not aliases:
        return config
    if not isinstance(config, dict):
        config = {"type": config.type, "kwargs": dict(config.kwargs), "meta": dict(config.meta or {})}
    kwargs = dict(config["kwargs"])
    for key in _COLUMN_KEYS:
        if key in kwargs:
            kwargs[key] = aliases.get(kwargs[key], kwargs[key])
    for key in _COLUMN_LIST_KEYS:
        if key in kwargs:
            kwargs[key] = [aliases.get(c, c) for c in kwargs[key]]
    return {**config, "kwargs": kwargs}


def _strip_values(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in _VALUE_KEYS}
