"""Prefect flows: thin wiring of the library's stages, with retries and artifacts.

Loading the flows (as the command line and a Prefect worker running a served deployment do)
switches telemetry off and makes a failed run's SynthError one log line, not a traceback.
"""

from synth.pipeline.logs import one_line_synth_errors
from synth.telemetry import switch_off

switch_off()
one_line_synth_errors()
