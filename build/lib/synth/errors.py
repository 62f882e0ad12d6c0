"""Named errors. Every user-facing failure is a ``SynthError`` whose message is one line.

The CLI prints ``str(error)`` and exits non-zero; it never shows a traceback for these.
Messages name the file, column or key at fault and never quote raw values from real data.
"""

from __future__ import annotations


class SynthError(Exception):
    """Base class of every error the pipeline reports to a user."""

    exit_code = 2


class InputError(SynthError):
    """A source cannot be read: missing, empty, corrupt, wrong encoding, bad query."""


class SchemaError(SynthError):
    """A table cannot be modelled as given: an all-null, constant or mixed-type column."""


class JobError(SynthError):
    """A job file or command-line option is invalid."""


class ModelError(SynthError):
    """A model cannot be built, loaded or sampled as asked."""


class NotFittedError(ModelError):
    """A model was asked to sample or save before ``fit``."""


class GateFailed(SynthError):
    """A privacy or validation gate refused to publish; ``checks`` holds the failed ones."""

    exit_code = 3

    def __init__(self, message: str, checks: list[dict] | None = None) -> None:
        super().__init__(message)
        self.checks = checks or []


class ValidationFailed(SynthError):
    """A table broke its expectation suite (input drift, or a bad synthetic output)."""

    exit_code = 4
