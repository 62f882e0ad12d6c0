"""Anonymeter's attacks at the sizes our jobs meet: they must bite on copies, even on a small
table, and stay quiet on real rows the model never saw.
"""

import numpy as np
import pytest

from synth.privacy.attacks import anonymeter_risks, cache_compiled_neighbours, linkability_neighbors
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


def test_the_neighbour_search_is_compiled_with_a_cache_and_finds_the_same_neighbours():
    import anonymeter.evaluators  # noqa: F401
    from anonymeter.neighbors import mixed_types_kneighbors as knn

    rng = np.random.default_rng(0)
    candidates, queries = rng.random((40, 3)), rng.random((6, 3))
    original = knn._nearest_neighbors
    cache_compiled_neighbours()
    cached = knn._nearest_neighbors
    assert cached._synth_cached and cached.py_func is original.py_func
    expected = original.py_func(queries, candidates, 1, 2)
    np.testing.assert_array_equal(cached(queries, candidates, 1, 2)[0], expected[0])
