"""Prefect flows: thin wiring of the library's stages, with retries and artifacts.

Loading the flows (as the command line and a Prefect worker do) switches telemetry off first.
"""

from synth.telemetry import switch_off

switch_off()
