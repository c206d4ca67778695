"""The mail settings of ``cluster.toml``: ``[smtp]`` (sending) and ``[imap]`` (the school
mailbox), and how each signs in (a password, or OAuth 2.0)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_LOOPBACK_URL = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/")


class _MailSignIn(_Model):
    """How [smtp] or [imap] signs in: a password (the default) or OAuth 2.0 (mail/oauth.py)."""

    auth: str = Field("password", pattern=r"^(password|oauth2)$")
    oauth_provider: str | None = Field(None, pattern=r"^(microsoft|google|custom)$")
    oauth_client_id: str | None = None
    # Microsoft: the school's tenant (its domain or directory id); "organizations" when unset.
    oauth_tenant: str | None = None
    # custom: the RFC 8628 device authorization endpoint and the RFC 6749 token endpoint.
    oauth_device_url: str | None = None
    oauth_token_url: str | None = None
    oauth_scopes: list[str] | None = None
    # Google: the NAME of the environment variable holding the OAuth client's secret.
    oauth_client_secret_env: str | None = None

    @model_validator(mode="after")
    def _oauth_complete(self) -> _MailSignIn:
        if self.auth != "oauth2":
            return self
        if self.oauth_provider is None:
            raise ValueError('auth = "oauth2" needs oauth_provider = "microsoft", "google" or "custom"')
        if self.oauth_provider == "google" and not self.oauth_client_secret_env:
            raise ValueError('oauth_provider = "google" needs oauth_client_secret_env (the name of the environment'
                             " variable holding the OAuth client's secret)")
        if not self.oauth_client_id:
            raise ValueError('auth = "oauth2" needs oauth_client_id (the app registration\'s client id)')
        if not getattr(self, "username", None):
            raise ValueError('auth = "oauth2" needs username (the mailbox\'s address)')
        if self.oauth_provider == "custom":
            if not (self.oauth_device_url and self.oauth_token_url and self.oauth_scopes):
                raise ValueError('oauth_provider = "custom" needs oauth_device_url, oauth_token_url and oauth_scopes')
        for url in (self.oauth_device_url, self.oauth_token_url):
            if url and not (url.startswith("https://") or _LOOPBACK_URL.match(url)):
                raise ValueError(f"{url} must be an https:// address (http only to this machine)")
        return self


class Smtp(_MailSignIn):
    host: str
    port: int = 587
    username: str | None = None
    # Name of the environment variable holding the password (never the password).
    password_env: str | None = None
    use_keyring: bool = False
    security: str = Field("starttls", pattern=r"^(starttls|ssl|plain)$")
    sender: str | None = None
    # How long to wait for the server to connect, and for each of its replies.
    timeout_seconds: float = Field(30, gt=0, le=600)

    @model_validator(mode="after")
    def _plain_only_local(self) -> Smtp:
        if self.security == "plain" and self.host not in {"localhost", "127.0.0.1", "::1"}:
            raise ValueError("security = \"plain\" is allowed only for a server on this machine (localhost)")
        return self


class Imap(_MailSignIn):
    host: str
    port: int = 993
    username: str
    password_env: str | None = None
    use_keyring: bool = False
    security: str = Field("ssl", pattern=r"^(ssl|starttls|plain)$")
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    quarantine_folder: str = "Quarantine"
    poll_seconds: int = Field(60, ge=5)
    # Trust a school's From address only when the receiving server's Authentication-Results
    # says it passed DMARC (or aligned DKIM/SPF): "when-present", "required" or "off".
    sender_authentication: str = Field("when-present", pattern=r"^(when-present|required|off)$")
    # The receiving server's name in its Authentication-Results (e.g. "mx.google.com"); unset: the topmost.
    authserv_id: str | None = None
    # How long to wait for the server to connect, and for each of its replies.
    timeout_seconds: float = Field(30, gt=0, le=600)

    @model_validator(mode="after")
    def _plain_only_local(self) -> Imap:
        if self.security == "plain" and self.host not in {"localhost", "127.0.0.1", "::1"}:
            raise ValueError("security = \"plain\" is allowed only for a server on this machine (localhost)")
        if self.security == "starttls" and self.port == 993:
            raise ValueError("port 993 is for security = \"ssl\"; STARTTLS usually uses port 143")
        return self
