"""``synth bench stream`` at a small size: the dataset written in chunks (Adult repeated with
jitter), one epoch fitted from it, as many rows drawn to Parquet through the streamed privacy
gate, time, memory and the gate's figures reported."""

import pandas as pd

from synth.bench import streaming


def test_a_small_streamed_run_reports_every_figure(tmp_path, monkeypatch):
    monkeypatch.setattr(streaming, "WRITE_CHUNK", 2_500)
    result = streaming.run_stream_bench(6_000, tmp_path, precision="fp32")
    data = pd.read_parquet(tmp_path / "stream-6000.parquet")
    synthetic = pd.read_parquet(tmp_path / "stream-6000-synthetic.parquet")
    figures = result.figures
    assert len(data) == 6_000 and len(synthetic) == 6_000 - figures["copies removed"]
    assert list(synthetic.columns) == list(data.columns)
    assert figures["privacy gate passed"] == 1 and figures["held out for the gate"] == 1_200
    assert figures["rules mined on the sample"] > 0 and figures["rule violations (first 100,000 rows)"] == 0
    assert figures["peak RSS GiB (fit and sample)"] > 0.1 and figures["sampled rows/s"] > 0
    assert 0.5 < figures["shapes (first 100,000 rows of each)"] <= 1.0
    assert "| sample s (privacy gate included) |" in result.to_markdown()


def test_jitter_moves_many_valued_numbers_within_their_range_only():
    import numpy as np

    frame = pd.DataFrame({"n": np.arange(1_000), "few": np.arange(1_000) % 3, "c": ["a", "b"] * 500})
    moved = streaming.jittered(frame, np.random.default_rng(0))
    assert (moved["n"] != frame["n"]).any() and moved["n"].between(0, 999).all()
    assert moved["n"].dtype == frame["n"].dtype
    pd.testing.assert_series_equal(moved["few"], frame["few"])
    pd.testing.assert_series_equal(moved["c"], frame["c"])
