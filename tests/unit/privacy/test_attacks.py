"""Anonymeter's attacks at the sizes our jobs meet: they must bite on copies, even on a small
table, and stay quiet on real rows the model never saw.
"""

import numpy as np
import pytest

from synth.privacy.attacks import (
    anonymeter_risks,
    linkability_neighbors,
    nearest_neighbours,
    use_vectorised_neighbours,
)
from synth.schema import infer_schema


def test_the_linkability_attacker_names_a_fixed_share_of_the_records():
    assert linkability_neighbors(170) == 1
    assert linkability_neighbors(5_000) == 10
    assert linkability_neighbors(2_500) == 5


@pytest.fixture(scope="module")
def small(adult):
    """Three disjoint 170-row parts, the size of the Berka loans' control set."""
    rows = adult.sample(510, random_state=3).reset_index(drop=True)
    schema = infer_schema(rows, table="adult")
    return rows.iloc[:170], rows.iloc[170:340], rows.iloc[340:], [c.name for c in schema.modelled]


def risks_of(synthetic, train, control, columns):
    found = anonymeter_risks(synthetic, train, control, columns=columns, secret="occupation", n_attacks=170)
    return {r.name: r for r in found}


def test_copies_of_a_small_table_are_linkable(small):
    train, control, _, columns = small
    risks = risks_of(train, train, control, columns)
    assert risks["linkability"].low > 0.5
    assert not risks["linkability"].powerless


def test_unseen_real_rows_pass_at_the_default_bound(small):
    train, control, unseen, columns = small
    risks = risks_of(unseen, train, control, columns)
    assert risks["linkability"].high <= 0.09
    assert risks["singling_out"].high <= 0.09


SCRIPT = """
from synth.io import read
from synth.privacy.attacks import anonymeter_risks
from synth.schema import infer_schema
rows = read({path!r}).frame.sample(900, random_state=5).reset_index(drop=True)
columns = [c.name for c in infer_schema(rows).modelled]
risks = anonymeter_risks(rows[600:], rows[:300], rows[300:600], columns=columns, n_attacks=300, seed=0)
print([round(r.risk, 6) for r in risks])
"""


@pytest.mark.slow
def test_the_same_seed_gives_the_same_risks_in_a_new_process():
    """Anonymeter's singling-out queries came out in a per-process order (polars' hashing)."""
    import subprocess
    import sys

    from tests.conftest import DATA

    script = SCRIPT.format(path=str(DATA / "adult_sample.csv"))
    runs = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
        for _ in range(3)
    }
    assert len(runs) == 1, runs


def anonymeters_search():
    """Anonymeter's own search as plain Python (a fresh copy of its module, nothing compiled)."""
    import importlib.util

    import anonymeter.evaluators  # noqa: F401
    from anonymeter.neighbors import mixed_types_kneighbors as knn

    spec = importlib.util.spec_from_file_location("anonymeter_reference_search", knn.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.gower_distance = module.gower_distance.py_func
    return module._nearest_neighbors.py_func


def test_the_vectorised_search_finds_anonymeters_neighbours_and_distances():
    reference = anonymeters_search()
    from anonymeter.neighbors import mixed_types_kneighbors as knn

    rng = np.random.default_rng(0)
    candidates = np.concatenate([rng.random((60, 3)), rng.integers(0, 4, (60, 2))], axis=1)
    queries = np.concatenate([rng.random((9, 3)), rng.integers(0, 4, (9, 2))], axis=1)
    candidates[rng.random(candidates.shape) < 0.1] = np.nan
    queries[rng.random(queries.shape) < 0.1] = np.nan
    for split in (0, 3, 5):
        idx, dists = nearest_neighbours(queries, candidates, split, 4)
        expected_idx, expected_dists = reference(queries, candidates, split, 4)
        np.testing.assert_array_equal(dists, expected_dists)
        if split == 5:  # tie-free; anonymeter's quicksort leaves NaN distances in no set order
            found = np.isfinite(dists)
            np.testing.assert_array_equal(idx[found], expected_idx[found])
    use_vectorised_neighbours()
    assert knn._nearest_neighbors is nearest_neighbours


def test_ties_go_to_the_lower_candidate_and_chunks_change_nothing(monkeypatch):
    from synth.privacy import attacks

    candidates = np.array([[1.0, 0], [0.0, 1], [1.0, 0], [0.0, 1]])
    queries = np.array([[1.0, 0], [0.0, 1], [1.0, 1]])
    idx, dists = nearest_neighbours(queries, candidates, 0, 2)
    np.testing.assert_array_equal(idx, [[0, 2], [1, 3], [0, 1]])
    np.testing.assert_array_equal(dists, [[0, 0], [0, 0], [1, 1]])
    monkeypatch.setattr(attacks, "_CHUNK_CELLS", 1)
    chunked = nearest_neighbours(queries, candidates, 0, 2)
    np.testing.assert_array_equal(chunked[0], idx)
