"""Real mail servers on loopback for the mail tests: aiosmtpd (SMTP) and pymap (IMAP)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from forms_processor.config import Smtp
from forms_processor.home import Home, init_home, open_home
from tests.support import free_port


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class Sink:
    """An aiosmtpd handler keeping every message it accepts."""

    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 OK"


class SmtpServer:
    """A real SMTP server on a loopback port that can be stopped and started again."""

    def __init__(self, port: int | None = None, **smtp_kwargs: Any) -> None:
        self.port = port or free_port()
        self.sink = Sink()
        self.kwargs = smtp_kwargs
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port, **self.kwargs)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        with self.sink.lock:
            return list(self.sink.received)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def home(tmp_path: Path) -> Home:
    root = tmp_path / "home"
    init_home(root)
    return open_home(root)


def with_smtp(home: Home, port: int, security: str = "plain", **extra: Any) -> Home:
    smtp = Smtp(host="127.0.0.1" if security == "plain" else "localhost", port=port, security=security,
                sender="send.host@wensum-high.example.org", **extra)
    return Home(home.root, home.config.model_copy(update={"smtp": smtp}))


@dataclass
class CertFiles:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(self.cert, self.key)
        return ctx

    def client_context(self) -> ssl.SSLContext:
        """Verification on (the default context), trusting this certificate only."""
        ctx = ssl.create_default_context(cafile=str(self.cert))
        assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
        return ctx


def make_cert(folder: Path, name: str = "localhost") -> CertFiles:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return CertFiles(cert_path, key_path)


# -- a real IMAP server (pymap) ---------------------------------------------------------


def pymap_args(port: int, *extra: str, user: str = "demouser", password: str = "demopass") -> list[str]:
    """pymap's arguments: loopback, ``port``, the in-memory backend with one demo user."""
    return ["--host", "127.0.0.1", "--port", str(port), *extra, "dict", "--demo-data",
            "--demo-user", user, "--demo-password", password]


def pymap_command(port: int, *extra: str, user: str = "demouser", password: str = "demopass") -> list[str]:
    import sys

    exe = Path(sys.executable).with_name("pymap")
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "pymap"]
    return [*base, *pymap_args(port, *extra, user=user, password=password)]


def _imap_greets(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            return s.recv(64).startswith(b"* OK")
    except OSError:
        return False


class Pymap:
    """pymap in a child process on a loopback port (``extra`` e.g. ``--cert``/``--key`` for STARTTLS)."""

    def __init__(self, log: Path, *extra: str) -> None:
        import subprocess

        from tests.support import wait_for

        self.port = free_port()
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(pymap_command(self.port, *extra), stdout=self._log, stderr=subprocess.STDOUT)
        wait_for(lambda: self.proc.poll() is not None or _imap_greets(self.port), timeout=30)
        assert self.proc.poll() is None, log.read_text()

    def stop(self) -> None:
        import subprocess

        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._log.close()


@pytest.fixture
def resolve_to_loopback(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make the given host names resolve to 127.0.0.1 in this process (a provider's
    server name, served by a real server on loopback)."""
    import socket

    names: set[str] = set()
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.lower() in names:
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names.update
