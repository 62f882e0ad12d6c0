"""Rule checks judge values by key: a missing value is one key of its own, numbers compare by
value whatever their dtype, and a value a rule does not name is never a break."""

import numpy as np
import pandas as pd

from synth.rules.check import broken, map_keys
from synth.schema import Rule


def test_map_keys_maps_each_distinct_value_and_missing_values_alike():
    values = pd.Series(["a", None, "b", "a", np.nan])
    assert map_keys(values, {"a": 1}, "?").tolist() == [1, "?", "?", 1, "?"]
    assert map_keys(values, {"\x00null": "missing"}, "?").tolist() == ["?", "missing", "?", "?", "missing"]
    assert map_keys(pd.Series([1, 2, 2]), {1: ("x", "y")}, None).tolist() == [("x", "y"), None, None]


def test_a_forbidden_pair_is_found_by_value_and_a_missing_value_can_be_one_side():
    frame = pd.DataFrame({"a": ["x", "x", None, "y"], "b": [1, 2, 1, 1]})
    rule = Rule("combination", ("a", "b"), {"forbidden": [["a", "b", "x", 1, 0], ["a", "b", None, 1, 0]]})
    assert broken(frame, rule).tolist() == [True, False, True, False]


def test_integers_break_on_fractions_and_infinities_not_on_missing_values():
    frame = pd.DataFrame({"n": [1.0, 2.5, np.nan, np.inf, -3.0]})
    assert broken(frame, Rule("integer", ("n",))).tolist() == [False, True, False, True, False]
