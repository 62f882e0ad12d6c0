"""Data Docs that open offline: GX's pages load Bootstrap, jQuery, Vega and a logo from CDNs, so
offline (as every job here runs) they open unstyled, and every open sends requests out. After
GX writes a site, every network reference is removed from its pages and style sheets (style
sheets, images, links, ``url(...)``), with the scripts, which all need the CDN's libraries, and
a style sheet of our own is put inline. GX writes each table's rows into the page itself, so
the results need no script to show (the profiling pages' Vega charts are the one loss).

GX's own index page builds its table with those scripts, so offline it is empty; the site's
``index.html`` is ours instead (:func:`write_index`): every validation of every run, from the
results the site keeps, with links to GX's pages.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from synth.io import write_json, write_text
from synth.report.pages import render_page

_REMOTE = r"""(?:https?:)?//[^"'\s)]+"""
_TAGS = [
    re.compile(r"<script\b[^>]*>.*?</script>", re.I | re.S),  # all need the CDN's libraries
    re.compile(rf"""<link\b[^>]*\bhref=["']{_REMOTE}["'][^>]*>""", re.I),
    re.compile(rf"""<img\b[^>]*\bsrc=["']{_REMOTE}["'][^>]*>""", re.I),
]
_HREF = re.compile(rf"""\bhref=(["']){_REMOTE}\1""", re.I)
_URL = re.compile(rf"""url\(\s*["']?{_REMOTE}["']?\s*\)""", re.I)
_IMPORT = re.compile(rf"""@import\s+(?:url\()?["']?{_REMOTE}["']?\)?\s*;?""", re.I)
REFERENCE = re.compile(rf"""(?:\b(?:src|href)=["']?|url\(\s*["']?|@import\s+["']?){_REMOTE}""", re.I)
"""A reference that a browser would fetch from the network (used by :func:`remote_references`)."""

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933;margin:0;background:#f7f8fa}
.container-fluid,.container{max-width:1200px;margin:0 auto;padding:1rem 1.5rem}
.row{display:flex;flex-wrap:wrap;gap:1rem}.col-12{flex:1 1 100%}.col-md-2,.col-md-3{flex:0 0 22%}
.col-md-8,.col-md-9,.col-md-10{flex:1 1 60%}
.card{background:#fff;border:1px solid #d9dee4;border-radius:6px;margin:0 0 1rem;padding:.75rem 1rem}
.card-header{font-weight:600;border-bottom:1px solid #e5e9ee;margin:-.25rem 0 .5rem;padding-bottom:.4rem}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0}
th,td{border:1px solid #d9dee4;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eef1f5}thead[hidden]{display:none}
h1,h2,h3,h4,h5{color:#102a43;margin:.6rem 0 .4rem}a{color:#1d5fbf}
.text-success,.fa-check-circle{color:#1a7f37}.text-danger,.fa-times{color:#b42318}
.badge{display:inline-block;padding:0 .4rem;border-radius:4px;background:#e5e9ee}
.alert{padding:.5rem .75rem;border-radius:6px;background:#fff4e5;border:1px solid #f5c27a}
nav,.navbar,.sticky,.ge-footer,#ge-cta-footer{display:none}
code,pre,.show-scrollbars{font-family:ui-monospace,monospace;font-size:12.5px;overflow-x:auto}
"""
MARK = "<style id='synth-offline'>"


def make_offline(site: Path, since: float | None = None) -> int:
    """Strip every network reference from the site's pages and style sheets and style the
    pages inline; returns how many files changed. Running it twice changes nothing more.
    ``since`` (a time stamp) limits the work to files written after it.
    """
    changed = 0
    for path in sorted(Path(site).rglob("*")):
        if path.suffix not in (".html", ".css") or not path.is_file():
            continue
        if since is not None and path.stat().st_mtime < since:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        cleaned = _strip(text)
        if path.suffix == ".html" and MARK not in cleaned:
            cleaned = cleaned.replace("</head>", f"{MARK}{CSS}</style></head>", 1)
        if cleaned != text:
            path.write_text(cleaned, encoding="utf-8")
            changed += 1
    return changed


def remote_references(text: str) -> list[str]:
    """Every network reference a browser would fetch from ``text`` (HTML or CSS)."""
    return [m.group(0) for m in REFERENCE.finditer(text)]


def _strip(text: str) -> str:
    for tag in _TAGS:
        text = tag.sub("", text)
    text = _HREF.sub('href="#"', text)
    text = _IMPORT.sub("", text)
    return _URL.sub("none", text)


def write_index(site: Path, title: str) -> Path:
    """The site's front page: one row per stored validation result, newest first."""
    site = Path(site)
    rows = _rows(site / ".store" / "validations")
    rows.sort(key=lambda r: (r["time"], r["run"], r["suite"]), reverse=True)
    suites = [
        (p.stem, p.relative_to(site).as_posix()) for p in sorted((site / "expectations").glob("*.html"))
    ]
    page = render_page(
        "data_docs.html.j2", title=title, rows=rows, runs=len({r["run"] for r in rows}), suites=suites
    )
    return write_text(page, site / "index.html")


def remove_runs(site: Path, run_names: Iterable[str]) -> int:
    """Remove the pages and stored results of the runs ``run_names`` (the retention of
    :mod:`synth.pipeline.retention`); returns how many folders went. The caller holds the
    site's lock and writes the index again.
    """
    site, names, removed = Path(site), set(run_names), 0
    for base in (site / "validations", site / ".store" / "validations"):
        for suite in sorted(p for p in base.glob("*") if p.is_dir()):
            for run in sorted(p for p in suite.iterdir() if p.name in names):
                shutil.rmtree(run, ignore_errors=True)
                removed += 1
    return removed


def _rows(store: Path) -> list[dict]:
    """One index row per stored result. Each result is parsed once and its row kept in
    ``.store/rows.json``: every validation writes the index, and a nightly job's site holds
    a result per validation of every run it made (docs/benchmarks.md).
    """
    kept = store.parent / "rows.json"
    try:
        cached = json.loads(kept.read_text())
    except (OSError, ValueError):  # none yet, or unreadable: parsed again below
        cached = {}
    rows = {}
    for path in sorted(store.rglob("*.json")):
        key = path.relative_to(store).as_posix()
        rows[key] = cached.get(key) or _row(json.loads(path.read_text()), key)
    if rows != cached:
        write_json(rows, kept)
    return list(rows.values())


def _row(result: dict, key: str) -> dict:
    run, statistics = result["meta"]["run_id"], result["statistics"]
    return {
        "run": run["run_name"], "time": run["run_time"][:19].replace("T", " "),
        "suite": result["suite_name"], "success": bool(result["success"]),
        "evaluated": statistics["evaluated_expectations"],
        "failed": statistics["unsuccessful_expectations"],
        "page": (Path("validations") / key).with_suffix(".html").as_posix(),
    }  # fmt: skip
