"""Shared fixtures: small real samples from data/, and tiny model settings."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Model folders are signed with a per-installation key; the tests use a key of their own (which
# subprocesses inherit) rather than the user's ~/.config/synth/model.key.
os.environ["SYNTH_KEY_FILE"] = os.path.join(tempfile.mkdtemp(prefix="synth-test-key-"), "model.key")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared" / "datasets"
TINY_VAE = {"epochs": 4, "d_model": 32, "batch_size": 256, "patience": 10}


def file_digest(path: Path) -> str:
    """SHA-256 of a file, to prove inputs were not modified."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def adult_csv() -> Path:
    return DATA / "adult_sample.csv"


@pytest.fixture(scope="session")
def adult(adult_csv) -> pd.DataFrame:
    from synth.io import read

    return read(adult_csv).frame


@pytest.fixture(scope="session")
def adult_schema(adult):
    from synth.schema import infer_schema

    return infer_schema(adult, table="adult")


@pytest.fixture(scope="session")
def mixed_table(adult) -> pd.DataFrame:
    """A real Adult sample plus a column of every other kind: float with NaN, bool, datetime."""
    rng = np.random.default_rng(0)
    frame = adult.head(1200).copy()
    frame["hours_ratio"] = (frame["hours-per-week"] / 40).where(rng.random(len(frame)) > 0.1)
    frame["is_male"] = frame["sex"].eq("Male")
    frame["seen"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(frame["age"] * 7, unit="D")
    return frame


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    # no heartbeats, as on the command's temporary server (TemporaryServer.flow_settings): each
    # flow's end would wait out a second of the heartbeat thread's sleep
    with prefect_test_harness(server_startup_timeout=120):
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            yield


TINY_SEQUENCE = {"epochs": 3, "entity_epochs": 5, "d_model": 32, "patience": 10}


@pytest.fixture(scope="session")
def berka_events() -> tuple[pd.DataFrame, pd.DataFrame]:
    """60 accounts of the bundled Berka transactions sample, and their account rows."""
    from synth.io import read

    events = read(DATA / "berka_trans.csv").frame
    accounts = read(DATA / "berka_accounts.csv").frame
    keep = accounts["account_id"].head(60)
    return events[events["account_id"].isin(keep)].reset_index(drop=True), accounts


@pytest.fixture(scope="session")
def fitted_sequence(berka_events):
    """A tiny sequence model of the Berka sample (with its accounts as context)."""
    from synth.models.sequence import SequenceModel
    from synth.schema import ColumnOverride, Kind, infer_schema

    events, accounts = berka_events
    schema = infer_schema(events, table="trans", overrides={"account_id": ColumnOverride(kind=Kind.ID)})
    model = SequenceModel(entity_key="account_id", time_column="date", **TINY_SEQUENCE)
    model.fit(events, schema, context=accounts)
    return model, schema
