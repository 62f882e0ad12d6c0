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
    assert page.count("<svg") == len(adult_schema.modelled) + 2  # columns, associations, DCR
    assert "<img" not in page
    assert not re.search(r"(src|href)=['\"]https?:", page)  # nothing remote
    assert page.index("input validation") < page.index("Fidelity") < page.index("Privacy")
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
    manifest = {"job": {"name": "t"}, "run_id": "r", "model": {"name": "vae"}, "seed": 0,
                "rows": {"train": 10}, "privacy": {"passed": True, "checks": checks}}  # fmt: skip
    page = render(manifest, {})
    assert page.count('class="meaning"') == len(MEANING) and "coin toss" in page
    assert _privacy({"checks": checks})["checks"][0]["meaning"] == MEANING[checks[0]["name"]]


def test_the_overall_score_comes_first_and_links_reach_the_docs_site():
    manifest = {
        "job": {"name": "<b>job</b>"}, "run_id": "r1", "model": {"name": "vae"}, "seed": 0,
        "rows": {"train": 10, "synthetic": 10},
        "rules": {"rules": [{"name": "fd: a -> b", "violations": 0, "real_exception_rate": 0.0}],
                  "violations": 0, "repairs": {}},
        "validation": {"input": {"suite": "s", "success": True, "evaluated": 3, "failed": [],
                                 "docs": "data-docs/validations/s/r1/x.html"},
                       "site": "data-docs/index.html"},
        "fidelity": {"column_shapes": 0.9, "pair_trends": 0.8, "detection": 0.7},
        "quality": {"passed": True, "checks": []},
    }  # fmt: skip
    page = render(manifest, {"scores": {"columns": {"a": 0.5, "b": 0.9}, "pairs": {"a, b": 0.4}}}, "..")
    assert "<b>job</b>" not in page and "&lt;b&gt;job&lt;/b&gt;" in page  # names are escaped
    assert (
        page.index('id="overall-score"') < page.index("Rules of the real data") < page.index("Worst columns")
    )
    assert ">0.800<" in page  # the mean of shapes, trends and detection
    assert page.index(">a<") < page.index(">b<")  # worst first
    assert 'href="../data-docs/validations/s/r1/x.html"' in page and 'href="../data-docs/index.html"' in page
