"""The lift report: three arms scored on the real holdout, and a verdict that needs more than
the seeds' spread to call a lift.
"""

import numpy as np
import pandas as pd

from synth.evaluation.lift import Lift, measure_lift


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    color = rng.choice(["red", "blue", "green"], size=n)
    y = np.where(x + (color == "red") + rng.normal(scale=0.5, size=n) > 1.8, "yes", "no")
    return pd.DataFrame({"x": x, "color": color, "y": y})


def test_three_arms_are_scored_on_the_holdout_for_every_seed():
    train, holdout = _table(600, 0), _table(400, 1)
    positives = train[train["y"] == "yes"]

    def synthetic_for(seed: int) -> pd.DataFrame:
        return positives.sample(100, replace=True, random_state=seed)

    lift = measure_lift(train, holdout, "y", synthetic_for, seeds=2)
    assert lift.positive == "yes" and set(lift.scores) == {"real", "real+synthetic", "real+smote"}
    for metrics in lift.scores.values():
        assert all(len(values) == 2 and all(0 <= v <= 1 for v in values) for values in metrics.values())
    assert lift.summary()["real"]["roc_auc"]["mean"] > 0.8  # the signal is learnable
    assert "| real+smote |" in lift.to_markdown() and lift.to_dict()["verdict"] == lift.verdict()


def test_the_verdict_calls_a_lift_only_beyond_the_spread():
    def lift_of(real: list[float], augmented: list[float]) -> str:
        scores = {
            "real": {"pr_auc": real, "recall_at_precision_0.5": real},
            "real+synthetic": {"pr_auc": augmented, "recall_at_precision_0.5": augmented},
        }
        return Lift("y", "yes", 0.5, 3, scores).verdict()

    assert "a lift beyond the seeds' spread" in lift_of([0.50, 0.51, 0.49], [0.60, 0.61, 0.59])
    assert "no measurable lift" in lift_of([0.50, 0.55, 0.45], [0.52, 0.57, 0.47])
    assert "worse than real rows alone" in lift_of([0.60, 0.61, 0.59], [0.50, 0.51, 0.49])
