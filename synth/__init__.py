"""synth: faithful, privacy-checked, validated synthetic data from real tables.

One verb per stage, so a notebook needs nothing deeper (``synth.api`` says more)::

    table = synth.read("data/adult_sample.csv")
    train, holdout = synth.split(table.frame, holdout=0.2, seed=0)
    schema = synth.infer_schema(train, table=table.name)
    model = synth.fit(train, schema, model="vae", epochs=5)
    synthetic = synth.sample_table(model, 1000, seed=0)
    published, verdict = synth.gate(synthetic, train, holdout, schema)
    scores = synth.evaluate(train, published, schema)
"""

import os as _os

# Users' data jobs must not phone home: GX, Prefect and Hugging Face telemetry are off unless a
# user turns them on explicitly. Set before those packages are imported: they read it at import.
_os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
_os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
_os.environ.setdefault("DO_NOT_TRACK", "1")
_os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")  # the optional TabularARGN engine

from synth.api import augment, evaluate, fit, gate, simulate, validate  # noqa: E402
from synth.errors import GateFailed, InputError, JobError, ModelError, SchemaError, SynthError  # noqa: E402
from synth.io import read, write_parquet  # noqa: E402
from synth.models.registry import build, load, save  # noqa: E402
from synth.sampling import sample_table  # noqa: E402

sample = sample_table  # the verb of the sampling stage
from synth.schema import Schema, infer_schema  # noqa: E402
from synth.split import split  # noqa: E402

__all__ = [
    "augment",
    "evaluate",
    "fit",
    "gate",
    "simulate",
    "validate",
    "GateFailed",
    "InputError",
    "JobError",
    "ModelError",
    "Schema",
    "SchemaError",
    "SynthError",
    "build",
    "infer_schema",
    "load",
    "read",
    "sample",
    "sample_table",
    "save",
    "split",
    "write_parquet",
]
