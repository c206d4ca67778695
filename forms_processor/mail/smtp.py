"""Sending a queued email over SMTP.

yagmail opens the connection (implicit TLS or STARTTLS with our verifying context;
plain only to this machine) and the message made by :func:`transport.build_eml` is sent
on it (why yagmail does not compose it: ``transport``'s docstring). Connecting and every
reply wait at most the configured timeout, and a send can be cut short from another
thread (a watcher stopping). Errors are those of ``transport``: MailUnavailable,
MailDeferred, MailRefused.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import threading
from pathlib import Path
from typing import Any

from ..config import Smtp
from ..errors import ConfigError, MailUnavailable
from . import providers
from .oauth import REFRESH_MARGIN, TokenSource, xoauth2
from .secrets import get_password
from .transport import LOCAL_HOSTS, QueuedMail, build_eml, refusal, resolve_attachments, server_words


class SmtpTransport:
    """yagmail over SMTP: STARTTLS (default) or implicit TLS, both verifying the
    server's certificate; plain only to this machine. One connection is kept
    between sends and dropped after any error.

    Connecting and every reply of the server wait at most ``timeout`` seconds. A send
    in progress can be cut short from another thread with :meth:`abort` (a watcher
    stopping): its connection is shut at once, and no later send is tried."""

    def __init__(
        self,
        config: Smtp,
        home_root: Path,
        *,
        sender: str,
        sender_name: str | None = None,
        reply_to: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = 30.0,
        password: str | None = None,
        tokens: TokenSource | None = None,
        copy_to: tuple[str, ...] = (),
    ) -> None:
        if config.security == "plain" and config.host not in LOCAL_HOSTS:
            raise ConfigError(
                "[smtp] security = \"plain\" is allowed only for a mail server on this machine (localhost).",
                hint="Use security = \"starttls\" (port 587) or \"ssl\" (port 465).",
            )
        self.config = config
        self.home_root = home_root
        self.sender = sender
        self.sender_name = sender_name or sender
        self.reply_to = reply_to
        self.context = ssl_context or ssl.create_default_context()
        self.timeout = timeout
        self.password = password
        # Blind copies (the Host's, when [host] copies = true): envelope recipients only, never a header.
        self.copy_to = copy_to
        self.tokens = tokens
        if config.auth == "oauth2":
            if tokens is None:
                raise ConfigError("[smtp] auth = \"oauth2\" needs a saved sign-in.",
                                  hint="Run 'forms mail login --smtp'.")
        elif password is None and config.username:
            self.password = get_password("smtp", config.username, config.password_env, config.use_keyring)
        self._client: Any = None
        # When the access token the connection signed in with runs out (OAuth).
        self._signed_in_until = 0.0
        self._aborted = threading.Event()
        # The smtplib connection being made or used now (for abort, from another thread).
        self._live: smtplib.SMTP | None = None
        self._socket: socket.socket | None = None

    def abort(self) -> None:
        """Cut the connection now (safe from another thread): a send waiting for the
        server fails at once as MailUnavailable, and every later send too."""
        self._aborted.set()
        for sock in (getattr(self._live, "sock", None), self._socket):
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:  # closed already, or detached by STARTTLS (the other one is cut)
                    pass

    def _tracked(self, base: type[smtplib.SMTP]) -> type[smtplib.SMTP]:
        """``base`` (smtplib.SMTP or SMTP_SSL) that tells this transport of its connection."""
        transport = self

        class Tracked(base):  # type: ignore[valid-type, misc]
            def connect(self, host: str = "localhost", port: int = 0, source_address: Any = None) -> Any:
                transport._live = self
                if transport._aborted.is_set():
                    raise smtplib.SMTPServerDisconnected("stopping")
                return super().connect(host, port, source_address)

            def _get_socket(self, host: str, port: int, timeout: float) -> Any:
                # Known to abort() before the server's greeting is awaited: a stop asked
                # while connecting is never missed (one of the two sees the other).
                if isinstance(self, smtplib.SMTP_SSL):  # the TLS handshake can stall too: known before it
                    raw = smtplib.SMTP._get_socket(self, host, port, timeout)  # type: ignore[attr-defined]
                    sock = self.context.wrap_socket(raw, server_hostname=self._host, do_handshake_on_connect=False)
                else:
                    sock = super()._get_socket(host, port, timeout)
                transport._socket = sock
                if transport._aborted.is_set():
                    sock.close()
                    raise smtplib.SMTPServerDisconnected("stopping")
                if isinstance(sock, ssl.SSLSocket):
                    sock.do_handshake()
                return sock

        return Tracked

    @property
    def where(self) -> str:
        return f"smtp:{self.config.host}:{self.config.port}"

    def _connect(self) -> Any:
        import yagmail

        security = self.config.security
        kwargs: dict[str, Any] = {"timeout": self.timeout}  # the socket's: connecting and each reply
        if security == "ssl":
            kwargs["context"] = self.context  # smtplib.SMTP_SSL(host, port, context=...)
        tracked = self._tracked(smtplib.SMTP_SSL if security == "ssl" else smtplib.SMTP)

        class Client(yagmail.SMTP):  # type: ignore[misc]
            @property
            def connection(self) -> type[smtplib.SMTP]:
                return tracked

        client = Client(
            {self.sender: self.sender_name},
            None,
            host=self.config.host,
            port=self.config.port,
            smtp_ssl=security == "ssl",
            # yagmail calls smtp.starttls(**dict): our context, so the certificate is verified.
            smtp_starttls={"context": self.context} if security == "starttls" else False,
            # We log in ourselves: yagmail would otherwise prompt on a terminal when no password is found.
            smtp_skip_login=True,
            **kwargs,
        )
        client.set_logging(None)
        if self.tokens is not None:
            try:
                self._oauth_sign_in(client)
            except BaseException:
                client.close()  # not kept: closed here
                raise
        else:
            client.login()  # connects (and STARTTLS), without AUTH
            if self.config.username:
                client.smtp.login(self.config.username, self.password or "")
        return client

    def _oauth_sign_in(self, client: Any) -> None:
        """AUTH XOAUTH2 with the current access token; when the server refuses one we
        thought valid (withdrawn early, clocks apart), once more with a renewed one (a
        withdrawn consent then raises SignInNeeded)."""
        assert self.tokens is not None
        for attempt in (1, 2):
            token = self.tokens.access_token()  # before connecting: a missing sign-in needs no server
            client.login()  # connects (and STARTTLS), without AUTH
            self._signed_in_until = self.tokens.expires_at()
            response = xoauth2(self.config.username or self.sender, token)
            client.smtp.ehlo_or_helo_if_needed()
            try:
                # After a refusal the server sends an error challenge; the answer to it is empty.
                client.smtp.auth("XOAUTH2", lambda challenge=None, r=response: r if challenge is None else "",
                                 initial_response_ok=True)
                return
            except smtplib.SMTPAuthenticationError:
                if attempt == 2:
                    raise
                self.tokens.forget_access_token()
                client.close()

    def _token_ran_out(self) -> bool:
        """The connection signed in with an access token that has (nearly) expired: a
        new connection signs in with a renewed one."""
        return self.tokens is not None and self.tokens.clock() > self._signed_in_until - REFRESH_MARGIN

    def send(self, msg: QueuedMail) -> str:
        paths = resolve_attachments(self.home_root, msg.attachments)
        message = build_eml(msg, self.sender, self.sender_name, paths, self.reply_to)
        # CRLF line ends on the wire (smtplib sends bytes as they are); long headers folded.
        data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        recipients = [*msg.to, *msg.cc]
        if self._aborted.is_set():
            raise MailUnavailable("Sending was stopped (the program is stopping).",
                                  hint="The email stays queued and is sent next time.")
        try:
            if self._client is not None and self._token_ran_out():
                self.close()
            if self._client is None:
                self._client = self._connect()
            client = self._client
            addressed = {a.lower() for a in recipients}
            copies = [a for a in self.copy_to if a.lower() not in addressed]
            refused = client.smtp.sendmail(self.sender, [*recipients, *copies], data)
        except smtplib.SMTPRecipientsRefused as exc:
            self.close()
            replies = list(exc.recipients.values())
            permanent = all(500 <= code < 600 for code, _ in replies)
            # The first reply of the kind that decides (a 4xx among 5xx makes it worth a retry).
            code, words = next((r for r in replies if permanent or not 500 <= r[0] < 600), replies[0])
            raise refusal(code, words, "every recipient" if len(replies) > 1 else "the recipient") from None
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            self.close()
            self._provider_refusal(exc)  # "no passwords here" from Microsoft or Google: said plainly
            if isinstance(exc, smtplib.SMTPSenderRefused) and not 500 <= exc.smtp_code < 600:
                # "not now" about our own sender address: the server, not this mail.
                raise MailUnavailable(
                    f"The mail server did not accept the sender now ({exc.smtp_code} {server_words(exc.smtp_error)}).",
                    hint="The emails stay queued and are tried again later.",
                ) from None
            raise refusal(exc.smtp_code, exc.smtp_error, "the email") from None
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            if self.tokens is not None:
                self.tokens.forget_access_token()
                raise MailUnavailable(
                    f"The mail server refused the OAuth sign-in for {self.config.username} ({_reply(exc)}).",
                    hint="Check that the app registration has the SMTP.Send permission and that authenticated"
                         " SMTP is allowed for the mailbox (see the README); then run 'forms mail login --smtp'.",
                ) from None
            self._provider_refusal(exc)
            raise MailUnavailable(
                f"The mail server refused the username or password ({exc.smtp_code}).",
                hint="Check username under [smtp] and the password in the environment variable or keyring.",
            ) from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            self._provider_refusal(exc)
            raise MailUnavailable(
                f"The mail server would not talk to us ({exc.smtp_code} {server_words(exc.smtp_error)}).",
                hint="The emails stay queued and are tried again later.",
            ) from None
        except ssl.SSLCertVerificationError as exc:
            self.close()
            raise MailUnavailable(
                f"The mail server's certificate could not be verified ({exc.verify_message}).",
                hint="Check host under [smtp]: it must be the name on the server's certificate.",
            ) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            self.close()
            raise MailUnavailable(
                f"The mail server {self.config.host}:{self.config.port} could not be reached ({type(exc).__name__}).",
                hint="The email stays queued and is tried again later.",
            ) from None
        if refused:
            return f"{self.where} (refused: {', '.join(sorted(refused))})"
        return self.where

    def _provider_refusal(self, exc: smtplib.SMTPResponseException) -> None:
        """Microsoft's or Google's "no passwords here" refusal, said plainly (the mail stays queued)."""
        found = providers.smtp_refusal(self.config.host, exc.smtp_code, exc.smtp_error)
        if found is not None:
            raise MailUnavailable(*found) from None

    def close(self) -> None:
        client, self._client = self._client, None
        self._live = None
        if client is not None:
            try:
                if self._aborted.is_set():  # no QUIT: it would wait for a server that does not answer
                    client.smtp.close()
                else:
                    client.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail; nothing to do
                pass


def _reply(exc: smtplib.SMTPResponseException) -> str:
    enhanced = providers.enhanced_code(exc.smtp_error)
    return f"{exc.smtp_code} {enhanced}" if enhanced else str(exc.smtp_code)


def _codes(codes: set[int]) -> str:
    return ", ".join(str(c) for c in sorted(codes))
