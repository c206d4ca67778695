"""The ``forms`` command: thin, over ``forms_processor.api``.

Exceptions become exit codes in one place (``_common.FormsGroup.invoke``).
Stdout is data (``--json``); stderr is for people (progress, hints, errors).
"""

from __future__ import annotations

import sys

import click

from ..errors import ExitCode

# Each module adds its commands to ``cli`` when imported.
from . import check, demo, host, intake, mail, queries, reports, templates, users, watch, web  # noqa: F401
from ._common import cli, quiet_closed_stdout

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Run the CLI. Usage errors exit with 2 (click's own code, documented); Ctrl-C with 130;
    a closed pipe (``forms list | head``) ends quietly with 0."""
    try:
        cli.main(args=argv, prog_name="forms")
    except KeyboardInterrupt:
        click.echo("\nStopped (Ctrl-C).", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        quiet_closed_stdout()
        sys.exit(ExitCode.OK)

