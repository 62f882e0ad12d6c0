"""Benchmark drivers: what `synth bench` runs. Metrics live in `synth.evaluation`; this package
times and compares models and pipelines on them.
"""
