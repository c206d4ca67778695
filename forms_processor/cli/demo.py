"""``forms demo``: the main job on the example cluster, start to finish."""

from __future__ import annotations

import click

from ..errors import ExitCode
from ..home import init_home
from ._common import Context, activate_hint, cli, command_name, echo_json, home_words, json_option, pass_ctx


@cli.command()
@click.option("--forms", "count", type=click.IntRange(1, 1000), default=24, show_default=True,
              help="How many filled-in application forms to drop into the inbox.")
@click.option("--seed", type=int, help="Make the same batch every time (any whole number).")
@json_option
@pass_ctx
def demo(ctx: Context, count: int, seed: int | None, as_json: bool) -> None:
    """Try it out: set up a home with an invented cluster, drop a deadline-day batch of
    forms into its inbox (Word and PDF, some with mistakes, some unreadable), take them
    in as 'forms watch --once' does, and show what was accepted and what was refused.

    Emails are written as .eml files under outbox/mail/ unless [smtp] is configured.
    Use --home to choose the folder (the README's 'python3 dev.py demo' uses demo-home/).
    """
    from ..api import FormsApp, json_data
    from ..demo import run_demo

    root, _ = init_home(ctx.home_option)
    with FormsApp.open(root) as app:
        report = run_demo(app, count=count, seed=seed)
    out = report.outcomes
    if as_json:
        echo_json({"home": str(report.home), "files": [json_data(o) for o in out],
                   "emails": [str(p) for p in report.emails]})
        return
    say = click.echo
    say(f"\nDeadline day at the {app.config.cluster.name}: {len(out)} files arrived in {app.home.inbox}.\n")
    accepted = [o for o in out if o.status == "accepted"]
    say(click.style(f"Accepted and queued for the SEND Host ({len(accepted)}):", bold=True))
    for o in accepted:
        say(f"  {o.reference:<18} {o.school}")
    for status, title in (("invalid", "Found mistakes: the school has been told what to correct"), ("rejected", "Could not be read"),
                          ("duplicate", "Already received")):
        group = [o for o in out if o.status == status]
        if not group:
            continue
        say(click.style(f"\n{title} ({len(group)}):", bold=True))
        for o in group:
            say(f"  {o.reference or '-':<18} {o.school or o.file}")
            for m in o.messages:
                say(f"      - {m}")
    say(f"\n{len(report.emails)} emails to schools are in {app.home.mail_outbox} (no mail server is configured).")
    say("Every file received is kept in archive/; unreadable ones are in rejected/ with a .reason.txt.")
    forms = command_name()
    at = home_words(report.home)
    say("\nNext, as the Host:")
    say(f"  {forms} {at}list --status awaiting_check")
    say(f"  {forms} {at}check            # forward or return each application")
    say(f"  {forms} {at}status           # what needs you today")
    activate = activate_hint(forms)
    if activate:
        say(f"  {activate}")
    if any(o.status != "accepted" for o in out):
        # The demo ran; some forms need attention, as on a real deadline day. Not an error.
        raise click.exceptions.Exit(ExitCode.OK)
