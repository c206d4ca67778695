"""The big school mail providers (Microsoft 365, Google Workspace) and their refusals.

Microsoft 365 removed password sign-in for IMAP in 2022 and turns it off for SMTP
at the end of December 2026; Google Workspace takes only OAuth or an app password
since September 2024. Their refusals are recognised by the structured parts of the
reply (the SMTP reply code and its RFC 3463 enhanced status code, or an IMAP login
refused by one of their servers), never by the wording around them, and turned into
one plain message saying what to change. Pure: no network.
"""

from __future__ import annotations

import re

MICROSOFT = "microsoft"
GOOGLE = "google"

NAMES = {MICROSOFT: "Microsoft 365", GOOGLE: "Google Workspace"}

# Host name endings of each provider's IMAP and SMTP servers.
_HOSTS = {
    MICROSOFT: ("office365.com", "outlook.com", "office.com", "hotmail.com", "live.com"),
    GOOGLE: ("gmail.com", "googlemail.com", "google.com"),
}

# Enhanced status codes that mean "no password sign-in here" whatever the host.
_MICROSOFT_CODES = {
    "5.7.139",  # SMTP AUTH is turned off for the tenant or the mailbox
    "5.7.30",  # Basic authentication is not supported for Client Submission
}
# Google: an app password (or OAuth) is needed, or the sign-in was blocked as a password one.
_GOOGLE_CODES = {"5.7.9", "5.7.14", "5.7.8"}

_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


def provider_of(host: str | None) -> str | None:
    """``"microsoft"`` or ``"google"`` when ``host`` is one of their mail servers."""
    name = (host or "").strip().lower().rstrip(".")
    for provider, endings in _HOSTS.items():
        if any(name == e or name.endswith("." + e) for e in endings):
            return provider
    return None


def enhanced_code(reply: bytes | str | None) -> str | None:
    """The RFC 3463 enhanced status code at the start of an SMTP reply text ("5.7.139")."""
    if reply is None:
        return None
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    m = _ENHANCED.match(text)
    return ".".join(m.groups()) if m else None


def _switch(section: str, provider: str | None) -> str:
    if provider == GOOGLE:
        return (f"Use an app password for the mailbox's account under [{section}], or set auth = \"oauth2\" and"
                f" oauth_provider = \"google\" and run 'forms mail login --{section}' (see the README, \"Signing"
                ' in with Microsoft 365 or Google").')
    return ('Ask the school\'s IT support to register the forms system in Entra ID (see the README, "Signing in'
            f' with Microsoft 365 or Google"), then set auth = "oauth2" and oauth_provider = "microsoft" under'
            f" [{section}] and run 'forms mail login --{section}'.")


def smtp_refusal(host: str, code: int, reply: bytes | str | None) -> tuple[str, str] | None:
    """(message, hint) when an SMTP refusal says this provider takes no passwords here, else None."""
    enhanced = enhanced_code(reply)
    provider = provider_of(host)
    if enhanced in _MICROSOFT_CODES:
        provider = MICROSOFT
    elif not (provider == GOOGLE and code in (534, 535) and enhanced in _GOOGLE_CODES):
        return None
    where = f"{code} {enhanced}" if enhanced else str(code)
    if provider == GOOGLE:
        message = (f"Google no longer accepts the mailbox's normal password for sending ({where}): it needs an app"
                   " password or OAuth 2.0 sign-in. The emails stay queued.")
    else:
        message = (f"Microsoft 365 no longer accepts a password for sending from this mailbox ({where}):"
                   " it needs OAuth 2.0 sign-in. The emails stay queued.")
    return message, _switch("smtp", provider)


def imap_refusal(host: str) -> tuple[str, str] | None:
    """(message, hint) when a refused IMAP password login came from Microsoft's or Google's servers."""
    provider = provider_of(host)
    if provider == MICROSOFT:
        message = ("Microsoft 365 no longer accepts a password for reading this mailbox: it needs OAuth 2.0"
                   " sign-in. Forms sent by email wait on the server.")
    elif provider == GOOGLE:
        message = ("Google refused the mailbox's password: Google takes only an app password or OAuth 2.0"
                   " sign-in now. Forms sent by email wait on the server.")
    else:
        return None
    return message, _switch("imap", provider)
