"""Readers for every source the pipeline accepts: CSV, Parquet (file or folder) and SQL.

Each reader returns a :class:`Table` (a DataFrame plus the identity of its source) or raises
:class:`~synth.errors.InputError` with one line naming the source and what is wrong. Sources are
only ever opened for reading.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synth.errors import InputError
from synth.io.fingerprint import file_fingerprint, frame_fingerprint

NA_MARKERS = ["?", "NA", "N/A", "null", "NULL", "None", ""]
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_SQL_SCHEMES = ("sqlite:", "postgresql:", "postgresql+", "postgres:", "mysql:", "mysql+")


@dataclass(frozen=True)
class Source:
    """Where a table comes from: a path, or a SQLAlchemy URL with a table or a query."""

    location: str
    table: str | None = None
    query: str | None = None
    encoding: str = "utf-8"

    @property
    def is_sql(self) -> bool:
        """True for SQLAlchemy URLs (``sqlite:///…``, ``postgresql://…``)."""
        return self.location.startswith(_SQL_SCHEMES)

    def display(self) -> str:
        """The source as it may appear in messages and manifests (never a password)."""
        if not self.is_sql:
            return self.location
        from sqlalchemy.engine import make_url

        url = make_url(self.location).render_as_string(hide_password=True)
        return f"{url} ({'table ' + self.table if self.table else 'query'})"


@dataclass
class Table:
    """A table read from a source, with the fingerprint that identifies its content."""

    frame: pd.DataFrame
    name: str
    fingerprint: str
    source: str


def read(source: Source | str | Path) -> Table:
    """Read a CSV file, a Parquet file or folder, or a SQL table/query into a :class:`Table`."""
    if not isinstance(source, Source):
        source = Source(str(source))
    if source.is_sql:
        return _read_sql(source)
    path = Path(source.location)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir() or path.suffix.lower() in {".parquet", ".pq"}:
        return _read_parquet(path)
    return _read_csv(path, source.encoding)


def _read_csv(path: Path, encoding: str) -> Table:
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    try:
        head.decode(encoding)
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # a cut multi-byte character at the end is not an error
            raise InputError(
                f"{path}: not valid {encoding} text (byte {err.start}); re-encode the file as "
                f"UTF-8 or name its encoding with --encoding"
            ) from None
    delimiter = _sniff_delimiter(head.decode(encoding, errors="ignore"))
    try:
        frame = pd.read_csv(
            path,
            sep=delimiter,
            skipinitialspace=True,
            na_values=NA_MARKERS,
            keep_default_na=True,
            encoding=encoding,
            encoding_errors="strict",
            low_memory=False,
        )
    except UnicodeDecodeError as err:
        raise InputError(
            f"{path}: not valid {encoding} text (byte {err.start}); re-encode the file as UTF-8 "
            f"or name its encoding with --encoding"
        ) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file has no header and no rows") from None
    except pd.errors.ParserError as err:
        line = re.search(r"line (\d+)", str(err))
        where = f" at line {line.group(1)}" if line else ""
        raise InputError(f"{path}: not a well-formed CSV file{where}") from None
    if frame.empty:
        raise InputError(f"{path}: the file has a header but no rows")
    frame = _parse_iso_datetimes(frame)
    return Table(frame, _table_name(path), file_fingerprint(path), str(path))


def _sniff_delimiter(text: str) -> str:
    lines = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(lines, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _parse_iso_datetimes(frame: pd.DataFrame) -> pd.DataFrame:
    """Turn text columns whose every value is an ISO-8601 date/time into datetimes."""
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object:
            continue
        values = column.dropna()
        if values.empty or not values.map(lambda v: isinstance(v, str)).all():
            continue
        if not values.str.match(_ISO_DATE).all():
            continue
        parsed = pd.to_datetime(column, format="ISO8601", errors="coerce", utc=False)
        if parsed.notna().sum() == len(values):
            frame[name] = parsed
    return frame


def _read_parquet(path: Path) -> Table:
    if path.is_dir() and not any(p.is_file() for p in path.rglob("*.parquet")):
        raise InputError(f"{path}: the folder holds no .parquet files")
    try:
        arrow = pq.read_table(path)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as err:
        reason = "the file is empty" if path.is_file() and path.stat().st_size == 0 else None
        raise InputError(f"{path}: {reason or 'not a readable Parquet file'}") from err
    if arrow.num_columns == 0:
        raise InputError(f"{path}: the Parquet data has no columns")
    if arrow.num_rows == 0:
        raise InputError(f"{path}: the Parquet data has columns but no rows")
    frame = arrow.to_pandas()
    return Table(frame, _table_name(path), file_fingerprint(path), str(path))


def _read_sql(source: Source) -> Table:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    if bool(source.table) == bool(source.query):
        raise InputError(f"{source.display()}: name exactly one of --table or --query")
    try:
        url = make_url(source.location)
    except ArgumentError:
        raise InputError(f"{source.location}: not a valid database URL") from None
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database not in ("", ":memory:") and not Path(database).exists():
            raise InputError(f"{database}: no such SQLite database file")
        if database and database != ":memory:":
            url = url.set(database=f"file:{database}?mode=ro", query={"uri": "true"})
    shown = source.display()
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            if source.table:
                frame = pd.read_sql_table(source.table, connection)
            else:
                frame = pd.read_sql_query(text(source.query), connection)
    except ValueError as err:
        raise InputError(f"{shown}: {err}") from None
    except SQLAlchemyError as err:
        first = str(getattr(err, "orig", err)).strip().splitlines()[0]
        raise InputError(f"{shown}: {first}") from None
    finally:
        if "engine" in locals():
            engine.dispose()
    if frame.columns.empty:
        raise InputError(f"{shown}: the result has no columns")
    if frame.empty:
        raise InputError(f"{shown}: the result has columns but no rows")
    name = source.table or "query"
    return Table(frame, name, frame_fingerprint(frame), shown)


def _table_name(path: Path) -> str:
    stem = path.name.split(".")[0] if path.is_file() else path.name
    return re.sub(r"[^0-9A-Za-z_]+", "_", stem) or "table"
