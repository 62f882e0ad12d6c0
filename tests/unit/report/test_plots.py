"""Plots are PNG images, encoded for an offline page, for every kind of aggregate."""

import base64

from synth.report import plots

PNG = b"\x89PNG\r\n\x1a\n"


def _decoded(image: str) -> bytes:
    return base64.b64decode(image)


def test_every_plot_is_a_png():
    numeric = {"name": "age", "type": "numeric", "datetime": False, "edges": [0, 1, 2],
               "real": [0.5, 0.5], "synthetic": [0.4, 0.6]}  # fmt: skip
    categorical = {"name": "sex", "type": "categorical", "levels": ["F", "M", "(other)"],
                   "real": [0.3, 0.7, 0.0], "synthetic": [0.35, 0.65, 0.0]}  # fmt: skip
    matrix = {"names": ["a", "b"], "values": [[1.0, 0.2], [0.2, 1.0]]}
    dcr = {"edges": [0, 1, 2], "synthetic": [0.5, 0.5], "holdout": [0.4, 0.6]}
    images = [
        plots.column_plot(numeric),
        plots.column_plot(categorical),
        plots.association_plot(matrix, matrix),
        plots.dcr_plot(dcr),
        plots.loss_plot([1.0, 2.0, 3.0, 10.0], var=3.0, es=10.0),
    ]
    for image in images:
        assert _decoded(image).startswith(PNG) and len(_decoded(image)) > 1000
    assert images[0] != images[1]
