"""The ``synth`` command line: each command parses its options, calls the library (or a flow,
found by name), and prints. ``jobs``: run, augment, simulate, serve; ``models``: fit, sample;
``checks``: privacy, expect, validate, report; ``bench``: the benchmarks.
"""

from synth.cli.main import app, entry, main

__all__ = ["app", "entry", "main"]
