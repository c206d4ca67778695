"""The people who may sign in to the web page: ``forms user add|list|remove|password``."""

from __future__ import annotations

import sys

import click

from ..errors import UsageError
from ..service.users import Role
from ._common import Context, cli, echo_err, echo_json, json_option, pass_ctx


@cli.group()
def user() -> None:
    """The people who may sign in to the web page (forms web), and their roles.

    \b
    Roles: host (everything), working-party (applications and money), finance (totals),
    viewer (totals only), school (a SENCO: only their own school's forms).
    """


def _password(from_stdin: bool) -> str:
    if from_stdin:
        text = sys.stdin.readline().rstrip("\r\n")
        if not text:
            raise UsageError("No password was given on standard input.", hint="Pipe the password in, on one line.")
        return text
    return str(click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password", err=True))


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]), help="What they may see and do.")
@click.option("--school", help="For the school role: their school (its name, an alias or its code).")
@click.option("--password-stdin", "from_stdin", is_flag=True, help="Read the password from standard input.")
@pass_ctx
def user_add(ctx: Context, name: str, role: str, school: str | None, from_stdin: bool) -> None:
    """Add someone who may sign in. Without --password-stdin it asks for the password.

    \b
    Examples:
      forms user add sam --role host
      echo "a long password" | forms user add jo --role school --school "Hill Primary" --password-stdin
    """
    with ctx.app() as app:
        added = app.add_user(name, role, _password(from_stdin), school)
    where = f" for {added.school}" if added.school else ""
    echo_err(f"{added.name} added ({added.role.value}{where}); they can sign in to forms web.")


@user.command("list")
@json_option
@pass_ctx
def user_list(ctx: Context, as_json: bool) -> None:
    """List who may sign in, with their roles (never their passwords)."""
    with ctx.app() as app:
        people = app.users()
    if as_json:
        echo_json(people)
        return
    if not people:
        echo_err("No users yet: add one with 'forms user add NAME --role host'.")
    for p in people:
        click.echo(f"{p.name:<24} {p.role.value:<14} {p.school or ''}")


@user.command("remove")
@click.argument("name")
@pass_ctx
def user_remove(ctx: Context, name: str) -> None:
    """Remove someone: they can no longer sign in (a page they have open stops working)."""
    with ctx.app() as app:
        app.remove_user(name)
    echo_err(f"{name} removed.")


@user.command("password")
@click.argument("name")
@click.option("--password-stdin", "from_stdin", is_flag=True, help="Read the new password from standard input.")
@pass_ctx
def user_password(ctx: Context, name: str, from_stdin: bool) -> None:
    """Set a new password for someone (it asks for it, twice)."""
    with ctx.app() as app:
        app.set_password(name, _password(from_stdin))
    echo_err(f"The password of {name} is changed.")
