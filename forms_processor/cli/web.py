"""``forms web``: the web page, a second screen over the same library (with ``--watch``, the
folder watcher beside it in the same process)."""

from __future__ import annotations

import click

from ._common import Context, cli, echo_err, pass_ctx


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on. Only this computer unless [web] certificate and key are configured.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port to listen on.")
@click.option("--watch", "watch_inbox", is_flag=True,
              help="Also watch the inbox folder (and the school mailbox), as 'forms watch' does, in this process.")
@pass_ctx
def web(ctx: Context, host: str, port: int, watch_inbox: bool) -> None:
    """Serve the web page (sign in, Today, each form's page), until Ctrl-C or SIGTERM.

    With --watch the folder watcher runs beside it (one line per form on stderr, as
    'forms watch'); on Ctrl-C or SIGTERM the page stops, then the watcher finishes the
    files in hand and stops too.

    \b
    Examples:
      forms web                      (http://127.0.0.1:8000/ on this computer)
      forms web --watch              (and take in every form dropped in the inbox)
      forms web --host 0.0.0.0       (the school network: needs [web] certificate and key)
    Add the people who may sign in first: forms user add NAME --role host
    """
    from ..drivers.beside import WatcherThread
    from ..web.server import serve
    from .watch import outcome_line, watch_settings

    with ctx.app() as app:
        if not app.users():
            echo_err("No one can sign in yet: add someone first with 'forms user add NAME --role host'.")
        beside = (WatcherThread(app.home, watch_settings(app.config), on_outcome=lambda o: echo_err(outcome_line(o)))
                  if watch_inbox else None)

        def ready(message: str) -> None:
            echo_err(message)
            if beside is not None:  # only once the port is ours: a busy port starts nothing
                beside.start()
                echo_err(f"Watching {app.home.inbox} for new files.")

        try:
            serve(app, host, port, on_ready=ready)
        finally:
            if beside is not None:  # before this app's database closes
                echo_err("Stopping the watcher: finishing the files in hand...")
                beside.stop()
    echo_err("Stopped.")
