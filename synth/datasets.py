"""Named real datasets for the benchmark and demos: ``adult`` and ``berka-loans``.

They are read from the shared datasets folder (``$SYNTH_DATASETS``, else ``../shared/datasets``
beside the project) when present, else from the small samples bundled in ``data/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from synth import resources
from synth.errors import InputError
from synth.io import read

ROOT = resources.bundled("data").parent  # the folder holding the bundled data/


@dataclass(frozen=True)
class Dataset:
    """A named table and its default prediction target."""

    name: str
    frame: pd.DataFrame
    target: str | None
    source: str


def shared_folder() -> Path:
    """Where the shared real datasets live."""
    return Path(os.environ.get("SYNTH_DATASETS", ROOT.parent / "shared" / "datasets"))


def load_dataset(name: str) -> Dataset:
    """``adult``, ``berka-loans``, or a path to any CSV/Parquet file (target: none)."""
    if name == "adult":
        full = shared_folder() / "adult" / "adult.csv"
        path = full if full.exists() else ROOT / "data" / "adult_sample.csv"
        return Dataset("adult", read(path).frame, "income", str(path))
    if name == "berka-loans":
        return berka_loans()
    path = Path(name)
    if not path.exists():
        raise InputError(f"{name}: no such dataset (use adult, berka-loans, or a file path)")
    return Dataset(path.stem, read(path).frame, None, str(path))


def _berka(table: str) -> pd.DataFrame:
    path = shared_folder() / "berka" / f"{table}.asc"
    if not path.exists():
        raise InputError(f"{path}: no such file (the Berka dataset is not available here)")
    return pd.read_csv(path, sep=";", low_memory=False)


def _yymmdd(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype(int).astype(str).str.zfill(6), format="%y%m%d")


def berka_loans() -> Dataset:
    """Berka loans joined with their account and district; ``status`` in B/D is a default."""
    bundled = ROOT / "data" / "berka_loans.csv"
    if not (shared_folder() / "berka" / "loan.asc").exists() and bundled.exists():
        return Dataset("berka-loans", read(bundled).frame, "default", str(bundled))
    loans = _berka("loan").rename(columns={"date": "loan_date", "amount": "loan_amount"})
    accounts = _berka("account").rename(columns={"date": "account_date"})
    district = _berka("district").rename(
        columns={
            "A1": "district_id",
            "A3": "region",
            "A4": "inhabitants",
            "A10": "urban_ratio",
            "A11": "average_salary",
            "A13": "unemployment_96",
            "A14": "entrepreneurs_per_1000",
        }
    )[
        [
            "district_id",
            "region",
            "inhabitants",
            "urban_ratio",
            "average_salary",
            "unemployment_96",
            "entrepreneurs_per_1000",
        ]
    ]
    district["unemployment_96"] = pd.to_numeric(district["unemployment_96"], errors="coerce")
    frame = loans.merge(accounts, on="account_id").merge(district, on="district_id")
    frame["loan_date"] = _yymmdd(frame["loan_date"])
    frame["account_date"] = _yymmdd(frame["account_date"])
    frame["default"] = frame["status"].isin(["B", "D"]).map({True: "yes", False: "no"})
    frame = frame.drop(columns=["status", "district_id"])
    return Dataset("berka-loans", frame, "default", str(shared_folder() / "berka"))


@dataclass(frozen=True)
class EventDataset:
    """Events of entities, their context table, and the columns that tie them together."""

    name: str
    events: pd.DataFrame
    context: pd.DataFrame | None
    key: str
    time: str
    source: str


def load_event_dataset(
    name: str, context: str | None = None, key: str | None = None, time: str | None = None
) -> EventDataset:
    """``berka-trans`` (Berka transactions of accounts, the full 49,102 when the shared folder
    is present, else the bundled 200-account sample), or an events file with ``key``/``time``.
    """
    if name == "berka-trans":
        shared = shared_folder() / "berka"
        if (shared / "trans.asc").exists():
            events, ctx, source = _berka("trans"), _berka("account"), str(shared)
        else:
            events = read(ROOT / "data" / "berka_trans.csv").frame
            ctx = read(ROOT / "data" / "berka_accounts.csv").frame
            source = str(ROOT / "data" / "berka_trans.csv")
        return EventDataset(name, events, ctx, "account_id", "date", source)
    path = Path(name)
    if not path.exists():
        raise InputError(f"{name}: no such dataset (use berka-trans, or an events file path)")
    if not key or not time:
        raise InputError(f"{name}: an events file needs --entity-key and --time-column")
    frame = read(context).frame if context else None
    return EventDataset(path.stem, read(path).frame, frame, key, time, str(path))


BERKA_TABLES = ("district", "account", "client", "disp", "card", "loan", "order", "trans")
DISTRICT_COLUMNS = {
    "A1": "district_id", "A2": "district_name", "A3": "region", "A4": "inhabitants",
    "A5": "municipalities_under_500", "A6": "municipalities_500_1999", "A7": "municipalities_2000_9999",
    "A8": "municipalities_over_10000", "A9": "cities", "A10": "urban_ratio", "A11": "average_salary",
    "A12": "unemployment_95", "A13": "unemployment_96", "A14": "entrepreneurs_per_1000",
    "A15": "crimes_95", "A16": "crimes_96",
}  # fmt: skip


def berka_database(accounts: int | None = None, seed: int = 0) -> dict[str, pd.DataFrame]:
    """All 8 Berka tables from the shared folder, dates as dates and the district's columns
    named; with ``accounts``, that many accounts drawn with ``seed`` and every row tied to them
    (their dispositions, clients, cards, loans, orders and transactions; all districts).
    """
    tables = {name: _berka(name) for name in BERKA_TABLES}
    district = tables["district"].rename(columns=DISTRICT_COLUMNS)
    for column in ("unemployment_95", "crimes_95"):
        district[column] = pd.to_numeric(district[column], errors="coerce")
    tables["district"] = district
    for name, column in (("account", "date"), ("loan", "date"), ("trans", "date")):
        tables[name][column] = _yymmdd(tables[name][column])
    tables["card"]["issued"] = _yymmdd(tables["card"]["issued"].str[:6])
    if accounts is not None:
        tables["account"] = tables["account"].sample(n=accounts, random_state=seed).sort_values("account_id")
        kept = set(tables["account"]["account_id"])
        for name in ("disp", "loan", "order", "trans"):
            tables[name] = tables[name][tables[name]["account_id"].isin(kept)]
        tables["client"] = tables["client"][tables["client"]["client_id"].isin(tables["disp"]["client_id"])]
        tables["card"] = tables["card"][tables["card"]["disp_id"].isin(tables["disp"]["disp_id"])]
    return {name: frame.reset_index(drop=True) for name, frame in tables.items()}
