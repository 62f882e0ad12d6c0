"""Our VAE fitted from a Parquet dataset in record batches (tokens memory-mapped from disk) and
sampled in chunks into one Parquet file: categories counted over every batch, not the sample."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from synth.errors import GateFailed
from synth.models.vae import VAEModel, streamed
from synth.privacy.gate import PrivacyConfig
from synth.privacy.streamed import StreamedGate
from synth.rules.check import violations
from tests.conftest import DATA

TINY = {"epochs": 1, "d_model": 32, "batch_size": 256, "patience": 10, "proposal_steps": 0}


@pytest.fixture()
def dataset(tmp_path, monkeypatch):
    """The bundled Adult sample four times over, one row at the end with a workclass no other
    row has, written in row groups; batches of 1,000 rows and a sample of 400."""
    monkeypatch.setattr(streamed, "BATCH_ROWS", 1_000)
    monkeypatch.setattr(streamed, "SAMPLE_ROWS", 400)
    frame = pd.read_csv(DATA / "adult_sample.csv")
    frame = pd.concat([frame] * 4, ignore_index=True)
    frame.loc[len(frame) - 1, "workclass"] = "Planted-level"
    path = tmp_path / "table.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path, row_group_size=2_000)
    return path, frame


def test_a_table_is_fitted_in_batches_with_every_category_counted(dataset, tmp_path):
    path, frame = dataset
    model = VAEModel(**TINY)
    heard = []
    schema = streamed.fit_streamed(model, path, progress=lambda *call, **_: heard.append(call)).schema
    assert schema.names == list(frame.columns)
    assert [c for c in heard if c[0] != "fit"][-1] == ("encode", len(frame), len(frame))
    assert {c[0] for c in heard} == {"count", "encode", "fit"}  # every phase is heard of
    _, workclass = model.code.column("workclass")
    assert "Planted-level" in workclass.levels  # one row in 12,000: never in a 400-row sample
    assert workclass.levels[0] == frame["workclass"].value_counts().index[0]  # ordered by exact counts
    assert model.history["epochs_run"] == 1


def test_a_large_draw_is_written_in_chunks_under_a_temporary_name(dataset, tmp_path):
    path, frame = dataset
    model = VAEModel(**TINY)
    streamed.fit_streamed(model, path)
    heard = []
    out = streamed.sample_to_parquet(
        model, 2_500, tmp_path / "synthetic.parquet", seed=1, chunk=1_000, progress=lambda *c: heard.append(c)
    )
    assert heard == [("sample", 1_000, 2_500), ("sample", 2_000, 2_500), ("sample", 2_500, 2_500)]
    drawn = pd.read_parquet(out)
    assert len(drawn) == 2_500 and list(drawn.columns) == list(frame.columns)
    assert pq.ParquetFile(out).metadata.num_row_groups == 3
    assert not list(tmp_path.glob(".*partial"))
    again = streamed.sample_to_parquet(model, 2_500, tmp_path / "again.parquet", seed=1, chunk=1_000)
    pd.testing.assert_frame_equal(drawn, pd.read_parquet(again))


def test_training_on_a_memory_map_matches_training_in_memory(dataset, tmp_path):
    path, frame = dataset
    code_model = VAEModel(**TINY)
    streamed.fit_streamed(code_model, path)
    tokens = code_model.code.encode(frame, np.random.default_rng(0))
    mapped = np.lib.format.open_memmap(tmp_path / "t.npy", mode="w+", dtype=np.int16, shape=tokens.shape)
    mapped[:] = tokens
    import torch

    first, second = VAEModel(**TINY), VAEModel(**TINY)
    first.fit_tokens(torch.from_numpy(tokens), code_model.code, code_model.schema)
    second.fit_tokens(torch.from_numpy(mapped), code_model.code, code_model.schema)
    for a, b in zip(first.net.state_dict().values(), second.net.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b)


def test_a_gated_draw_is_published_only_when_the_gate_passes(dataset, tmp_path):
    path, frame = dataset
    model = VAEModel(**TINY)
    evidence = streamed.fit_streamed(model, path)
    assert len(evidence.holdout) == len(frame) // 5 and evidence.train_rows == len(frame) - len(frame) // 5
    gate, repairs = StreamedGate(evidence, rows=2_500, config=PrivacyConfig(n_attacks=100)), {}
    out = streamed.sample_to_parquet(
        model, 2_500, tmp_path / "gated.parquet", seed=1, chunk=1_000, gate=gate, repairs=repairs
    )
    drawn = pd.read_parquet(out)
    assert len(drawn) == 2_500 - gate.removed and gate.drawn == 2_500
    rules = evidence.schema.rules  # mined on the survey's sample
    assert {"depends", "integer", "range"} <= {r.kind for r in rules}
    assert sum(violations(drawn, rules).values()) == 0
    depends = next(r.name for r in rules if r.kind == "depends")
    assert repairs[depends] > 0  # a 1-epoch model breaks it; the chunks were mended before writing
    strict = StreamedGate(
        evidence, rows=2_500, config=PrivacyConfig(n_attacks=100, dcr_share_max=0.01, judge="estimate")
    )
    with pytest.raises(GateFailed, match="dcr_share"):
        streamed.sample_to_parquet(
            model, 2_500, tmp_path / "refused.parquet", seed=1, chunk=1_000, gate=strict
        )
    assert not (tmp_path / "refused.parquet").exists() and not list(tmp_path.glob(".*partial"))


@pytest.mark.slow
def test_chunks_drawn_on_dask_workers_make_the_same_file(dataset, tmp_path):
    # chunk i is drawn with seed + i wherever it runs, and appended in order
    import torch

    path, _ = dataset
    model = VAEModel(**TINY)
    streamed.fit_streamed(model, path)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as each single-threaded worker draws
    try:
        here = streamed.sample_to_parquet(model, 2_500, tmp_path / "here.parquet", seed=3, chunk=600)
    finally:
        torch.set_num_threads(threads)
    there = streamed.sample_to_parquet(model, 2_500, tmp_path / "there.parquet", seed=3, chunk=600, workers=2)
    pd.testing.assert_frame_equal(pd.read_parquet(here), pd.read_parquet(there))
    assert pq.ParquetFile(there).metadata.num_row_groups == 5
    assert not list(tmp_path.glob(".*partial"))


def test_an_unfitted_model_is_one_clear_error_and_writes_nothing(tmp_path):
    from synth.errors import NotFittedError

    with pytest.raises(NotFittedError, match="fitted before sampling"):
        streamed.sample_to_parquet(VAEModel(**TINY), 10, tmp_path / "never.parquet")
    assert not list(tmp_path.iterdir())
