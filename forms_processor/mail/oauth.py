"""OAuth 2.0 sign-in for the mailbox (``[imap]``) and the mail server (``[smtp]``).

Microsoft 365 and Google Workspace accept an OAuth 2.0 access token over IMAP and SMTP
(SASL XOAUTH2) where they no longer accept a password. This module:

- knows each provider's endpoints and scopes (:func:`endpoints`), or takes them from
  the configuration (``oauth_provider = "custom"``);
- signs in once with the device-code flow (RFC 8628, :func:`device_login`): it shows an
  address and a code, the person signs in there on any device, and we poll the token
  endpoint until they have; for Google, whose device flow may not ask for mail, with the
  browser flow (authorization code, PKCE, a loopback redirect: :func:`browser_login`);
- keeps the refresh token (and the current access token) in the system keyring, or,
  where there is none, in an owner-only file under the data folder (:class:`TokenStore`);
- hands out access tokens, refreshed before they expire (:class:`TokenSource`). A
  refresh refused with ``invalid_grant`` (consent revoked, password changed, the token
  expired unused) raises :class:`SignInNeeded`, a plain message naming
  ``forms mail login``; mail waits in the queue meanwhile.

Plain HTTP (urllib) against the two RFC endpoints; no provider library.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, MailUnavailable, NotAllowed

log = logging.getLogger(__name__)

KEYRING_SERVICE = "forms_processor-oauth"
# An access token is refreshed when it has less than this left.
REFRESH_MARGIN = 300.0
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"

MICROSOFT_SCOPES = {
    "imap": ["https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"],
    "smtp": ["https://outlook.office.com/SMTP.Send", "offline_access"],
}
GOOGLE_SCOPES = ["https://mail.google.com/"]


class SignInNeeded(MailUnavailable):
    """No valid sign-in: someone must run ``forms mail login`` again."""


@dataclass(frozen=True)
class Endpoints:
    device_url: str
    token_url: str
    scopes: tuple[str, ...]
    client_id: str
    # Google: the browser flow (its device flow may not ask for mail), at this address.
    authorize_url: str = ""
    client_secret: str | None = None

    @property
    def flow(self) -> str:
        return "browser" if self.authorize_url else "device"


def login_command(section: str) -> str:
    return f"forms mail login --{section}"


def endpoints(section: str, cfg: Any) -> Endpoints:
    """Where to sign in for ``[section]`` (``imap`` or ``smtp``) and which scopes to ask for."""
    provider = cfg.oauth_provider
    scopes = list(cfg.oauth_scopes or [])
    if provider == "microsoft":
        tenant = cfg.oauth_tenant or "organizations"
        base = f"https://login.microsoftonline.com/{urllib.parse.quote(tenant, safe='')}/oauth2/v2.0"
        return Endpoints(cfg.oauth_device_url or f"{base}/devicecode", cfg.oauth_token_url or f"{base}/token",
                         tuple(scopes or MICROSOFT_SCOPES[section]), cfg.oauth_client_id)
    if provider == "google":
        secret = os.environ.get(cfg.oauth_client_secret_env or "") or None
        if not secret:
            raise ConfigError(
                f"The Google client secret for [{section}] is not set: the environment variable"
                f" {cfg.oauth_client_secret_env or '(oauth_client_secret_env)'} is empty.",
                hint="Set it before running the command (see the README, \"Signing in with Microsoft 365 or Google\").")
        return Endpoints("", cfg.oauth_token_url or "https://oauth2.googleapis.com/token",
                         tuple(scopes or GOOGLE_SCOPES), cfg.oauth_client_id,
                         authorize_url="https://accounts.google.com/o/oauth2/v2/auth", client_secret=secret)
    if provider == "custom":
        return Endpoints(cfg.oauth_device_url, cfg.oauth_token_url, tuple(scopes), cfg.oauth_client_id)
    raise ConfigError(f"[{section}] auth = \"oauth2\" needs oauth_provider = \"microsoft\", \"google\" or \"custom\".")


def xoauth2(username: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64)."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01"


# -- HTTP ------------------------------------------------------------------------------


class OAuthError(Exception):
    def __init__(self, code: str, description: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.description = description


def post_form(url: str, form: dict[str, str], timeout: float = 30.0) -> dict[str, Any]:
    """POST a form, return the JSON answer; an OAuth error answer raises OAuthError."""
    data = urllib.parse.urlencode(form).encode("ascii")
    request = urllib.request.Request(url, data=data, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 - https, or loopback in tests
            body = resp.read(1_000_000)
    except urllib.error.HTTPError as exc:
        try:
            answer = json.loads(exc.read(100_000) or b"{}")
        except ValueError:
            answer = {}
        if isinstance(answer, dict) and isinstance(answer.get("error"), str):
            raise OAuthError(answer["error"], str(answer.get("error_description") or "")[:300]) from None
        raise MailUnavailable(f"The sign-in service answered with an error (HTTP {exc.code}).",
                              hint="Try again later; if it goes on, ask the school's IT support.") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise MailUnavailable(f"The sign-in service could not be reached ({type(reason).__name__}).",
                              hint="Check this computer's internet connection; emails stay queued.") from None
    try:
        answer = json.loads(body)
    except ValueError:
        raise MailUnavailable("The sign-in service sent an answer that is not JSON.") from None
    if not isinstance(answer, dict):
        raise MailUnavailable("The sign-in service sent an unexpected answer.")
    return answer


# -- the stored sign-in ------------------------------------------------------------------


@dataclass
class Tokens:
    refresh_token: str
    access_token: str
    expires_at: float
    client_id: str
    token_url: str

    def dumps(self) -> str:
        """As kept in the keyring or the owner-only file."""
        return json.dumps(self.__dict__)

    @classmethod
    def loads(cls, text: str) -> Tokens:
        raw = json.loads(text)
        return cls(**{k: raw[k] for k in ("refresh_token", "access_token", "expires_at", "client_id", "token_url")})


def _usable_keyring() -> Any | None:
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
    except Exception:  # noqa: BLE001 - no keyring at all
        return None


class TokenStore:
    """The sign-in of one mailbox: in the system keyring when this computer has one,
    else in ``<data>/oauth/<section>-<id>.json`` (0600, in a 0700 folder)."""

    def __init__(self, section: str, username: str, host: str, data_dir: Path) -> None:
        self.section = section
        self.key = f"{section}:{username}@{host}"
        digest = hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:16]
        self.path = data_dir / "oauth" / f"{section}-{digest}.json"

    @property
    def where(self) -> str:
        return "the system keyring" if _usable_keyring() is not None else str(self.path)

    def load(self) -> Tokens | None:
        text: str | None = None
        kr = _usable_keyring()
        if kr is not None:
            try:
                text = kr.get_password(KEYRING_SERVICE, self.key)
            except Exception:  # noqa: BLE001 - an unusable keyring: the file is tried
                text = None
        if text is None:
            try:
                text = self.path.read_text(encoding="utf-8")
            except FileNotFoundError:
                return None
            except OSError as exc:
                raise ConfigError(f"The saved sign-in {self.path} could not be read ({exc.strerror}).") from None
        try:
            return Tokens.loads(text)
        except (ValueError, KeyError, TypeError):
            return None

    def save(self, tokens: Tokens) -> str:
        """Keep ``tokens``; returns where they went."""
        kr = _usable_keyring()
        if kr is not None:
            try:
                kr.set_password(KEYRING_SERVICE, self.key, tokens.dumps())
                return "the system keyring"
            except Exception:  # noqa: BLE001 - e.g. a locked keyring with no one to unlock it: the file
                log.warning("the system keyring could not be written; the sign-in is kept in %s", self.path)
        folder = self.path.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        tmp = folder / f".{self.path.name}.{os.getpid()}.part"
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(tokens.dumps())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        return str(self.path)


def tokens_from(answer: dict[str, Any], ep: Endpoints, previous: Tokens | None, now: float) -> Tokens:
    try:
        access = str(answer["access_token"])
        expires_in = float(answer.get("expires_in") or 3600)
    except (KeyError, TypeError, ValueError):
        raise MailUnavailable("The sign-in service's answer had no access token.") from None
    refresh = answer.get("refresh_token") or (previous.refresh_token if previous else None)
    if not refresh:
        raise NotAllowed("The sign-in service gave no refresh token, so the sign-in cannot be kept.",
                         hint="Include offline access in the permissions (oauth_scopes; see the README).")
    return Tokens(str(refresh), access, now + expires_in, ep.client_id, ep.token_url)


# -- using the sign-in -----------------------------------------------------------------------


class TokenSource:
    """Access tokens for one mailbox, refreshed before they expire."""

    def __init__(self, section: str, ep: Endpoints, store: TokenStore, clock: Callable[[], float] = time.time) -> None:
        self.section = section
        self.ep = ep
        self.store = store
        self.clock = clock
        self._tokens: Tokens | None = None

    def _need_login(self, why: str) -> SignInNeeded:
        return SignInNeeded(
            f"The OAuth sign-in for [{self.section}] {why}: run '{login_command(self.section)}'."
            " Emails and forms wait meanwhile.",
            hint="Sign in with the mailbox's account when asked (see the README).",
        )

    def expires_at(self) -> float:
        return self._tokens.expires_at if self._tokens else 0.0

    def access_token(self) -> str:
        tokens = self._tokens or self.store.load()
        if tokens is None:
            raise self._need_login("has not been done yet")
        if tokens.client_id != self.ep.client_id or tokens.token_url != self.ep.token_url:
            raise self._need_login("was made for another app registration (oauth_client_id changed)")
        if tokens.expires_at - self.clock() > REFRESH_MARGIN:
            self._tokens = tokens
            return tokens.access_token
        form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token, "client_id": self.ep.client_id,
                "scope": " ".join(self.ep.scopes)}
        if self.ep.client_secret:
            form["client_secret"] = self.ep.client_secret
        try:
            answer = post_form(self.ep.token_url, form)
        except OAuthError as exc:
            if exc.code in ("invalid_grant", "interaction_required", "consent_required", "invalid_client",
                            "unauthorized_client"):
                self._tokens = None
                raise self._need_login(f"is no longer valid (the provider answered {exc.code}: consent"
                                       " withdrawn, expired or the account changed)") from None
            raise MailUnavailable(f"The sign-in service refused to renew the access token ({exc.code}).",
                                  hint="It is tried again later; emails stay queued.") from None
        fresh = tokens_from(answer, self.ep, tokens, self.clock())
        self.store.save(fresh)
        self._tokens = fresh
        log.info("the OAuth access token for [%s] was renewed", self.section)
        return fresh.access_token

    def forget_access_token(self) -> None:
        """The server refused the token: the next one is fetched anew."""
        if self._tokens is not None:
            self._tokens = Tokens(self._tokens.refresh_token, "", 0.0, self._tokens.client_id, self._tokens.token_url)


def source_for(section: str, cfg: Any, data_dir: Path, clock: Callable[[], float] = time.time) -> TokenSource:
    """The token source for ``[section]`` as configured."""
    if not cfg.username:
        raise ConfigError(f"[{section}] auth = \"oauth2\" needs username (the mailbox's address).")
    ep = endpoints(section, cfg)
    return TokenSource(section, ep, TokenStore(section, cfg.username, cfg.host, data_dir), clock)
