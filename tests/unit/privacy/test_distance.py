import numpy as np
import pandas as pd

from synth.privacy import distance
from synth.privacy.copies import copy_mask, count_copies
from synth.privacy.distance import RowEmbedding, dcr_figures, nearest_distances, nearest_records
from synth.split import split


def test_nearest_distances_match_brute_force():
    rng = np.random.default_rng(0)
    a, b = rng.random((300, 5)).astype(np.float32), rng.random((700, 5)).astype(np.float32)
    brute = np.sort(np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)), axis=1)[:, :3]
    np.testing.assert_allclose(nearest_distances(a, b, k=3, chunk=64), brute, atol=1e-4)


def test_one_scan_matches_brute_force_on_every_side(adult, monkeypatch):
    monkeypatch.setattr(distance, "TILE", 96)  # several tiles per part, a ragged last one
    train, holdout = split(adult.head(900), holdout=0.4, seed=0)
    synthetic = adult.iloc[900:1250]
    records = nearest_records(synthetic, train, holdout, chunk=128, max_reference=120, seed=3)
    assert records.size == 120 and records.synthetic_to_partitions.shape == (350, 4)
    embedding = RowEmbedding.fit(train)
    rng = np.random.default_rng(3)
    train_x = embedding.transform(train.iloc[rng.choice(len(train), 480, replace=False)])
    hold_x = embedding.transform(holdout.iloc[rng.choice(len(holdout), 120, replace=False)])
    syn_x = embedding.transform(synthetic)

    def brute(a, b, k):
        return np.sort(np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)), axis=1)[:, :k]

    def close(actual, expected):
        np.testing.assert_allclose(actual, expected, atol=2e-3)

    close(records.synthetic_to_train, brute(syn_x, train_x, 2))
    for part in range(4):
        chunk = train_x[part * 120 : (part + 1) * 120]
        close(records.synthetic_to_partitions[:, part], brute(syn_x, chunk, 1)[:, 0])
    close(records.synthetic_to_holdout, brute(syn_x, hold_x, 1)[:, 0])
    close(records.train_to_synthetic, brute(train_x, syn_x, 1)[:, 0])
    close(records.holdout_to_synthetic, brute(hold_x, syn_x, 1)[:, 0])
    close(records.holdout_to_train, brute(hold_x, train_x, 2))


def test_embedding_treats_missing_and_unseen_levels_as_their_own_slot(adult):
    frame = adult[["age", "workclass"]].head(200).copy()
    frame.loc[:9, "workclass"] = None
    emb = RowEmbedding.fit(frame)
    x = emb.transform(pd.DataFrame({"age": [30, None], "workclass": ["never seen", None]}))
    assert x.shape == (2, emb.width)
    assert np.allclose((x[:, 2:] > 0).sum(1), 1)  # exactly one categorical slot each
    assert x[1, 1] > 0 and x[0, 1] == 0  # the missing-age indicator


def test_category_mismatch_costs_one_full_range(adult):
    emb = RowEmbedding.fit(adult[["age", "sex"]])
    one, other = adult.iloc[[0]].copy(), adult.iloc[[0]].copy()
    other["sex"] = "Female" if one["sex"].iloc[0] == "Male" else "Male"
    d = nearest_distances(emb.transform(one), emb.transform(other))[0, 0]
    assert abs(d - 1.0) < 1e-5


def test_copies_fail_holdout_passes(adult):
    train, holdout = split(adult, holdout=0.5, seed=0)  # equal sizes: no subsampling of train
    copied = train.sample(len(holdout), random_state=0)
    assert dcr_figures(nearest_records(copied, train, holdout))["dcr_share"] > 0.9
    fresh = dcr_figures(nearest_records(holdout.sample(frac=1.0, random_state=1), train, holdout.iloc[::-1]))
    assert fresh["dcr_share"] < 0.6
    assert count_copies(copied, train) == len(copied)
    assert count_copies(holdout, train) < 5  # Adult holds a few genuine duplicates


def test_copies_survive_type_changes(adult):
    frame = adult.head(20)
    widened = frame.astype({"age": float})
    assert copy_mask(widened, frame).all()
