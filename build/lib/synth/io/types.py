"""Text columns of a CSV that are really dates or numbers, parsed; what did not parse, said.

A CSV reader sees text. Left as text, a date column written ``31/12/1995``, an ISO date column
with one typo, or amounts with decimal commas become high-cardinality categories, and a model
learns nothing useful from them. Here a text column is converted when at least
:data:`PARSE_SHARE` of its values parse in one format; the values that did not parse become
missing, and a note names the column and the count (never the values).

Formats tried per column: ISO 8601 dates and times (time zones normalised to UTC when they are
mixed or present), day-first or month-first dates with ``/``, ``.`` or ``-`` (the order is taken
from the data: a first field above 12 means day first; ambiguous columns are read as the
``date_format`` option says, default day first), and decimal-comma numbers (``1.234,5``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

PARSE_SHARE = 0.9
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_TZ = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?(\d{1,3}(\.\d{3})+|\d+),\d+\s*$")
DATE_FORMATS = ("dayfirst", "monthfirst")


@dataclass
class Parsed:
    """The frame with converted columns, and one note per column that lost values."""

    frame: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def parse_text_columns(frame: pd.DataFrame, where: str, date_format: str = "dayfirst") -> Parsed:
    """Convert date-like and decimal-comma text columns of ``frame`` (a copy when any changes)."""
    notes: list[str] = []
    out = frame
    for name in frame.columns:
        column = frame[name]
        if column.dtype != object:
            continue
        text = column.dropna()
        if text.empty or not text.map(lambda v: isinstance(v, str)).all():
            continue
        text = text.str.strip()
        converted = _convert(text, date_format)
        if converted is None:
            continue
        values, what = converted
        lost = int(values.isna().sum())
        if out is frame:
            out = frame.copy()
        out[name] = values.reindex(frame.index)
        if lost:
            notes.append(
                f"{where}column '{name}': read as {what}; {lost} of {len(text)} values did not parse "
                "and are treated as missing"
            )
        elif what.startswith("dates (mixed"):
            notes.append(f"{where}column '{name}': read as {what}")
    return Parsed(out, notes)


def _convert(text: pd.Series, date_format: str) -> tuple[pd.Series, str] | None:
    iso = text.str.match(_ISO)
    if iso.mean() >= PARSE_SHARE:
        return _iso_dates(text.where(iso))
    dmy = text.str.extract(_DMY)
    if dmy[0].notna().mean() >= PARSE_SHARE:
        return _numeric_dates(text, dmy, date_format)
    comma = text.str.match(_DECIMAL_COMMA)
    if comma.mean() >= PARSE_SHARE:
        plain = text.where(comma).str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        return pd.to_numeric(plain, errors="coerce"), "numbers with decimal commas"
    return None


def _iso_dates(text: pd.Series) -> tuple[pd.Series, str]:
    zoned = text.str.contains(_TZ, na=False)
    if zoned.any():
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=True)
        mixed = bool((~zoned & text.notna()).any())
        what = (
            "dates (mixed time zones and local times; local times taken as UTC)" if mixed else "dates (UTC)"
        )
        return parsed, what
    return pd.to_datetime(text, format="ISO8601", errors="coerce"), "ISO dates"


def _numeric_dates(text: pd.Series, parts: pd.DataFrame, date_format: str) -> tuple[pd.Series, str]:
    first, second = pd.to_numeric(parts[0]), pd.to_numeric(parts[1])
    if (first > 12).any() and not (second > 12).any():
        dayfirst = True
    elif (second > 12).any() and not (first > 12).any():
        dayfirst = False
    else:
        dayfirst = date_format == "dayfirst"
    day, month = (first, second) if dayfirst else (second, first)
    stamp = pd.DataFrame({"year": pd.to_numeric(parts[2]), "month": month, "day": day})
    parsed = pd.to_datetime(stamp, errors="coerce")
    return parsed.set_axis(text.index), "dates (day first)" if dayfirst else "dates (month first)"
