"""Entry point: every command registered, and a :class:`~synth.errors.SynthError` printed as one
line on stderr with its exit code and no traceback; anything else is a bug and shows its
traceback.
"""

from __future__ import annotations

import atexit
import os
import sys

import typer

from synth.cli import bench, checks, database, jobs, models  # noqa: F401 - each registers its commands
from synth.cli.app import app
from synth.cli.console import err, quiet_environment
from synth.errors import SynthError


def main() -> None:
    """Run the app, turning SynthErrors into one clean line."""
    quiet_environment()
    try:
        app(standalone_mode=False)
    except SynthError as error:
        err.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(error.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as error:  # usage errors of typer's (vendored) click arrive here
        if type(error).__name__ == "NoArgsIsHelpError":  # `synth` alone: the help was printed
            sys.exit(0)
        if hasattr(error, "format_message") and isinstance(getattr(error, "exit_code", None), int):
            err.print(f"[bold red]error:[/] {error.format_message()}", highlight=False, soft_wrap=True)
            sys.exit(error.exit_code or 2)
        raise


def entry() -> None:
    """The console script: :func:`main`, then an exit without the interpreter's teardown.

    Every exit handler runs first (Prefect sends its last logs and events and stops its
    temporary server; logging flushes), then the streams are flushed and the process ends.
    Skipped is only the freeing of every module of torch, Great Expectations and Prefect one by
    one, which took about 2 s of each short run. Tests call :func:`main`, which exits normally.
    """
    try:
        main()
        code = 0
    except SystemExit as stop:
        if isinstance(stop.code, str):
            sys.stderr.write(stop.code + "\n")
        code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
