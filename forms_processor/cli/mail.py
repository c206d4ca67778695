"""``forms mail``: the outgoing email queue (status, retry, send now), and the school mailbox (check)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

import click

from ..errors import ExitCode, UsageError
from ._common import Context, cli, echo_err, echo_json, json_option, pass_ctx


@cli.group()
def mail() -> None:
    """The emails the system sends (acknowledgements, replies, response forms).

    \b
    forms mail status         what is waiting, sent or failed
    forms mail send           send what is due now
    forms mail retry --all    try failed emails again
    forms mail check          read the school mailbox once ([imap] in cluster.toml)
    forms mail login --smtp   sign in with Microsoft 365 or Google (auth = "oauth2")
    """


@mail.command("status", short_help="Show what is waiting, sent or failed.")
@json_option
@pass_ctx
def status_cmd(ctx: Context, as_json: bool) -> None:
    """Show how many emails are queued, sent and failed, the oldest one waiting, and recent errors."""
    with ctx.app() as app:
        data = app.mail_status()
        data["transport"] = "smtp" if app.config.smtp is not None else f"files in {app.home.mail_outbox}"
        data["quarantined"] = app.quarantined_mail()
        tz = app.config.tz
    if as_json:
        echo_json(data)
        return
    c = data["counts"]
    click.echo(f"Emails: {c['queued']} queued, {c['sending']} being sent, {c['sent']} sent, {c['failed']} failed.")
    click.echo(f"Sent by: {data['transport']}")
    if data["due_now"]:
        click.echo(f"{data['due_now']} can be sent now: run 'forms mail send' (or leave 'forms watch' running).")
    oldest = data["oldest_queued"]
    if oldest:
        click.echo(f"Oldest waiting: number {oldest['id']} ({oldest['kind']}, {oldest['reference'] or 'no reference'}),"
                   f" queued {_when(oldest['created_at'], tz)}, next try {_when(oldest['next_attempt_at'], tz)}.")
    if data["last_sent_at"]:
        click.echo(f"Last sent: {_when(data['last_sent_at'], tz)}")
    if data["errors"]:
        click.echo("Recent problems:")
        for e in data["errors"]:
            click.echo(f"  {e['id']:>5}  {e['status']:<7} {e['kind']:<14} {e['reference'] or '':<18} "
                       f"tries: {e['attempts']}  {e['last_error']}")
        if any(e["status"] == "failed" for e in data["errors"]):
            click.echo("Try failed emails again with: forms mail retry --all")
    if data["quarantined"]:
        click.echo("Set aside in the mailbox's quarantine folder (not read, not answered):")
        for q in data["quarantined"]:
            click.echo(f"  message {q['uid']:>5}  {_when(q['processed_at'], tz)}  {q['detail']}")


@mail.command("retry", short_help="Queue failed emails again.")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "retry_all", is_flag=True, help="Every failed email, and every email waiting for its next try.")
@json_option
@pass_ctx
def retry_cmd(ctx: Context, ids: tuple[int, ...], retry_all: bool, as_json: bool) -> None:
    """Queue emails again so they are sent at the next 'forms mail send' (or by 'forms watch').

    IDS are the email numbers shown by 'forms mail status'. An email already sent is never sent again.
    """
    if bool(ids) == retry_all:
        raise UsageError("Give either email numbers or --all.", hint="For example: forms mail retry --all")
    with ctx.app() as app:
        result = app.retry_mail(None if retry_all else list(ids))
    if as_json:
        echo_json(result)
        return
    click.echo(f"Queued again: {len(result['requeued'])} email(s).")
    for s in result["skipped"]:
        echo_err(f"Email {s['id']} was not queued again: {s['reason']}.")


@mail.command("send", short_help="Send the emails that are due now.")
@click.option("--limit", type=click.IntRange(min=1), help="Send at most this many emails.")
@json_option
@pass_ctx
def send_cmd(ctx: Context, limit: int | None, as_json: bool) -> None:
    """Send the emails that are due now (by SMTP, or as .eml files in outbox/mail when no [smtp] is set)."""
    with ctx.app() as app:
        transport = app.mail_transport()
        try:
            report = app.send_mail(transport, limit=limit)
        finally:
            transport.close()
        waiting = app.mail_status()
        tz = app.config.tz
    if as_json:
        echo_json(report)
    elif report.busy:
        echo_err("Another program (for example 'forms watch') is sending the emails now: they go from there.")
    else:
        click.echo(f"Sent: {len(report.sent)}.  Waiting for a retry: {len(report.deferred)}.  Failed: {len(report.failed)}.")
        for s in report.sent:
            echo_err(f"  sent {s['id']} ({s['kind']}{', ' + s['reference'] if s['reference'] else ''}): {s['via']}")
        for f in report.failed:
            echo_err(f"  failed {f['id']} ({f['kind']}): {f['error']}")
        later = waiting["counts"]["queued"] - waiting["due_now"]
        if later > 0 and not report.unavailable:
            oldest = waiting["oldest_queued"] or {}
            echo_err(f"{later} email(s) wait for their next try after a problem (see 'forms mail status');"
                     f" 'forms mail retry --all' makes them due now.{_next_try(oldest, tz)}")
    if report.unavailable:
        echo_err(f"The mail server could not be used: {report.unavailable}")
        echo_err("The emails stay queued and are tried again later ('forms mail status' shows them).")
        ctx_exit(ExitCode.MAIL_UNAVAILABLE)
    elif report.failed:
        ctx_exit(ExitCode.MAIL_UNAVAILABLE)


def _next_try(row: dict[str, object], tz: tzinfo) -> str:
    when = row.get("next_attempt_at")
    return f" Next try: {_when(str(when), tz)}." if when else ""


def _when(stamp: str | None, tz: tzinfo) -> str:
    """A stored UTC time as a person reads it, in the cluster's time zone: 29 Nov 2026 09:31."""
    if not stamp:
        return "-"
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return stamp
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b %Y %H:%M}"


def ctx_exit(code: int) -> None:
    click.get_current_context().exit(code)


@mail.command("check", short_help="Read the school mailbox once and take in the forms sent.")
@json_option
@pass_ctx
def check_cmd(ctx: Context, as_json: bool) -> None:
    """Read the school mailbox ([imap] in cluster.toml) once: every new form is checked and
    its acknowledgement queued, exactly as 'forms ingest' does; 'forms mail send' then sends
    them. ('forms watch' does both every poll_seconds.)"""
    with ctx.app() as app:
        report = app.poll_mailbox()
        due = app.mail_status()["due_now"]
    if as_json:
        echo_json(report)
        return
    echo_err(f"Mailbox {report.mailbox}: {len(report.messages)} new message(s); "
             f"{report.skipped} seen before.")
    for m in report.messages:
        refs = ", ".join(f"{r['status']} {r['reference'] or r['file']}" for r in m.results)
        what = {
            "ingested": f"forms: {refs}",
            "no-attachment": "no form attached" + (" (reply queued)" if m.replied else ""),
            "quarantined": f"{m.detail or 'sender is not a school'}: moved to quarantine, not answered",
            "gone": "deleted from the server before it could be read",
            "error": "could not be processed now; it stays in the mailbox and is tried again",
            "failed": "could not be processed; it is left in the mailbox and the Host has been emailed",
        }.get(m.outcome, m.outcome)
        echo_err(f"  message {m.uid}: {what}")
    if due:
        echo_err(f"{due} email(s) to schools are ready: run 'forms mail send' to send them"
                 " ('forms watch' sends them by itself).")


@mail.command("login", short_help="Sign the mailbox in with OAuth 2.0 (Microsoft 365, Google).")
@click.option("--imap", "section", flag_value="imap", help="Sign in for reading the school mailbox ([imap]).")
@click.option("--smtp", "section", flag_value="smtp", help="Sign in for sending ([smtp]).")
@pass_ctx
def login_cmd(ctx: Context, section: str | None) -> None:
    """Sign in once for [imap] or [smtp] when auth = "oauth2": shows an address and a code;
    open the address on any computer or phone, enter the code and sign in as the mailbox
    (Google: opens the sign-in page in this computer's browser instead).
    The sign-in is kept (the system keyring, or an owner-only file in the data folder) and
    renewed by itself; run this again only when told to."""
    if section is None:
        raise UsageError("Say which sign-in: --imap (reading the mailbox) or --smtp (sending).",
                         hint="For example: forms mail login --smtp")

    def show(code: Any) -> None:
        minutes = max(1, round(code.expires_in / 60))
        if not code.user_code:  # the browser flow (Google)
            echo_err(f"To sign in for [{section}], open this address in a web browser on this computer:")
            echo_err(f"  {code.verification_uri}")
            echo_err(f"Sign in as the mailbox's account and accept. Waiting up to {minutes} minute(s)...")
            return
        echo_err(f"To sign in for [{section}], open {code.verification_uri} and enter the code {code.user_code}")
        if code.verification_uri_complete:
            echo_err(f"  (or open {code.verification_uri_complete}, which has the code in it)")
        echo_err(f"Sign in as the mailbox's account and accept. The code works for {minutes} minute(s);"
                 " waiting for you to finish...")

    with ctx.app() as app:
        where = app.mail_login(section, show, **_browser(app.config, section))
    click.echo(f"Signed in for [{section}]. The sign-in is kept in {where} and renewed by itself.")


def _browser(config: Any, section: str) -> dict[str, Any]:
    """For the browser flow, open the address in this computer's browser when it has one."""
    cfg = config.imap if section == "imap" else config.smtp
    if cfg is None or cfg.oauth_provider != "google":
        return {}
    import webbrowser

    return {"open_browser": webbrowser.open}
