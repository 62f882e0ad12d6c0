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

from synth.api import augment, evaluate, fit, gate, simulate, validate
from synth.errors import GateFailed, InputError, JobError, ModelError, SchemaError, SynthError
from synth.io import read, write_parquet
from synth.models.registry import build, load, save
from synth.sampling import sample_table
from synth.schema import Schema, infer_schema
from synth.split import split

sample = sample_table  # the verb of the sampling stage

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
