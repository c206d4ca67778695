"""OAuth 2.0 sign-in for the school's mailbox ([imap]) and outgoing mail ([smtp]).

Microsoft 365 and Google Workspace no longer take a password for IMAP (and soon SMTP):
they take an OAuth 2.0 access token, sent with SASL XOAUTH2. This module is a small
standards-based client over urllib for the three kinds of provider
(``oauth_provider = "microsoft" | "google" | "custom"``):

- :func:`device_login` runs the device authorization grant (RFC 8628) that
  ``forms mail login --imap/--smtp`` uses: it prints an address and a code, the Host
  signs in on any browser, and the refresh token is kept (:class:`TokenStore`: the
  system keyring, or where there is none an owner-only file under the data folder);
- :class:`TokenSource` turns the kept refresh token into access tokens (RFC 6749
  section 6), refreshed before they expire; a refresh the provider refuses (the consent
  was revoked, or has expired) raises :class:`OAuthSignInNeeded`, a
  :class:`MailUnavailable`: the emails stay queued and the folder intake goes on;
- :func:`provider_refusal` recognises Microsoft's and Google's answers to a password
  they no longer accept, and says how to switch to ``auth = "oauth2"``.

No token is ever logged or put in a message.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Imap, Smtp
from ..errors import ConfigError, FormsError, MailUnavailable

log = logging.getLogger(__name__)

KEYRING_SERVICE = "forms_processor-oauth"
TOKEN_FILE = "oauth-tokens.json"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


@dataclass(frozen=True)
class Provider:
    device_url: str
    token_url: str
    scopes: dict[str, tuple[str, ...]]


PROVIDERS = {
    "microsoft": Provider(
        device_url="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
        token_url="https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        scopes={
            "imap": ("https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"),
            "smtp": ("https://outlook.office.com/SMTP.Send", "offline_access"),
        },
    ),
    "google": Provider(
        device_url="https://oauth2.googleapis.com/device/code",
        token_url="https://oauth2.googleapis.com/token",
        scopes={"imap": ("https://mail.google.com/",), "smtp": ("https://mail.google.com/",)},
    ),
}


# The OAuth keys are shared by [imap] and [smtp] (config._MailAuth).
OAuthSettings = Smtp | Imap


class OAuthError(FormsError):
    """The identity provider answered with an error, or could not be reached."""

    exit_code = MailUnavailable.exit_code

    def __init__(self, message: str, hint: str = "", code: str = "") -> None:
        super().__init__(message, hint)
        self.code = code


class OAuthSignInNeeded(MailUnavailable):
    """No usable sign-in: never made, revoked, or expired. The mail waits for ``forms mail login``."""

    @classmethod
    def for_section(cls, section: str, username: str | None, reason: str) -> OAuthSignInNeeded:
        who = f" as {username}" if username else ""
        return cls(
            f"The sign-in to the {_what(section)} ({username or section}) is no longer accepted: {reason}.",
            hint=(
                f"Run 'forms mail login --{section}' and sign in again{who}. "
                + ("The emails stay queued and go once you have signed in."
                   if section == "smtp" else
                   "The forms sent by email wait on the server; the inbox folder is still read.")
            ),
        )


def _what(section: str) -> str:
    return "outgoing mail server" if section == "smtp" else "school mailbox"


# -- endpoints -----------------------------------------------------------------------


@dataclass(frozen=True)
class Endpoints:
    device_url: str
    token_url: str
    scopes: tuple[str, ...]
    client_id: str
    client_secret: str | None


def endpoints(section: str, cfg: OAuthSettings) -> Endpoints:
    """Where to sign in for ``[section]`` (the config was checked when it was loaded)."""
    if cfg.auth != "oauth2" or not cfg.oauth_client_id or not cfg.oauth_provider:
        raise ConfigError(
            f"[{section}] does not use OAuth sign-in.",
            hint=f"Set auth = \"oauth2\", oauth_provider and oauth_client_id under [{section}] (see the README).",
        )
    secret = None
    if cfg.oauth_client_secret_env:
        secret = os.environ.get(cfg.oauth_client_secret_env) or None
        if secret is None:
            raise ConfigError(
                f"The OAuth client secret for [{section}] is not set: the environment variable"
                f" {cfg.oauth_client_secret_env} is empty.",
                hint=f"Set {cfg.oauth_client_secret_env} before running the command.",
            )
    if cfg.oauth_provider == "custom":
        device, token = cfg.oauth_device_url or "", cfg.oauth_token_url or ""
        scopes = tuple(cfg.oauth_scopes or ())
    else:
        provider = PROVIDERS[cfg.oauth_provider]
        tenant = urllib.parse.quote(cfg.oauth_tenant or "organizations", safe="")
        device = provider.device_url.format(tenant=tenant)
        token = provider.token_url.format(tenant=tenant)
        scopes = tuple(cfg.oauth_scopes) if cfg.oauth_scopes else provider.scopes[section]
    for url in (device, token):
        check_url(url, section)
    return Endpoints(device, token, scopes, cfg.oauth_client_id, secret)


def check_url(url: str, section: str) -> None:
    """Only https, except to this machine."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS:
        return
    raise ConfigError(
        f"[{section}] has an OAuth address that is not https ({url}).",
        hint="Use the https:// addresses your identity provider publishes.",
    )


def _post(url: str, form: dict[str, str], timeout: float) -> dict[str, Any]:
    """POST a form to the identity provider; its JSON answer (an error answer raises OAuthError)."""
    body = urllib.parse.urlencode(form).encode("ascii")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
    })
    host = urllib.parse.urlsplit(url).hostname or url
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - https or loopback only
            data = json.loads(resp.read(1_000_000) or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            data = json.loads(exc.read(100_000) or b"{}")
        except ValueError:
            data = {}
        code = str(data.get("error") or "") if isinstance(data, dict) else ""
        if code:
            raise OAuthError(f"The sign-in service at {host} answered '{code}'.", code=code) from None
        raise OAuthError(f"The sign-in service at {host} answered with an error (HTTP {exc.code}).",
                         hint="Try again later; if it keeps happening, ask IT support to check the app registration.",
                         code="http") from None
    except (OSError, ValueError) as exc:
        raise OAuthError(f"The sign-in service at {host} could not be reached ({type(exc).__name__}).",
                         hint="Check the network connection and try again.", code="network") from None
    if not isinstance(data, dict):
        raise OAuthError(f"The sign-in service at {host} sent an answer that could not be read.", code="invalid")
    return data


class OAuthClient:
    """The two calls the tool makes: device authorization and the token endpoint."""

    def __init__(self, ends: Endpoints, timeout: float = 30.0) -> None:
        self.ends = ends
        self.timeout = timeout

    def _client_form(self) -> dict[str, str]:
        form = {"client_id": self.ends.client_id}
        if self.ends.client_secret:
            form["client_secret"] = self.ends.client_secret
        return form

    def start_device(self) -> dict[str, Any]:
        return _post(self.ends.device_url, {**self._client_form(), "scope": " ".join(self.ends.scopes)}, self.timeout)

    def poll_device(self, device_code: str) -> dict[str, Any]:
        return _post(self.ends.token_url, {**self._client_form(), "grant_type": DEVICE_GRANT,
                                           "device_code": device_code}, self.timeout)

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return _post(self.ends.token_url, {**self._client_form(), "grant_type": "refresh_token",
                                           "refresh_token": refresh_token, "scope": " ".join(self.ends.scopes)},
                     self.timeout)


# -- where the refresh token is kept ---------------------------------------------------


def _keyring() -> Any | None:
    """The system keyring, or None when this machine has none that works."""
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return None
        chained = getattr(backend, "backends", None)
        if chained is not None and not chained:
            return None
        return keyring
    except Exception:  # noqa: BLE001 - any keyring trouble means "not available"
        return None


class TokenStore:
    """One refresh token, kept in the system keyring, or where there is none in an
    owner-only file (``oauth-tokens.json``, 0600) in the data folder."""

    _lock = threading.Lock()

    def __init__(self, data_dir: Path, key: str) -> None:
        self.file = data_dir / TOKEN_FILE
        self.key = key

    @property
    def where(self) -> str:
        return "the system keyring" if _keyring() is not None else str(self.file)

    def _read_file(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            log.warning("the sign-in file %s could not be read; signing in again will replace it", self.file)
            return {}
        return data if isinstance(data, dict) else {}

    def _write_file(self, data: dict[str, Any]) -> None:
        from ..home import write_private

        self.file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_private(self.file, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))

    def load(self) -> str | None:
        ring = _keyring()
        if ring is not None:
            try:
                value = ring.get_password(KEYRING_SERVICE, self.key)
                if value:
                    return str(value)
            except Exception:  # noqa: BLE001 - fall back to the file
                log.warning("the system keyring could not be read; looking in %s", self.file)
        with self._lock:
            entry = self._read_file().get(self.key)
        return str(entry["refresh_token"]) if isinstance(entry, dict) and entry.get("refresh_token") else None

    def save(self, refresh_token: str) -> str:
        """Keep the token; returns where it went."""
        ring = _keyring()
        if ring is not None:
            try:
                ring.set_password(KEYRING_SERVICE, self.key, refresh_token)
                self._drop_from_file()
                return "the system keyring"
            except Exception:  # noqa: BLE001 - fall back to the file
                log.warning("the system keyring could not be written; the sign-in is kept in %s", self.file)
        with self._lock:
            data = self._read_file()
            data[self.key] = {"refresh_token": refresh_token, "saved_at": int(time.time())}
            self._write_file(data)
        return str(self.file)

    def _drop_from_file(self) -> None:
        with self._lock:
            data = self._read_file()
            if data.pop(self.key, None) is not None:
                self._write_file(data)

    def delete(self) -> None:
        ring = _keyring()
        if ring is not None:
            try:
                ring.delete_password(KEYRING_SERVICE, self.key)
            except Exception:  # noqa: BLE001 - nothing there
                pass
        self._drop_from_file()


def store_key(section: str, cfg: OAuthSettings) -> str:
    return f"{section}:{cfg.username}@{cfg.host}"


# -- access tokens ----------------------------------------------------------------------


class TokenSource:
    """Access tokens for one section, refreshed ``MARGIN`` seconds before they expire."""

    MARGIN = 120.0

    def __init__(self, section: str, username: str, client: OAuthClient, store: TokenStore,
                 clock: Callable[[], float] = time.time) -> None:
        self.section = section
        self.username = username
        self.client = client
        self.store = store
        self.clock = clock
        self._access: str | None = None
        self.expires_at: float | None = None
        self._lock = threading.Lock()
        self.refreshes = 0

    @classmethod
    def for_section(cls, section: str, cfg: OAuthSettings, data_dir: Path) -> TokenSource:
        """The token source for ``[section]``: one per process and account, so access
        tokens are reused between polls and sends until they are nearly expired."""
        ends = endpoints(section, cfg)
        key = (section, store_key(section, cfg), str(data_dir), ends)
        with _SOURCES_LOCK:
            source = _SOURCES.get(key)
            if source is None:
                source = _SOURCES[key] = cls(section, cfg.username or "", OAuthClient(ends),
                                             TokenStore(data_dir, store_key(section, cfg)))
            return source

    def access_token(self) -> str:
        with self._lock:
            if self._access and self.expires_at is not None and self.clock() < self.expires_at - self.MARGIN:
                return self._access
            refresh = self.store.load()
            if not refresh:
                raise OAuthSignInNeeded.for_section(self.section, self.username, "nobody has signed in yet")
            try:
                answer = self.client.refresh(refresh)
            except OAuthError as exc:
                if exc.code in {"invalid_grant", "invalid_client", "unauthorized_client", "interaction_required",
                                "consent_required", "access_denied"}:
                    self._access = None
                    raise OAuthSignInNeeded.for_section(
                        self.section, self.username, "the permission was withdrawn or has expired") from None
                raise MailUnavailable(exc.message, hint="Nothing is lost: it is tried again later.") from None
            token = answer.get("access_token")
            if not isinstance(token, str) or not token:
                raise MailUnavailable("The sign-in service sent no access token.",
                                      hint="Nothing is lost: it is tried again later.")
            self._access = token
            self.expires_at = self.clock() + _seconds(answer.get("expires_in"), 3600)
            self.refreshes += 1
            new_refresh = answer.get("refresh_token")
            if isinstance(new_refresh, str) and new_refresh and new_refresh != refresh:
                self.store.save(new_refresh)  # the provider rotated it
            return token

    def forget_access(self) -> None:
        """Drop the access token (the server refused it): the next use refreshes."""
        with self._lock:
            self._access = None
            self.expires_at = None


_SOURCES: dict[tuple[Any, ...], TokenSource] = {}
_SOURCES_LOCK = threading.Lock()


def _seconds(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def xoauth2_string(username: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64)."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01"


def xoauth2_responder(username: str, token: str) -> Callable[..., str]:
    """For ``smtplib.SMTP.auth``: the initial response, then an empty answer to the
    server's error challenge so that it sends its final refusal."""

    def respond(challenge: bytes | None = None) -> str:
        return xoauth2_string(username, token) if challenge is None else ""

    return respond


def xoauth2_b64(username: str, token: str) -> str:
    return base64.b64encode(xoauth2_string(username, token).encode("utf-8")).decode("ascii")


# -- signing in (device code) -------------------------------------------------------------


@dataclass
class LoginResult:
    section: str
    username: str
    kept_in: str
    scopes: tuple[str, ...]


def device_login(section: str, cfg: OAuthSettings, data_dir: Path, *, say: Callable[[str], None],
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 timeout: float = 30.0) -> LoginResult:
    """RFC 8628: show the address and the code, wait for the Host to sign in, keep the refresh token."""
    ends = endpoints(section, cfg)
    client = OAuthClient(ends, timeout=timeout)
    start = client.start_device()
    device_code = start.get("device_code")
    user_code = start.get("user_code")
    address = start.get("verification_uri") or start.get("verification_url")
    if not (isinstance(device_code, str) and isinstance(user_code, str) and isinstance(address, str)):
        raise OAuthError("The sign-in service did not send a code to sign in with.",
                         hint="Ask IT support to check that the app allows the device code flow (public client flows).")
    deadline = clock() + _seconds(start.get("expires_in"), 900)
    interval = max(float(start.get("interval") or 5) if _is_number(start.get("interval")) else 5.0, 0.0)
    say(f"To let forms_processor use the {_what(section)} ({cfg.username}):")
    say(f"  1. open {address} in a web browser (on any computer or phone)")
    say(f"  2. enter the code {user_code}")
    say(f"  3. sign in as {cfg.username} and accept.")
    say("Waiting for you to finish signing in (Ctrl+C stops)...")
    while True:
        if clock() >= deadline:
            raise OAuthError("The code expired before the sign-in was finished.",
                             hint=f"Run 'forms mail login --{section}' again and sign in within the time shown.",
                             code="expired_token")
        sleep(interval)
        try:
            answer = client.poll_device(device_code)
        except OAuthError as exc:
            if exc.code == "authorization_pending":
                continue
            if exc.code == "slow_down":
                interval += 5
                continue
            if exc.code == "expired_token":
                raise OAuthError("The code expired before the sign-in was finished.",
                                 hint=f"Run 'forms mail login --{section}' again and sign in within the time shown.",
                                 code=exc.code) from None
            if exc.code in {"access_denied", "authorization_declined"}:
                raise OAuthError("The sign-in was declined, so nothing was changed.",
                                 hint=f"Run 'forms mail login --{section}' again and choose to accept.",
                                 code=exc.code) from None
            raise
        refresh = answer.get("refresh_token")
        if not isinstance(refresh, str) or not refresh:
            raise OAuthError("The sign-in worked but the service gave no lasting permission (no refresh token).",
                             hint="Ask IT support to allow offline access (Microsoft: the offline_access scope).")
        store = TokenStore(data_dir, store_key(section, cfg))
        kept = store.save(refresh)
        with _SOURCES_LOCK:  # a running source forgets its old access token
            for key, source in _SOURCES.items():
                if key[0] == section and key[1] == store_key(section, cfg):
                    source.forget_access()
        say(f"Done: signed in as {cfg.username}. The permission is kept in {kept}.")
        return LoginResult(section=section, username=cfg.username or "", kept_in=kept, scopes=ends.scopes)


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


# -- the providers' refusals of a password ----------------------------------------------------


def provider_of(host: str, greeting: str = "") -> str | None:
    """``microsoft`` or ``google`` when the server is theirs (by its name or its greeting)."""
    host = host.lower().rstrip(".")
    text = greeting.lower()
    if (host.endswith((".office365.com", ".outlook.com", ".office.com")) or host == "outlook.com"
            or "microsoft" in text or "outlook.com" in text or "office365" in text):
        return "microsoft"
    if host.endswith((".gmail.com", ".google.com", ".googlemail.com")) or "gimap" in text or "gmail" in text \
            or "google" in text:
        return "google"
    return None


_NAMES = {"microsoft": "Microsoft 365", "google": "Google Workspace"}


def provider_refusal(section: str, host: str, greeting: str, code: int | None, reply: str) -> MailUnavailable | None:
    """The message for a provider refusing a password it no longer accepts, or None."""
    text = reply.lower()
    provider = provider_of(host, greeting)
    password_refused = (
        "5.7.139" in text or "5.7.30" in text or "basic authentication" in text
        or "authenticate failed" in text or "application-specific password" in text or "5.7.9" in text
        or (provider == "google" and ("5.7.8" in text or "invalid credentials" in text))
    )
    if provider is None or not password_refused:
        return None
    scopes = " and ".join(PROVIDERS[provider].scopes[section][:1])
    settings = "oauth_tenant (your school's domain or directory id)" if provider == "microsoft" else ""
    return MailUnavailable(
        f"{_NAMES[provider]} no longer accepts a password for this {_what(section)} ({host}"
        f"{f', {code}' if code else ''}): it needs an OAuth sign-in.",
        hint=(
            f"Ask IT support for an app registration with the permission {scopes} (the README says how), then set"
            f" under [{section}]: auth = \"oauth2\", oauth_provider = \"{provider}\", oauth_client_id"
            f"{', ' + settings if settings else ''}; then run 'forms mail login --{section}'."
            + (" Nothing is lost: the emails stay queued." if section == "smtp" else
               " Nothing is lost: the forms wait on the server.")
        ),
    )
