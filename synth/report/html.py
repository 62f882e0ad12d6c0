"""The run report: one self-contained HTML page per run, gate verdicts and the overall score
first, then the rules, the quality floor, fidelity (worst columns and pairs), privacy with each
figure in plain words, validation with links to Data Docs, and plots.

This module turns a manifest and its ``report.json`` aggregates into the template's context;
``templates/run.html.j2`` lays it out. Everything is inline (CSS, and the plots as SVG that
:mod:`synth.report.svg` writes with their texts escaped), so the page opens offline and loads
nothing remote.
"""

from __future__ import annotations

import posixpath
from typing import Any

from markupsafe import Markup

from synth.report import svg
from synth.report.pages import render_page

MEANING = {
    "copies": "Share of synthetic rows identical to a training row (removed before publishing), "
    "against the rate at which real unseen rows repeat a training row.",
    "dcr_share": "Share of synthetic rows closer to a training row than to a real row the model never "
    "saw. 0.5 is what unseen real rows give; well above it, rows hug the training data.",
    "dcr_p5_ratio": "How close the closest 5 % of synthetic rows come to the training rows, over how "
    "close unseen real rows come. Below 1: some synthetic rows sit nearer the training rows than "
    "real newcomers do.",
    "nndr_p5_ratio": "The same for the nearest-neighbour distance ratio (closest over second "
    "closest training row): a low ratio means a synthetic row singles out one training row.",
    "membership_inference": "How well an attacker guesses, from distances to the synthetic rows, "
    "whether a real row was in the training data (ROC-AUC; 0.5 is a coin toss).",
    "singling_out": "Anonymeter: the risk that a synthetic table lets an attacker single out one "
    "real person by a combination of values (0: none beyond chance).",
    "linkability": "Anonymeter: the risk of linking two halves of a real person's record through "
    "the synthetic rows.",
    "attribute_inference": "Anonymeter: the risk of inferring a person's secret column from the "
    "others, beyond what the population's patterns allow.",
    "rare_values": "Categories seen in fewer than a handful of training rows that appear verbatim "
    "(replaced before publishing).",
    "identifiers": "Identifier values (keys, e-mails, account numbers) equal to a real one.",
}
"""What each privacy figure says, in plain words, under its row of the report."""

OVERALL = ("column_shapes", "pair_trends", "detection")
WORST = 10


def render(manifest: dict[str, Any], data: dict[str, Any], docs_base: str | None = None) -> str:
    """The report page from a run's manifest and its ``report.json`` aggregates.

    ``docs_base`` is the path from the report's folder to the job's output folder, where the
    Data Docs site lives (the manifest names its pages relative to that folder); without it the
    page links no Data Docs.
    """
    fidelity = manifest.get("fidelity", {})
    validation = manifest.get("validation", {})
    return render_page(
        "run.html.j2",
        name=manifest["job"]["name"],
        run_id=manifest["run_id"],
        model=manifest["model"]["name"],
        seed=manifest["seed"],
        rows_synthetic=manifest["rows"].get("synthetic", 0),
        rows_train=manifest["rows"]["train"],
        overall=_overall(fidelity),
        verdicts=_verdicts(manifest),
        rules=_rules(manifest.get("rules")),
        quality=(manifest.get("quality") or {}).get("checks"),
        fidelity=[(k.replace("_", " "), v) for k, v in fidelity.items() if isinstance(v, float)],
        worst=_worst(data.get("scores")),
        privacy=_privacy(manifest.get("privacy")),
        validations=_validations(validation, docs_base),
        docs_index=_link(docs_base, validation.get("site")),
        lift=_lift(manifest.get("lift")),
        plots=_plots(data),
    )


def render_database(manifest: dict[str, Any], figures: dict[str, Any], docs_base: str | None = None) -> str:
    """The report page of a ``relational`` run: verdicts, then per table its rows and scores,
    per key its integrity and children-per-parent shape, the cross-table trends, privacy per
    table and per entity, and validation (``templates/database.html.j2``).
    """
    validation = manifest.get("validation", {})
    rows = manifest["rows"]
    tables = [{"name": name, "train": rows.get(f"{name}: train", 0),
               "synthetic": rows.get(f"{name}: synthetic", 0), **scores}
              for name, scores in figures["tables"].items()]  # fmt: skip
    shapes, cross = figures["children_shapes"], figures["cross_table_trends"]
    keys = [{"key": key, "integrity": share, "shape": shapes.get(key), "cross": cross.get(key)}
            for key, share in figures["integrity"].items()]  # fmt: skip
    return render_page(
        "database.html.j2",
        name=manifest["job"]["name"],
        run_id=manifest["run_id"],
        model=manifest["model"]["name"],
        seed=manifest["seed"],
        verdicts=_verdicts(manifest),
        quality=(manifest.get("quality") or {}).get("checks"),
        tables=tables,
        keys=keys,
        privacy=_privacy(manifest.get("privacy")),
        validations=_validations(validation, docs_base),
        docs_index=_link(docs_base, validation.get("site")),
    )


def overall_score(fidelity: dict[str, Any]) -> float | None:
    """The mean of column shapes, pair trends and the detection score (those present)."""
    present = [float(fidelity[k]) for k in OVERALL if isinstance(fidelity.get(k), int | float)]
    return sum(present) / len(present) if present else None


def _overall(fidelity: dict[str, Any]) -> dict[str, Any] | None:
    score = overall_score(fidelity)
    if score is None:
        return None
    return {"score": score, "named": ", ".join(k.replace("_", " ") for k in OVERALL if k in fidelity)}


def _verdicts(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    validation = manifest.get("validation", {})
    gates = [
        ("input validation", validation.get("input", {}).get("success")),
        ("privacy gate", manifest.get("privacy", {}).get("passed")),
        ("quality floor", manifest["quality"]["passed"] if "quality" in manifest else None),
        ("output validation", validation.get("output", {}).get("success")),
    ]
    return [{"name": name, "ok": ok} for name, ok in gates]


def _rules(rules: dict[str, Any] | None) -> dict[str, Any] | None:
    if not rules:
        return None
    rows = [
        {"name": r["name"], "violations": r["violations"], "near": _near(r["real_exception_rate"]),
         "repairs": rules["repairs"].get(r["name"], 0)}
        for r in sorted(rules["rules"], key=lambda r: (-r["violations"], r["name"]))
    ]  # fmt: skip
    return {"count": len(rules["rules"]), "violations": rules["violations"], "rows": rows}


def _near(rate: float) -> str:
    if not rate:
        return "always hold"
    return f"near-rule: real exception rate {100 * rate:.3f} %; synthetic rows held to none"


def _worst(scores: dict[str, dict[str, float]] | None) -> list[dict[str, Any]]:
    if not scores:
        return []
    blocks = []
    for title, key in (("columns (shape)", "columns"), ("pairs (trend)", "pairs")):
        rows = sorted(scores.get(key, {}).items(), key=lambda kv: kv[1])[:WORST]
        if rows:
            blocks.append({"title": title, "unit": key[:-1], "rows": rows})
    return blocks


def _privacy(privacy: dict[str, Any] | None) -> dict[str, Any] | None:
    if not privacy:
        return None
    return {
        "checks": [
            {**c, "meaning": MEANING.get(c["name"].split(": ")[-1], "")} for c in privacy.get("checks", [])
        ],
        "copies_removed": privacy.get("copies_removed", 0),
        "rare_replaced": sum(privacy.get("rare_replaced", {}).values()),
    }


def _validations(validation: dict[str, Any], docs_base: str | None) -> list[dict[str, Any]]:
    out = []
    for label in ("input", "output"):
        result = validation.get(label)
        if result:
            out.append({
                "label": label, "suite": result["suite"], "ok": result["success"],
                "evaluated": result["evaluated"], "docs": _link(docs_base, result.get("docs")),
                "failed": [f"{f['column'] or 'table'}: {f['expectation']}" for f in result["failed"]],
            })  # fmt: skip
    return out


def _link(base: str | None, path: str | None) -> str | None:
    return posixpath.join(base, path) if base is not None and path else None


def _lift(lift: dict[str, Any] | None) -> dict[str, Any] | None:
    if not lift:
        return None
    metrics = list(next(iter(lift["summary"].values())))
    arms = [
        (arm, [(values[m]["mean"], values[m]["std"]) for m in metrics])
        for arm, values in lift["summary"].items()
    ]
    return {"seeds": lift["seeds"], "metrics": metrics, "arms": arms, "verdict": lift["verdict"]}


def _plots(data: dict[str, Any]) -> dict[str, Any]:
    association = data.get("association")
    return {
        "columns": [Markup(svg.column_svg(c)) for c in data.get("columns", [])],
        "association": Markup(svg.association_svg(association["real"], association["synthetic"]))
        if association
        else None,
        "dcr": Markup(svg.dcr_svg(data["dcr"])) if "dcr" in data else None,
    }
