import re

from synth.report.data import build_report_data
from synth.report.html import render
from synth.split import split


def test_report_is_self_contained_and_shows_every_column(adult, adult_schema):
    train, holdout = split(adult, holdout=0.2, seed=0)
    data = build_report_data(train, holdout, holdout, adult_schema)
    manifest = {
        "job": {"name": "t"},
        "run_id": "r1",
        "model": {"name": "vae"},
        "seed": 0,
        "rows": {"synthetic": len(holdout), "train": len(train)},
        "privacy": {
            "passed": True,
            "checks": [
                {
                    "name": "dcr_share",
                    "figure": 0.5,
                    "threshold": 0.55,
                    "rule": "<=",
                    "passed": True,
                    "detail": "",
                }
            ],
        },
        "validation": {"input": {"suite": "adult", "success": True, "evaluated": 3, "failed": []}},
        "fidelity": {"column_shapes": 0.99, "pair_trends": 0.98},
    }
    page = render(manifest, data)
    assert page.count("<img") == len(adult_schema.modelled) + 2  # columns, associations, DCR
    assert not re.search(r"(src|href)=['\"]https?:", page)  # nothing remote
    assert page.index("Verdicts") < page.index("Fidelity") < page.index("Privacy")
    rare_real = adult["native-country"].value_counts().index[-1]
    assert rare_real not in page  # rare real levels are pooled, never named


def test_every_privacy_figure_is_explained_in_plain_words():
    from synth.report.html import MEANING, _privacy

    gate_checks = {
        "copies", "dcr_share", "dcr_p5_ratio", "nndr_p5_ratio", "membership_inference",
        "singling_out", "linkability", "attribute_inference", "rare_values", "identifiers",
    }  # fmt: skip
    assert gate_checks <= set(MEANING)

    checks = [{"name": name, "figure": 0.5, "rule": "<=", "threshold": 1, "passed": True, "detail": ""}
              for name in MEANING]  # fmt: skip
    rows = "".join(_privacy({"checks": checks}))
    assert rows.count("class='meaning'") == len(MEANING) and "coin toss" in rows
