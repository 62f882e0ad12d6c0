"""The ``synth`` application object every command module registers on."""

from __future__ import annotations

from typing import Annotated

import typer

from synth.cli.console import out

HELP = "Synthetic data from real tables: fit, sample, validate, check privacy, benchmark."

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help=HELP)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        out.print(f"synth {version('synth')}")
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Synthetic data from real tables: fit, sample, validate, check privacy, benchmark."""
