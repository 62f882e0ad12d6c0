import numpy as np
import pandas as pd

from synth.evaluation.utility import tstr_auc
from synth.split import split


def test_real_training_rows_predict_income_shuffled_ones_do_not(adult):
    train, holdout = split(adult, holdout=0.3, seed=0)
    real = tstr_auc(train, holdout, "income", n_estimators=60)
    rng = np.random.default_rng(0)
    noise = pd.DataFrame({c: rng.permutation(train[c].to_numpy()) for c in train.columns})
    shuffled = tstr_auc(noise, holdout, "income", n_estimators=60)
    assert real > 0.85
    assert abs(shuffled - 0.5) < 0.1
