"""How a queued email leaves: over SMTP (yagmail), or as an .eml file in ``outbox/mail/``.

Both transports send the same message, made by :func:`build_eml`: a text/plain body
exactly as composed, and the attachments. Over SMTP, yagmail opens the connection
(implicit TLS or STARTTLS with our verifying context) and we send that message on it.
We do not let yagmail compose the message: its ``prepare_message`` (0.16) turns every
newline of a text body into ``<br>``, in the text/plain part as well as in the HTML
part it adds, and puts the text into that HTML part unescaped; nothing in its
arguments turns that off (``yagmail.raw`` only stops a text being taken for a file
path). Its ``send`` also retries with sleeps after a disconnect; the queue retries.

Both transports take one :class:`QueuedMail` and return where it went, or raise
:class:`~forms_processor.errors.MailUnavailable` (the server cannot be reached or used:
the mail stays queued and the rest of the queue waits with it), :class:`MailDeferred`
(the server said "not now" to this one mail, a 4xx reply to its recipients or its
content: it is retried on its own back-off and the others go on) or :class:`MailRefused`
(this mail can never go as it is: a 5xx reply, a missing attachment; it is marked failed
with the server's words and the others go on).
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from ..config import Smtp
from ..errors import ConfigError, MailUnavailable, storage_fault
from ..home import save_owner_only
from . import providers
from .message import OutgoingMail
from .oauth import REFRESH_MARGIN, TokenSource, xoauth2
from .secrets import get_password

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class MailRefused(MailUnavailable):
    """This one mail cannot be sent as it is (retrying will not help)."""


class MailDeferred(MailUnavailable):
    """The server would not take this one mail now (a 4xx reply); it may later."""


def server_words(reply: bytes | str | None, limit: int = 200) -> str:
    """What the server said, as one short printable line (never the mail's contents)."""
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    text = " ".join((reply or "").split())
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text[:limit]


def _refusal(code: int, reply: bytes | str | None, what: str) -> MailUnavailable:
    """A 5xx reply about one mail fails that mail; any other reply about it defers it."""
    words = server_words(reply)
    said = f"{code} {words}".strip()
    if 500 <= code < 600:
        return MailRefused(
            f"The mail server refused {what} for good: {said}.",
            hint="Check the address or the email, then 'forms mail retry' it; the other emails went on.",
        )
    return MailDeferred(
        f"The mail server did not take {what} now: {said}.",
        hint="It is tried again later by itself; the other emails went on.",
    )


@dataclass(frozen=True, kw_only=True)
class QueuedMail(OutgoingMail):
    """One row of ``outgoing_mail`` as the transports see it: the mail that was queued,
    with its id, when it was queued and how often sending was tried."""

    id: int
    created_at: datetime | None = None
    attempts: int = 0

    def message_id(self, domain: str) -> str:
        """A Message-ID that is the same every time this queued mail is sent, so a
        mail resent after a crash is recognisable as the same message."""
        digest = hashlib.sha256(self.dedupe_key.encode("utf-8")).hexdigest()[:16]
        return f"<forms.{self.id}.{digest}@{domain or 'localhost'}>"


class Transport(Protocol):
    def send(self, msg: QueuedMail) -> str:
        """Send ``msg``; return where it went (``smtp:host`` or ``file:path``)."""
        ...

    def abort(self) -> None:
        """Cut a send in progress short (from another thread); send nothing more."""
        ...

    def close(self) -> None: ...


def _domain(address: str) -> str:
    return address.rpartition("@")[2] or "localhost"


def resolve_attachments(home_root: Path, attachments: tuple[str, ...]) -> list[Path]:
    """Absolute paths of a mail's attachments, each inside the home; MailRefused otherwise."""
    root = home_root.resolve()
    out: list[Path] = []
    for rel in attachments:
        path = (root / Path(rel).expanduser()).resolve()
        if root != path and root not in path.parents:
            raise MailRefused(f"An attachment ({rel}) is outside the home folder; the email was not sent.")
        if not path.is_file():
            raise MailRefused(
                f"An attachment ({rel}) is missing; the email was not sent.",
                hint="Make the file again (e.g. the response form), then run 'forms mail retry'.",
            )
        out.append(path)
    return out


def _headers(msg: QueuedMail, reply_to: str | None) -> dict[str, str]:
    headers = {
        # RFC 3834: an automatic message; well-behaved auto-responders do not answer it.
        "Auto-Submitted": "auto-generated",
        "X-Forms-Mail-Id": str(msg.id),
        "X-Forms-Kind": msg.kind,
    }
    if msg.reference:
        headers["X-Forms-Reference"] = msg.reference
    if reply_to:
        headers["Reply-To"] = reply_to
    return headers


# -- SMTP ------------------------------------------------------------------------


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
            raise _refusal(code, words, "every recipient" if len(replies) > 1 else "the recipient") from None
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
            self.close()
            self._provider_refusal(exc)  # "no passwords here" from Microsoft or Google: said plainly
            if isinstance(exc, smtplib.SMTPSenderRefused) and not 500 <= exc.smtp_code < 600:
                # "not now" about our own sender address: the server, not this mail.
                raise MailUnavailable(
                    f"The mail server did not accept the sender now ({exc.smtp_code} {server_words(exc.smtp_error)}).",
                    hint="The emails stay queued and are tried again later.",
                ) from None
            raise _refusal(exc.smtp_code, exc.smtp_error, "the email") from None
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


# -- files -----------------------------------------------------------------------


def _short_kind(kind: str) -> str:
    return "ack" if kind.startswith("ack") else kind


def build_eml(msg: QueuedMail, sender: str, sender_name: str | None, paths: list[Path],
              reply_to: str | None = None, date: datetime | None = None) -> EmailMessage:
    """The email as a standard message (what the file transport writes)."""
    em = EmailMessage()
    em["From"] = formataddr((sender_name, sender)) if sender_name else sender
    em["To"] = ", ".join(msg.to)
    if msg.cc:
        em["Cc"] = ", ".join(msg.cc)
    em["Subject"] = msg.subject
    em["Date"] = format_datetime(date or datetime.now(UTC))
    em["Message-ID"] = msg.message_id(_domain(sender))
    for key, value in _headers(msg, reply_to).items():
        em[key] = value
    em.set_content(msg.body)
    for path in paths:
        ctype, _ = mimetypes.guess_type(path.name)
        maintype, _, subtype = (ctype or "application/octet-stream").partition("/")
        em.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return em


class FileTransport:
    """Writes each email as an .eml file (owner-only) in ``folder``, named so a person
    can find it: ``2026-11-29 0930 ack WVC-2627-AU2-014.eml``. Sending the same queued
    mail again returns the file already written."""

    def __init__(self, folder: Path, home_root: Path, *, sender: str, sender_name: str | None = None,
                 reply_to: str | None = None, tz: ZoneInfo | None = None) -> None:
        self.folder = folder
        self.home_root = home_root
        self.sender = sender
        self.sender_name = sender_name
        self.reply_to = reply_to
        self.tz = tz or ZoneInfo("UTC")

    def _stem(self, msg: QueuedMail) -> str:
        when = (msg.created_at or datetime.now(UTC)).astimezone(self.tz)
        who = msg.reference or (msg.to[0].replace("@", " at ") if msg.to else f"mail {msg.id}")
        stem = f"{when:%Y-%m-%d %H%M} {_short_kind(msg.kind)} {who}"
        return "".join(ch if ch.isalnum() or ch in " -_.,()" else "_" for ch in stem)[:150]

    def _already_written(self, stem: str, msg: QueuedMail) -> Path | None:
        marker = f"X-Forms-Mail-Id: {msg.id}\n".encode()
        for path in self.folder.glob(f"{stem}*.eml"):
            try:
                with open(path, "rb") as fh:
                    head = fh.read(4096).replace(b"\r\n", b"\n")
            except OSError:
                continue
            if marker in head.split(b"\n\n", 1)[0] + b"\n":
                return path
        return None

    def send(self, msg: QueuedMail) -> str:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            stem = self._stem(msg)
            done = self._already_written(stem, msg)
            if done is not None:
                return f"file:{done}"
            paths = resolve_attachments(self.home_root, msg.attachments)
            data = bytes(build_eml(msg, self.sender, self.sender_name, paths, self.reply_to))
            tmp = self.folder / f".writing-{msg.id}-{os.getpid()}.part"
            save_owner_only(tmp, data)
            n = 1
            while True:
                target = self.folder / (f"{stem}.eml" if n == 1 else f"{stem} ({n}).eml")
                try:
                    os.link(tmp, target)  # never overwrites a file already there
                    break
                except FileExistsError:
                    n += 1
            os.unlink(tmp)
            return f"file:{target}"
        except MailUnavailable:
            raise
        except OSError as exc:
            fault = storage_fault(exc, f"writing an email to {self.folder}")
            if fault is not None and fault.kind != "permission":
                raise fault from None
            raise MailUnavailable(
                f"The email could not be written to {self.folder} ({exc.strerror or type(exc).__name__}).",
                hint="Check that the outbox folder exists and can be written to.",
            ) from None

    def abort(self) -> None:
        return None

    def close(self) -> None:
        return None
