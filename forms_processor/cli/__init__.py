"""The ``forms`` command: thin, over ``forms_processor.api``.

Exceptions become exit codes here and only here (``main``). Stdout is data
(``--json``); stderr is for people (progress, hints, errors).
"""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

import click

from ..errors import ExitCode, FormsError
from ._common import cli

# Each module adds its commands to ``cli`` when imported.
from . import intake as _intake  # noqa: E402,F401
from . import queries as _queries  # noqa: E402,F401

__all__ = ["cli", "main"]


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map every error to the documented exit code."""
    try:
        code = cli.main(args=argv, prog_name="forms", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Stopped.", err=True)
        sys.exit(ExitCode.USAGE)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except FormsError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        if exc.hint:
            click.echo(f"What to do: {exc.hint}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
        sys.exit(ExitCode.USAGE)
    except Exception:  # noqa: BLE001 - the one place an unexpected error is turned into a message
        log_path = Path.home() / ".forms_processor-error.log"
        try:
            with open(log_path, "a", encoding="utf-8") as fh:
                fh.write(traceback.format_exc())
            where = f" Details were written to {log_path} for whoever looks after the system."
        except OSError:
            where = ""
        click.echo(f"Error: something unexpected went wrong.{where}", err=True)
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        sys.exit(ExitCode.INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)
