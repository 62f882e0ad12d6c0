"""The risk page's plot is a PNG image, encoded for an offline page. (The run report's plots are
SVG: test_svg.py.)"""

import base64

from synth.report import plots

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_loss_plot_is_a_png():
    image = base64.b64decode(plots.loss_plot([1.0, 2.0, 3.0, 10.0], var=3.0, es=10.0))
    assert image.startswith(PNG) and len(image) > 1000
