"""One self-contained HTML report per run: gate verdicts first, then fidelity, privacy, plots.

Everything is inline (CSS, PNG as data URIs); the page loads no script and no remote resource,
so it opens offline and in locked-down environments.
"""

from __future__ import annotations

import html
from typing import Any

from synth.report import plots

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1200px;
color:#222;padding:0 1rem}h1{margin-bottom:.2rem}h2{border-bottom:2px solid #eee;padding-bottom:.3rem;
margin-top:2rem}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.3rem .6rem;
text-align:left;font-size:.9rem}th{background:#f6f6f6}.pass{color:#1b7f3b;font-weight:600}
.fail{color:#b00020;font-weight:600}.grid{display:flex;flex-wrap:wrap;gap:.5rem}
.grid figure{margin:0;border:1px solid #eee;padding:.3rem}img{max-width:100%}.muted{color:#777}
.verdicts{display:flex;gap:1rem;flex-wrap:wrap}.verdict{border-radius:6px;padding:.6rem 1rem;
border:1px solid #ddd;min-width:12rem}tr.meaning td{color:#555;font-size:.82rem;border-top:0;
padding-top:0}
"""


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _verdict(ok: bool | None) -> str:
    if ok is None:
        return '<span class="muted">not run</span>'
    return '<span class="pass">PASS</span>' if ok else '<span class="fail">FAIL</span>'


def _img(data: str, alt: str) -> str:
    return f'<figure><img class="plot" alt="{_esc(alt)}" src="data:image/png;base64,{data}"></figure>'


def render(manifest: dict[str, Any], data: dict[str, Any]) -> str:
    """The report page from a run's manifest and its ``report.json`` aggregates."""
    fidelity = manifest.get("fidelity", {})
    parts = [
        *_header(manifest),
        *_overall(fidelity),
        *_verdicts(manifest),
        *_rules(manifest.get("rules")),
        *_quality(manifest.get("quality")),
        "<h2>Fidelity</h2><table><tr><th>figure</th><th>value</th></tr>",
        *[
            f"<tr><td>{_esc(k.replace('_', ' '))}</td><td>{v:.4f}</td></tr>"
            for k, v in fidelity.items()
            if isinstance(v, float)
        ],
        "</table>",
        *_worst(data.get("scores")),
        *_privacy(manifest.get("privacy", {})),
        *_validations(manifest.get("validation", {})),
        *_lift(manifest.get("lift")),
        *_plots(data),
        "</body></html>",
    ]
    return "\n".join(parts)


def _header(manifest: dict[str, Any]) -> list[str]:
    name = _esc(manifest["job"]["name"])
    return [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>synth report · {name}</title><style>{CSS}</style></head><body>",
        f"<h1>synth report · {name}</h1>",
        f"<p class='muted'>run {_esc(manifest['run_id'])} · model {_esc(manifest['model']['name'])} · "
        f"seed {_esc(manifest['seed'])} · {manifest['rows'].get('synthetic', 0):,} synthetic rows from "
        f"{manifest['rows']['train']:,} training rows</p>",
    ]


def _verdicts(manifest: dict[str, Any]) -> list[str]:
    validation = manifest.get("validation", {})
    gates = [
        ("input validation", validation.get("input", {}).get("success")),
        ("privacy gate", manifest.get("privacy", {}).get("passed")),
        ("quality floor", manifest["quality"]["passed"] if "quality" in manifest else None),
        ("output validation", validation.get("output", {}).get("success")),
    ]
    return [
        "<h2>Verdicts</h2><div class='verdicts'>",
        *[f"<div class='verdict'><b>{name}</b><br>{_verdict(ok)}</div>" for name, ok in gates],
        "</div>",
    ]


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


def _privacy(privacy: dict[str, Any]) -> list[str]:
    return [
        "<h2>Privacy</h2><table><tr><th>check</th><th>figure</th><th>rule</th><th>verdict</th>"
        "<th>detail</th></tr>",
        *[
            f"<tr><td>{_esc(c['name'])}</td><td>{c['figure']:.4f}</td><td>{_esc(c['rule'])} "
            f"{c['threshold']:g}</td><td>{_verdict(c['passed'])}</td><td>{_esc(c['detail'])}</td></tr>"
            f"<tr class='meaning'><td colspan='5'>{_esc(MEANING.get(c['name'], ''))}</td></tr>"
            for c in privacy.get("checks", [])
        ],
        "</table>",
        f"<p>Exact copies removed: {privacy.get('copies_removed', 0)}; rare values replaced: "
        f"{sum(privacy.get('rare_replaced', {}).values())}.</p>",
    ]


def _validations(validation: dict[str, Any]) -> list[str]:
    parts = []
    for label in ("input", "output"):
        result = validation.get(label)
        if result:
            failed = "".join(
                f"<li>{_esc(f['column'] or 'table')}: {_esc(f['expectation'])}</li>" for f in result["failed"]
            )
            docs = f" · <a href='{_esc(result['docs'])}'>Data Docs</a>" if result.get("docs") else ""
            parts.append(
                f"<p><b>{label} validation</b> ({_esc(result['suite'])}): {_verdict(result['success'])}, "
                f"{result['evaluated']} expectations{docs}{'<ul>' + failed + '</ul>' if failed else ''}</p>"
            )
    return parts


def _lift(lift: dict[str, Any] | None) -> list[str]:
    if not lift:
        return []
    metrics = list(next(iter(lift["summary"].values())))
    parts = [
        f"<h2>Augmentation lift ({_esc(lift['seeds'])} seeds, real holdout)</h2>",
        "<table><tr><th>training rows</th>" + "".join(f"<th>{_esc(m)}</th>" for m in metrics) + "</tr>",
    ]
    for arm, values in lift["summary"].items():
        cells = "".join(f"<td>{values[m]['mean']:.4f} ± {values[m]['std']:.4f}</td>" for m in metrics)
        parts.append(f"<tr><td>{_esc(arm)}</td>{cells}</tr>")
    parts.append(f"</table><p>{_esc(lift['verdict'])}</p>")
    return parts


def _plots(data: dict[str, Any]) -> list[str]:
    parts = ["<h2>Distributions: real vs synthetic</h2><div class='grid'>"]
    parts += [_img(plots.column_plot(c), f"distribution of {c['name']}") for c in data.get("columns", [])]
    parts.append("</div>")
    if "association" in data:
        association = plots.association_plot(data["association"]["real"], data["association"]["synthetic"])
        parts += ["<h2>Associations</h2>", _img(association, "association matrices")]
    if "dcr" in data:
        parts += ["<h2>Distance to closest record</h2>", _img(plots.dcr_plot(data["dcr"]), "DCR histogram")]
    return parts


OVERALL = ("column_shapes", "pair_trends", "detection")


def overall_score(fidelity: dict[str, Any]) -> float | None:
    """The mean of column shapes, pair trends and the detection score (those present)."""
    present = [float(fidelity[k]) for k in OVERALL if isinstance(fidelity.get(k), int | float)]
    return sum(present) / len(present) if present else None


def _overall(fidelity: dict[str, Any]) -> list[str]:
    score = overall_score(fidelity)
    if score is None:
        return []
    named = ", ".join(k.replace("_", " ") for k in OVERALL if k in fidelity)
    return [f"<p style='font-size:1.4rem'><b>Overall score {score:.3f}</b> <span class='muted'>"
            f"(mean of {_esc(named)}; 1 is indistinguishable from the real rows)</span></p>"]  # fmt: skip


def _rules(rules: dict[str, Any] | None) -> list[str]:
    if not rules:
        return []
    rows = [
        f"<tr><td>{_esc(r['name'])}</td><td>{r['violations']:,}</td>"
        f"<td>{_near(r['real_exception_rate'])}</td><td>{rules['repairs'].get(r['name'], 0):,}</td></tr>"
        for r in sorted(rules["rules"], key=lambda r: (-r["violations"], r["name"]))
    ]
    return [
        f"<h2>Rules of the real data: {len(rules['rules'])} rules, {rules['violations']:,} violations "
        "in the published rows</h2><p class='muted'>Mined from the training rows. Violations count "
        "published rows; repairs count rows fixed after sampling (the last resort).</p>",
        "<table><tr><th>rule</th><th>violations</th><th>real rows</th><th>repairs</th></tr>",
        *rows,
        "</table>",
    ]


def _near(rate: float) -> str:
    if not rate:
        return "always hold"
    return f"near-rule: real exception rate {100 * rate:.3f} %; synthetic rows held to none"


def _quality(quality: dict[str, Any] | None) -> list[str]:
    if not quality:
        return []
    rows = [
        f"<tr><td>{_esc(c['name'])}</td><td>{c['figure']:.4f}</td><td>&gt;= {c['threshold']:g}</td>"
        f"<td>{_verdict(c['passed'])}</td><td>{_esc(c['detail'])}</td></tr>"
        for c in quality["checks"]
    ]
    return [
        "<h2>Quality floor</h2><p class='muted'>detection: 1 - (2 AUC - 1) of a classifier telling "
        "synthetic from real training rows (1: it cannot); tstr lift: the share of the real rows' "
        "model gain over chance that a model trained on synthetic rows keeps.</p>",
        "<table><tr><th>check</th><th>figure</th><th>floor</th><th>verdict</th><th>detail</th></tr>",
        *rows,
        "</table>",
    ]


WORST = 10


def _worst(scores: dict[str, dict[str, float]] | None) -> list[str]:
    if not scores:
        return []
    parts = []
    for title, key in (("columns (shape)", "columns"), ("pairs (trend)", "pairs")):
        worst = sorted(scores[key].items(), key=lambda kv: kv[1])[:WORST]
        if worst:
            parts.append(f"<h3>Worst {title}</h3><table><tr><th>{key[:-1]}</th><th>score</th></tr>")
            parts += [f"<tr><td>{_esc(name)}</td><td>{value:.4f}</td></tr>" for name, value in worst]
            parts.append("</table>")
    return parts
