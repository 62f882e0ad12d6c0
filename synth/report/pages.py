"""Every HTML page synth writes is a Jinja2 template in ``templates/``, rendered here.

Autoescaping is on (column names and job names are user data), undefined names are errors
(a template never silently prints nothing), and the style sheet is included inline, so each
page is one file that opens offline and loads nothing from the network.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2


@cache
def environment() -> jinja2.Environment:
    """The templates' environment, loaded from the installed package."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("synth.report", "templates"),
        autoescape=jinja2.select_autoescape(("html", "html.j2")),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(template: str, **context: Any) -> str:
    """``template`` (a file in ``templates/``) rendered with ``context``."""
    return environment().get_template(template).render(**context)
