"""The school mailbox over IMAP: signing in, fetching and moving one message, and the
rules about its headers (who sent it, whether it is automatic). The poll that takes the
forms in, exactly once, is :mod:`forms_processor.workflow.mailbox`."""

from __future__ import annotations

import email
import email.parser
import email.policy
import imaplib
import logging
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import getaddresses
from typing import Any, TypeVar

from ..config import Config, Imap
from ..errors import ConfigError, MailUnavailable
from ..mail import providers
from ..mail.oauth import TokenSource
from ..mail.secrets import get_password
from .authresults import SenderCheck, check_sender

log = logging.getLogger(__name__)


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class Cutter:
    """Cuts the mailbox connections it was given, from another thread (a watcher stopping
    while the server is silent): each socket is shut at once, so a poll waiting for a
    reply fails at once; and a connection made after the cut is refused."""

    def __init__(self) -> None:
        self._cut = threading.Event()
        self._lock = threading.Lock()
        # The imaplib clients (their socket now: after STARTTLS, the wrapped one) and the
        # sockets they opened (known before a greeting or a TLS handshake is awaited).
        self._clients: list[Any] = []
        self._sockets: list[socket.socket] = []

    def track(self, client: Any, sock: socket.socket) -> None:
        with self._lock:  # a poll opens one connection: only the last few are kept
            self._clients = [*self._clients[-7:], client]
            self._sockets = [*self._sockets[-7:], sock]
        if self._cut.is_set():  # asked while this one was connecting: cut it too
            self.cut()

    def cut(self) -> None:
        self._cut.set()
        with self._lock:
            live = [getattr(c, "sock", None) for c in self._clients] + list(self._sockets)
        for sock in live:
            if sock is None:
                continue
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # closed already, or detached by STARTTLS (the wrapped one is cut)
                pass

    @property
    def is_cut(self) -> bool:
        return self._cut.is_set()


_Client = TypeVar("_Client", bound=imaplib.IMAP4)


def _tracked(base: type[_Client], cutter: Cutter) -> type[_Client]:
    """``base`` (imaplib.IMAP4 or IMAP4_SSL) that gives ``cutter`` each socket it opens,
    before the server's greeting is awaited."""

    class Tracked(base):  # type: ignore[valid-type, misc]
        def _create_socket(self, timeout: float | None) -> Any:
            if cutter.is_cut:
                raise OSError("the mailbox connection was cut: stopping")
            if not isinstance(self, imaplib.IMAP4_SSL):
                sock = super()._create_socket(timeout)
                cutter.track(self, sock)
                return sock
            # The TLS handshake can stall too: its socket is known before the handshake starts.
            raw = imaplib.IMAP4._create_socket(self, timeout)  # type: ignore[attr-defined]
            sock = self.ssl_context.wrap_socket(raw, server_hostname=self.host, do_handshake_on_connect=False)
            cutter.track(self, sock)
            sock.do_handshake()
            return sock

    return Tracked


def connect_imap(cfg: Imap, password: str | None = None, ssl_context: ssl.SSLContext | None = None,
                 timeout: float | None = None, tokens: TokenSource | None = None,
                 cutter: Cutter | None = None) -> Any:
    """Log in to the mailbox (an imap-tools mailbox, logged in, no folder selected).
    Connecting and every reply wait at most ``timeout`` seconds (``timeout_seconds``
    under [imap], 30 by default); ``cutter`` can cut the connection sooner, from another
    thread."""
    timeout = cfg.timeout_seconds if timeout is None else timeout
    if cfg.security == "plain" and cfg.host not in LOCAL_HOSTS:  # also refused by config.Imap
        raise ConfigError("[imap] security = \"plain\" is allowed only for a server on this machine (localhost).")
    if cfg.security == "starttls" and cfg.port == 993:
        raise ConfigError("[imap] port 993 is for security = \"ssl\"; STARTTLS uses port 143.",
                          hint="Set port = 143 for starttls, or security = \"ssl\" for port 993.")
    token = None
    if cfg.auth == "oauth2":
        if tokens is None:
            raise ConfigError("[imap] auth = \"oauth2\" needs a saved sign-in.", hint="Run 'forms mail login --imap'.")
        token = tokens.access_token()  # SignInNeeded when there is none or it was withdrawn
    elif password is None:
        password = get_password("imap", cfg.username, cfg.password_env, cfg.use_keyring)
    try:
        return _open(cfg, password, token, ssl_context, timeout, tokens, cutter)
    except MailUnavailable as exc:
        if token is None or tokens is None or not getattr(exc, "oauth_refused", False):
            raise
    # The server refused an access token we thought valid (withdrawn early, clocks apart):
    # renewed once (a withdrawn consent then says so), and tried once more.
    tokens.forget_access_token()
    return _open(cfg, password, tokens.access_token(), ssl_context, timeout, tokens, cutter)


def _mailbox(cfg: Imap, context: ssl.SSLContext, timeout: float, cutter: Cutter | None) -> Any:
    """An imap-tools mailbox, connected (not logged in), its sockets given to ``cutter``."""
    from imap_tools import MailBox, MailBoxUnencrypted

    cutter = cutter or Cutter()
    if cfg.security == "ssl":
        ssl_client = _tracked(imaplib.IMAP4_SSL, cutter)

        class CutSsl(MailBox):  # type: ignore[misc]
            def _get_mailbox_client(self) -> imaplib.IMAP4:
                return ssl_client(self._host, self._port, ssl_context=self._ssl_context, timeout=self._timeout)

        return CutSsl(cfg.host, cfg.port, timeout=timeout, ssl_context=context)
    plain_client = _tracked(imaplib.IMAP4, cutter)

    class CutPlain(MailBoxUnencrypted):  # type: ignore[misc]
        def _get_mailbox_client(self) -> imaplib.IMAP4:
            client = plain_client(self._host, self._port, timeout=self._timeout)
            if cfg.security == "starttls":
                client.starttls(context)  # raises when the server refuses, or its certificate fails
            return client

    return CutPlain(cfg.host, cfg.port, timeout=timeout)


def _open(cfg: Imap, password: str | None, token: str | None, ssl_context: ssl.SSLContext | None, timeout: float,
          tokens: TokenSource | None, cutter: Cutter | None = None) -> Any:
    from imap_tools.errors import MailboxLoginError

    context = ssl_context or ssl.create_default_context()
    box: Any
    try:
        box = _mailbox(cfg, context, timeout, cutter)
        try:
            if token is not None:
                box.xoauth2(cfg.username, token, initial_folder=None)
            else:
                box.login(cfg.username, password or "", initial_folder=None)
        except (MailboxLoginError, imaplib.IMAP4.error) as exc:
            _close(box)
            raise _login_refused(cfg, tokens if token is not None else None, exc) from None
        return box
    except MailUnavailable:
        raise
    except ssl.SSLCertVerificationError as exc:
        raise MailUnavailable(
            f"The mailbox server's certificate could not be verified ({exc.verify_message}).",
            hint="Check host under [imap]: it must be the name on the server's certificate.",
        ) from None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailUnavailable(
            f"The mailbox {cfg.username} at {cfg.host}:{cfg.port} could not be opened ({short_error(exc)}).",
            hint="Check [imap] in cluster.toml and the password; forms sent by email wait on the server.",
        ) from None
    except Exception as exc:  # noqa: BLE001 - imap-tools raises its own error types for a refused login
        raise MailUnavailable(
            f"The mailbox {cfg.username} at {cfg.host}:{cfg.port} refused the login ({type(exc).__name__}).",
            hint="Check username under [imap] and the password in the environment variable or keyring.",
        ) from None


def _login_refused(cfg: Imap, tokens: TokenSource | None, exc: Exception) -> MailUnavailable:
    """The server said no to the login (LOGIN, or AUTHENTICATE XOAUTH2)."""
    from imap_tools.errors import MailboxLoginError

    if tokens is not None:
        tokens.forget_access_token()
        refused = MailUnavailable(
            f"The mailbox {cfg.username} at {cfg.host}:{cfg.port} refused the OAuth sign-in.",
            hint="Check that the app registration has the IMAP.AccessAsUser.All permission (see the README);"
                 " then run 'forms mail login --imap'. Forms sent by email wait on the server.",
        )
        refused.oauth_refused = True  # type: ignore[attr-defined]
        return refused
    if not isinstance(exc, MailboxLoginError):  # a protocol error, not a refusal
        return MailUnavailable(
            f"The mailbox {cfg.username} at {cfg.host}:{cfg.port} could not be opened ({short_error(exc)}).",
            hint="Check [imap] in cluster.toml and the password; forms sent by email wait on the server.",
        )
    found = providers.imap_refusal(cfg.host)
    if found is not None:
        return MailUnavailable(*found)
    return MailUnavailable(
        f"The mailbox {cfg.username} at {cfg.host}:{cfg.port} refused the login.",
        hint="Check username under [imap] and the password in the environment variable or keyring.",
    )


def _close(box: Any) -> None:
    try:
        box.client.shutdown()
    except Exception:  # noqa: BLE001 - the connection may already be gone
        pass


def short_error(exc: BaseException) -> str:
    text = str(exc).splitlines()[0][:120] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextmanager
def connected(cfg: Imap, connect: Callable[[Imap], Any] | None = None, *, failed: str, hint: str) -> Iterator[Any]:
    """A connection to the mailbox, logged out of afterwards; the connection failing inside
    is a MailUnavailable saying ``failed`` ("The mailbox connection failed during the poll")
    with the error's words, and ``hint``."""
    box = (connect or connect_imap)(cfg)
    try:
        yield box
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailUnavailable(f"{failed} ({short_error(exc)}).", hint=hint) from None
    finally:
        try:
            box.logout()
        except Exception:  # noqa: BLE001 - the connection may already be gone
            pass


def mailbox_key(cfg: Imap) -> str:
    return f"{cfg.username}@{cfg.host}/{cfg.folder}"


def move_message(box: Any, uid: str, folder: str) -> bool:
    try:
        box.move([uid], folder)
        return True
    except Exception as exc:  # noqa: BLE001 - a failed move is retried at the next poll
        log.warning("could not move message %s to %s (%s); it is recorded and will not be processed again",
                    uid, folder, type(exc).__name__)
        return False


def fetch_message(box: Any, uid: str) -> Any | None:
    for msg in box.fetch(uid_list=[uid], mark_seen=False, bulk=False):
        if str(msg.uid) == str(uid):
            return msg
    return None


def internal_date(box: Any, uid: str) -> datetime | None:
    """When the server received the message (INTERNALDATE): the sender cannot set it."""
    try:
        typ, data = box.client.uid("fetch", uid, "(INTERNALDATE)")
        if typ != "OK":
            return None
        for item in data:
            if isinstance(item, bytes):
                tup = imaplib.Internaldate2tuple(item)
                if tup is not None:
                    import time

                    return datetime.fromtimestamp(time.mktime(tup), UTC)
    except Exception:  # noqa: BLE001 - the Date header is used instead
        return None
    return None


def _addresses(msg: email.message.Message, header: str) -> list[str]:
    return [a.strip().lower() for _, a in getaddresses([str(v) for v in msg.get_all(header, [])]) if a and "@" in a]


def authorised_sender(config: Config, raw: bytes) -> str | None:
    """The school address to answer, or None when the message is not from a school: the
    From address (and the Reply-To, when there is one) must belong to a configured school."""
    try:
        head = _headers(raw)
        froms = _addresses(head, "From")
        replies = _addresses(head, "Reply-To")
    except Exception:  # noqa: BLE001 - a From the email package cannot parse is no school's
        return None
    if len(froms) != 1 or config.school_for_address(froms[0]) is None:
        return None
    if replies and any(config.school_for_address(a) is None for a in replies):
        return None
    return replies[0] if replies else froms[0]


def sender_check(cfg: Imap, raw: bytes) -> SenderCheck:
    """Whether the receiving server authenticated the From address (see ``authresults``)."""
    head = _headers(raw)
    froms = _addresses(head, "From")
    own = cfg.username.rpartition("@")[2] or None
    return check_sender(head, froms[0] if froms else "", cfg.sender_authentication, cfg.authserv_id, own)


def _headers(raw: bytes) -> email.message.Message:
    """The message's headers only (its parts are not parsed)."""
    return email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(raw)


def from_address(raw: bytes) -> str | None:
    """The one From address of a message (lower case), or None when there is not exactly one."""
    try:
        froms = _addresses(_headers(raw), "From")
    except Exception:  # noqa: BLE001 - a From the email package cannot parse
        return None
    return froms[0] if len(froms) == 1 else None


def headers_of(raw: bytes) -> email.message.Message:
    """The message's headers only, or none when they cannot be parsed."""
    try:
        return _headers(raw)
    except Exception:  # noqa: BLE001 - headers the email package cannot take are none
        return email.message.Message()


def message_id_of(raw: bytes) -> str | None:
    return str(_headers(raw).get("Message-ID") or "").strip() or None


def is_automatic(raw: bytes) -> bool:
    """An auto-reply, bounce or list mail: never answered (no mail loops)."""
    head = _headers(raw)
    auto = str(head.get("Auto-Submitted") or "no").strip().lower()
    precedence = str(head.get("Precedence") or "").strip().lower()
    ctype = head.get_content_type()
    sender = str(head.get("From") or "").lower()
    return (
        auto != "no"
        or precedence in {"bulk", "junk", "list", "auto_reply"}
        or ctype == "multipart/report"
        or "mailer-daemon" in sender
        or "postmaster@" in sender
    )


def suffix(name: str) -> str:
    """A file's extension, lower case (".doc"), or "" (no name is ever put in an email)."""
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem and len(ext) <= 8 else ""
