"""Readers for every source the pipeline accepts: CSV, Parquet (file or folder) and SQL.

Each reader returns a :class:`Table` (a DataFrame plus the identity of its source) or raises
:class:`~synth.errors.InputError` with one line naming the source and what is wrong. Sources are
only ever opened for reading.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synth.errors import InputError
from synth.io.fingerprint import file_fingerprint, frame_fingerprint
from synth.io.types import parse_text_columns

NA_MARKERS = ["?", "NA", "N/A", "null", "NULL", "None", ""]
_SQL_SCHEMES = ("sqlite:", "postgresql:", "postgresql+", "postgres:", "mysql:", "mysql+")


@dataclass(frozen=True)
class Source:
    """Where a table comes from: a path, or a SQLAlchemy URL with a table or a query."""

    location: str
    table: str | None = None
    query: str | None = None
    encoding: str = "utf-8"
    date_format: str = "dayfirst"  # how ambiguous numeric dates (03/04/1995) are read

    @property
    def is_sql(self) -> bool:
        """True for SQLAlchemy URLs (``sqlite:///…``, ``postgresql://…``)."""
        return self.location.startswith(_SQL_SCHEMES)

    def display(self) -> str:
        """The source as it may appear in messages and manifests (never a password)."""
        if not self.is_sql:
            return self.location
        return f"{mask_url(self.location)} ({'table ' + self.table if self.table else 'query'})"


_PASSWORD = re.compile(r"(://[^:/@?#]*:)[^@/?#]*@")
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def mask_url(location: str) -> str:
    """A location with any password in it replaced by ``***`` (URLs that do not parse too)."""
    return _PASSWORD.sub(r"\1***@", location)


def expand_credentials(location: str) -> str:
    """Replace ``${NAME}`` in a database URL with the environment variable ``NAME``.

    Credentials thus stay in the environment (or in libpq's own ``PGPASSWORD`` / ``.pgpass`` when
    the URL has no password): job files, manifests and Prefect's parameters hold the reference.
    """

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise InputError(f"{mask_url(location)}: environment variable {name} is not set")
        return quote(os.environ[name], safe="")

    return _ENV_REFERENCE.sub(value, location)


@dataclass
class Table:
    """A table read from a source, with the fingerprint that identifies its content."""

    frame: pd.DataFrame
    name: str
    fingerprint: str
    source: str
    notes: list[str] = field(default_factory=list)  # what was read other than as written


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
    return _read_csv(path, source.encoding, source.date_format)


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else path.open("rb")


def _encoding_error(path: Path, encoding: str) -> InputError | None:
    """The first byte (counted in the whole file) that is not valid ``encoding``, as an error."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with _open(path) as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as err:
                return InputError(
                    f"{path}: not valid {encoding} text (byte {offset + err.start:,}); re-encode "
                    f"the file as UTF-8 or name its encoding (--encoding, or input.encoding in a job)"
                )
            offset += len(chunk)
    return None


def _check_header(path: Path, head: str, delimiter: str) -> None:
    header = next(csv.reader([head.splitlines()[0] if head else ""], delimiter=delimiter), [])
    names = [h.strip() for h in header]
    seen = set()
    for name in names:
        if name in seen:
            raise InputError(f"{path}: column '{name}' appears twice in the header; rename one")
        seen.add(name)


def _read_csv(path: Path, encoding: str, date_format: str = "dayfirst") -> Table:
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty")
    try:
        with _open(path) as handle:
            head = handle.read(64 * 1024)
    except (OSError, EOFError):
        raise InputError(f"{path}: not a readable gzip file") from None
    try:
        head.decode(encoding)
    except UnicodeDecodeError as err:
        if err.start < len(head) - 4:  # a cut multi-byte character at the end is not an error
            raise _encoding_error(path, encoding) from None
    except LookupError:
        raise InputError(f"{path}: unknown text encoding '{encoding}'") from None
    delimiter = _sniff_delimiter(head.decode(encoding, errors="ignore"))
    _check_header(path, head.decode(encoding, errors="ignore"), delimiter)
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
    except UnicodeDecodeError:
        raise (_encoding_error(path, encoding) or InputError(f"{path}: not valid {encoding} text")) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file has no header and no rows") from None
    except pd.errors.ParserError as err:
        line = re.search(r"line (\d+)", str(err))
        where = f" at line {line.group(1)}" if line else ""
        raise InputError(f"{path}: not a well-formed CSV file{where}") from None
    if frame.empty:
        raise InputError(f"{path}: the file has a header but no rows")
    parsed = parse_text_columns(frame, f"{path}: ", date_format)
    return Table(parsed.frame, _table_name(path), file_fingerprint(path), str(path), parsed.notes)


def _sniff_delimiter(text: str) -> str:
    lines = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(lines, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


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
    _refuse_duplicates(arrow.column_names, str(path))
    frame = arrow.to_pandas()
    return Table(frame, _table_name(path), file_fingerprint(path), str(path))


def readonly_url(location: str):
    """The SQLAlchemy URL of ``location`` with its credentials expanded; a SQLite file is
    opened read-only, so reading never changes it.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(expand_credentials(location))
    except ArgumentError:
        raise InputError(f"{mask_url(location)}: not a valid database URL") from None
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database not in ("", ":memory:") and not Path(database).exists():
            raise InputError(f"{database}: no such SQLite database file")
        if database and database != ":memory:":
            url = url.set(database=f"file:{database}?mode=ro", query={"uri": "true"})
    return url


def sql_error(err: Exception, shown: str) -> InputError:
    """A database driver's error as one line naming the source (its first line, no traceback)."""
    first = str(getattr(err, "orig", err)).strip().splitlines()[0]
    return InputError(f"{shown}: {first}")


def _read_sql(source: Source) -> Table:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    if bool(source.table) == bool(source.query):
        raise InputError(f"{source.display()}: name exactly one of --table or --query")
    url = readonly_url(source.location)
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
        raise sql_error(err, shown) from None
    finally:
        if "engine" in locals():
            engine.dispose()
    if frame.columns.empty:
        raise InputError(f"{shown}: the result has no columns")
    _refuse_duplicates([str(c) for c in frame.columns], shown)
    if frame.empty:
        raise InputError(f"{shown}: the result has columns but no rows")
    name = source.table or "query"
    return Table(frame, name, frame_fingerprint(frame), shown)


def _refuse_duplicates(names: list[str], where: str) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise InputError(f"{where}: column '{name}' appears twice; rename one")
        seen.add(name)


def _table_name(path: Path) -> str:
    stem = path.name.split(".")[0] if path.is_file() else path.name
    return re.sub(r"[^0-9A-Za-z_]+", "_", stem) or "table"
