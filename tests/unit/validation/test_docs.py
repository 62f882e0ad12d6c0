"""Data Docs made offline: every network reference gone, our sheet inline, once."""

from synth.validation.docs import MARK, make_offline, remote_references

PAGE = """<html><head>
<link rel="stylesheet" href="https://maxcdn.bootstrapcdn.com/bootstrap.min.css">
<link rel="icon" href="./static/images/favicon.ico">
<script src="https://code.jquery.com/jquery.min.js"></script>
<script>$(function(){ $('table').bootstrapTable(); });</script>
</head><body><img src="//cdn.example/logo.png"><a href="https://greatexpectations.io">GX</a>
<a href="validations/run.html">run</a><table><tbody><tr><td>Evaluated</td><td>65</td></tr></tbody></table>
</body></html>"""
SHEET = "body{background:url('https://assets.example/bg.png')} @import url('https://x.example/a.css');"


def test_every_remote_reference_goes_and_local_ones_stay(tmp_path):
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "static.css").write_text(SHEET)
    assert len(remote_references(PAGE)) == 4 and len(remote_references(SHEET)) == 2
    assert make_offline(tmp_path) == 2
    page, sheet = (tmp_path / "index.html").read_text(), (tmp_path / "static.css").read_text()
    assert remote_references(page) == [] and remote_references(sheet) == []
    assert "<script" not in page and page.count(MARK) == 1
    assert 'href="./static/images/favicon.ico"' in page and 'href="validations/run.html"' in page
    assert "<td>65</td>" in page  # the results stay
    assert make_offline(tmp_path) == 0  # a second pass changes nothing
