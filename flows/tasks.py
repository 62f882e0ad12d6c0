"""The library's stages as Prefect tasks: names for the UI, retries for I/O only.

Only tasks that touch the outside world (reading the source, writing outputs) retry, with
backoff, and only on transient errors: a bad input fails at once with its one-line message.
DataFrames pass between tasks in process with Prefect's caching off: it cannot key a cache on a
DataFrame reliably, and a cached fit would be a pickled result, while a model file here must
never run code when loaded. A scheduled job reuses its model by input fingerprint and parameters
instead (``synth.pipeline.stages.reuse_model``: a signed folder of plain weights and JSON).
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from synth.errors import SynthError
from synth.pipeline import stages


def _transient(task, task_run, state) -> bool:
    """Retry only errors that may pass (I/O, network); never a SynthError (bad input)."""
    try:
        state.result()
    except SynthError:
        return False
    except Exception:  # noqa: BLE001 - anything else may be transient
        return True
    return False


IO_RETRIES = {"retries": 3, "retry_delay_seconds": [1, 4, 10], "retry_condition_fn": _transient}


def stage(name: str, **options):
    """A stage as a task named ``name``, never cached (see module docstring)."""
    return task(name=name, cache_policy=NO_CACHE, **options)


read_input = stage("read input", **IO_RETRIES)(stages.read_input)
infer = stage("infer schema")(stages.infer)
validate_input = stage("validate input")(stages.validate_input)
split_holdout = stage("split holdout")(stages.split_holdout)
learn_rules = stage("mine rules")(stages.learn_rules)
fit_model = stage("fit model")(stages.fit_model)
sample = stage("sample")(stages.sample)
privacy_gate = stage("privacy gate")(stages.privacy_gate)
validate_output = stage("validate output")(stages.validate_output)
evaluate = stage("evaluate")(stages.evaluate)
