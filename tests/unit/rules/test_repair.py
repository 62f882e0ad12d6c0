"""Rules kept after sampling by a model that learned the table's own columns: a dependent
column derived from its determinant, other broken rows repaired, each change counted."""

import pandas as pd

from synth.rules.check import violations
from synth.rules.repair import keep_all
from synth.schema import Rule

DEPENDS = Rule("depends", ("education", "years"), {"map": [["HS", 9, 30], ["BSc", 13, 10]]})
RANGE = Rule("range", ("age",), {"bounds": [17, 90]})


def test_every_rule_holds_after_keep_all_and_each_change_is_counted():
    drawn = pd.DataFrame(
        {"education": ["HS", "BSc", "HS", "PhD"], "years": [9, 9, 12, 20], "age": [30, 120, 40, 50]}
    )
    kept, changed = keep_all(drawn, (DEPENDS, RANGE))
    assert sum(violations(kept, (DEPENDS, RANGE)).values()) == 0
    assert kept["years"].tolist() == [9, 13, 9, 9] and kept["years"].dtype == drawn["years"].dtype
    assert kept.loc[3, "education"] == "HS"  # a determinant the map lacks: its most common value
    assert changed == {DEPENDS.name: 3, RANGE.name: 1}
    assert drawn["years"].tolist() == [9, 9, 12, 20]  # the input is left as it was
