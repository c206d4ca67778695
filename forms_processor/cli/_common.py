"""The command group and the options every command shares."""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from ..api import FormsApp, json_data
from ..config import CONFIG_NAME, Config, config_warnings
from ..errors import ExitCode, FormsError, storage_fault

F = TypeVar("F", bound=Callable[..., Any])


class Context:
    def __init__(self, home: str | None, verbose: bool, home_source: str | None = None) -> None:
        self.home_option = home
        self.verbose = verbose
        # How the home was named: "--home", "FORMS_HOME", or None (the current folder).
        self.home_source = home_source

    def app(self) -> FormsApp:
        app = FormsApp.open(self.home_option, home_source=self.home_source)
        warn_about_config(app.home.root / CONFIG_NAME, app.config)
        return app


def warn_about_config(path: Path, config: Config) -> None:
    """What is allowed in cluster.toml but probably a mistake, on stderr."""
    for warning in config_warnings(path, config):
        click.echo(f"Warning: {warning}", err=True)


class FormsGroup(click.Group):
    """The command group; turns errors into exit codes in exactly one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.Abort as exc:
            # click turns Ctrl-C at a prompt into Abort; the end of the input is left to click.
            if isinstance(exc.__context__, KeyboardInterrupt):
                click.echo("\nStopped (Ctrl-C).", err=True)
                ctx.exit(int(ExitCode.INTERRUPTED))
            raise
        except (click.exceptions.Exit, click.ClickException):
            raise
        except BrokenPipeError:  # the reader of stdout has gone (forms list | head): nothing more to say
            quiet_closed_stdout()
            ctx.exit(int(ExitCode.OK))
        except FormsError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            if exc.hint:
                click.echo(f"What to do: {exc.hint}", err=True)
            ctx.exit(int(exc.exit_code))
        except KeyboardInterrupt:
            click.echo("\nStopped (Ctrl-C).", err=True)
            ctx.exit(int(ExitCode.INTERRUPTED))
        except Exception as exc:  # noqa: BLE001 - the one place an unexpected error becomes a message
            fault = storage_fault(exc)
            if fault is not None:  # a full disk or a locked database: the machine's, said plainly
                click.echo(f"Error: {fault.message}", err=True)
                click.echo(f"What to do: {fault.hint}", err=True)
                ctx.exit(int(fault.exit_code))
            details = traceback.format_exc()
            log_path = Path.home() / ".forms_processor-error.log"
            where = ""
            try:
                fd = os.open(log_path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as fh:
                    fh.write(details)
                where = f" The details were written to {log_path} for whoever looks after the system."
            except OSError:
                pass
            click.echo(f"Error: something unexpected went wrong.{where}", err=True)
            verbose = isinstance(ctx.obj, Context) and ctx.obj.verbose
            if verbose:
                click.echo(details, err=True)
            ctx.exit(int(ExitCode.INTERNAL))


def quiet_closed_stdout() -> None:
    """Whoever read stdout has gone (``| head``): point stdout at /dev/null, so that the last
    flush when Python exits does not complain about the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@click.group(cls=FormsGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    envvar="FORMS_HOME",
    help="The folder holding cluster.toml and the data folders (default: the current folder; env FORMS_HOME).",
)
@click.option("-v", "--verbose", is_flag=True, help="Say more on stderr (never form contents).")
@click.version_option(package_name="forms_processor", prog_name="forms")
@click.pass_context
def cli(ctx: click.Context, home: str | None, verbose: bool) -> None:
    """forms_processor: the cluster's SEND funding forms, read, checked and tracked.

    \b
    Try it:       forms demo             (an invented cluster and a deadline-day batch)
    Set up:       forms init             (writes cluster.toml and the folders)
                  forms templates --out form_templates
    Forms in:     forms watch            (the inbox folder and mailbox, until Ctrl-C)
                  forms ingest FILES     (or name files and folders yourself)
    The round:    forms check, forms pack ROUND, forms decide, forms respond
    Looking:      forms list, forms show REF, forms status
    Afterwards:   forms remind, forms report governors, forms export
    """
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(message)s")
    source = ctx.get_parameter_source("home")
    home_source = {ParameterSource.COMMANDLINE: "--home", ParameterSource.ENVIRONMENT: "FORMS_HOME"}.get(source)  # type: ignore[arg-type]
    ctx.obj = Context(home, verbose, home_source)


pass_ctx = click.make_pass_decorator(Context)


def command_name(argv0: str | None = None, on_path: str | None = None, cwd: Path | None = None) -> str:
    """The forms command as this person can type it: ``forms`` when that is on the PATH and
    is this program; else the path it was run by, relative to the current folder when it is
    inside it (``.venv/bin/forms``); ``python -m forms_processor`` when run that way."""
    argv0 = sys.argv[0] if argv0 is None else argv0
    on_path = shutil.which("forms") if on_path is None else on_path
    cwd = Path.cwd() if cwd is None else cwd
    program = Path(argv0)
    if program.name == "__main__.py" and program.parent.name == "forms_processor":
        return "python -m forms_processor"
    if program.name != "forms":
        return "forms"  # run from a test or another program: the usual name
    try:
        if on_path and Path(on_path).resolve() == program.resolve():
            return "forms"
    except OSError:
        pass
    try:
        shown = program.resolve().relative_to(cwd.resolve())
        return shlex.quote(str(shown))
    except ValueError:
        return shlex.quote(str(program.resolve()))


def activate_hint(command: str) -> str | None:
    """When the command is typed with its path, how to type just ``forms`` instead."""
    if command in ("forms", "python -m forms_processor"):
        return None
    activate = Path(shlex.split(command)[0]).parent / "activate"
    return f"(or run 'source {shlex.quote(str(activate))}' once, then type just forms)" if activate.exists() else None


def home_words(root: Path, cwd: Path | None = None) -> str:
    """``--home DIR `` for a hint, or nothing when the home is the current folder."""
    cwd = Path.cwd() if cwd is None else cwd
    try:
        if root.resolve() == cwd.resolve():
            return ""
    except OSError:
        pass
    return f"--home {shlex.quote(str(root))} "


def json_option(f: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout, for scripts.")(f)


def echo_json(data: Any, indent: int | None = 2) -> None:
    """Results (typed models, or lists and dicts of them) as JSON on stdout, the one way."""
    click.echo(json_text(json.dumps(json_data(data), indent=indent, ensure_ascii=False, default=str)))


def json_text(text: str) -> str:
    """Valid UTF-8 whatever a file's name held: bytes that are not UTF-8 in a name (kept by
    Python as lone surrogates) become U+FFFD instead of breaking the whole output."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        raw = text.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def echo_err(text: str) -> None:
    click.echo(text, err=True)
