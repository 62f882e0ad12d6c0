import numpy as np

from synth.privacy.copies import copy_mask, count_copies
from synth.privacy.distance import RowEmbedding, dcr_figures, nearest_distances
from synth.split import split


def test_nearest_distances_match_brute_force():
    rng = np.random.default_rng(0)
    a, b = rng.random((300, 5)).astype(np.float32), rng.random((700, 5)).astype(np.float32)
    brute = np.sort(np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)), axis=1)[:, :3]
    np.testing.assert_allclose(nearest_distances(a, b, k=3, chunk=64), brute, atol=1e-4)


def test_category_mismatch_costs_one_full_range(adult):
    emb = RowEmbedding.fit(adult[["age", "sex"]])
    one, other = adult.iloc[[0]].copy(), adult.iloc[[0]].copy()
    other["sex"] = "Female" if one["sex"].iloc[0] == "Male" else "Male"
    d = nearest_distances(emb.transform(one), emb.transform(other))[0, 0]
    assert abs(d - 1.0) < 1e-5


def test_copies_fail_holdout_passes(adult):
    train, holdout = split(adult, holdout=0.5, seed=0)  # equal sizes: no subsampling of train
    copied = train.sample(len(holdout), random_state=0)
    assert dcr_figures(copied, train, holdout)["dcr_share"] > 0.9
    fresh = dcr_figures(holdout.sample(frac=1.0, random_state=1), train, holdout.iloc[::-1])
    assert fresh["dcr_share"] < 0.6
    assert count_copies(copied, train) == len(copied)
    assert count_copies(holdout, train) < 5  # Adult holds a few genuine duplicates


def test_copies_survive_type_changes(adult):
    frame = adult.head(20)
    widened = frame.astype({"age": float})
    assert copy_mask(widened, frame).all()
