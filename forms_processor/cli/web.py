"""``forms web``: the web page, a second screen over the same library."""

from __future__ import annotations

import click

from ._common import Context, cli, echo_err, pass_ctx


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on. Only this computer unless [web] certificate and key are configured.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port to listen on.")
@pass_ctx
def web(ctx: Context, host: str, port: int) -> None:
    """Serve the web page (sign in, Today, each form's page), until Ctrl-C.

    \b
    Examples:
      forms web                      (http://127.0.0.1:8000/ on this computer)
      forms web --host 0.0.0.0       (the school network: needs [web] certificate and key)
    Add the people who may sign in first: forms user add NAME --role host
    """
    from ..web.server import serve

    with ctx.app() as app:
        if not app.users():
            echo_err("No one can sign in yet: add someone first with 'forms user add NAME --role host'.")
        serve(app, host, port, on_ready=echo_err)
    echo_err("Stopped.")
