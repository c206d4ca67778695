"""Fault injection: mail servers on loopback that refuse or stall, and the checks every
fault test ends with (each form recorded once or still waiting, the database sound)."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from forms_processor import home as home_module
from forms_processor.config import Smtp
from forms_processor.home import Home, init_home, open_home
from forms_processor.store.db import Database
from tests.support import free_port
from tests.watcher.conftest import Form, make_forms

_real_write_all = home_module._write_all


@dataclass
class Hostile:
    """An aiosmtpd handler that refuses chosen recipients at RCPT, or chosen messages at
    DATA (by a word in the subject), with the reply given; or answers slowly."""

    rcpt_replies: dict[str, str] = field(default_factory=dict)
    data_replies: dict[bytes, str] = field(default_factory=dict)
    delay: float = 0.0
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def _stall(self) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)

    async def handle_EHLO(self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]) -> list[str]:
        await self._stall()
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]) -> str:
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = bytes(envelope.original_content)
        for word, reply in self.data_replies.items():
            if word in data:
                return reply
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), data))
        return "250 OK"


class HostileServer:
    def __init__(self, handler: Hostile) -> None:
        self.handler = handler
        self.port = free_port()
        self.controller = Controller(handler, hostname="127.0.0.1", port=self.port, ready_timeout=10)

    def start(self) -> HostileServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.handler.delay = 0
        self.controller.stop()


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    server = HostileServer(Hostile()).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def forms(tmp_path_factory: pytest.TempPathFactory) -> list[Form]:
    """32 real filled application forms, each different: mostly Word, every seventh a
    PDF, every tenth with a mistake (as the watcher tests' forms, fewer)."""
    return make_forms(tmp_path_factory.mktemp("fault-forms-home"), 32, seed=20261202)


@pytest.fixture
def home(tmp_path: Path) -> Home:
    root, _ = init_home(tmp_path / "home")
    return open_home(root)


def with_smtp(home: Home, port: int, **extra: Any) -> Home:
    smtp = Smtp(host="127.0.0.1", port=port, security="plain", sender="send.host@wensum-high.example.org", **extra)
    return Home(home.root, home.config.model_copy(update={"smtp": smtp}))


def integrity_ok(path: Path) -> bool:
    db = Database(path)
    try:
        return bool(db.query("PRAGMA integrity_check")[0][0] == "ok")
    finally:
        db.close()


# How much memory a process used at its peak, in KB: its own high-water mark (``VmHWM``).
# Not ``getrusage(RUSAGE_SELF).ru_maxrss``: on Linux a process started from another (a
# test's subprocess started by pytest) inherits its parent's peak at exec, so that figure
# is pytest's own size (543 MB late in the full suite) and a growth below it cannot be seen.
# The same source is pasted into the subprocesses' probes (``PEAK_PROBE``).
PEAK_PROBE = """
def peak_kb():
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

def reset_peak():
    # Writing 5 to clear_refs sets the high-water mark back to the memory in use now.
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False
"""
_probe: dict[str, Any] = {}
exec(PEAK_PROBE, _probe)
peak_kb = _probe["peak_kb"]
reset_peak = _probe["reset_peak"]


def elapsed(start: float) -> float:
    return time.monotonic() - start


# -- a full disk ---------------------------------------------------------------------


class DiskFull:
    """Makes the program's one write routine (``home._write_all``) fail with ENOSPC while ``full``."""

    def __init__(self) -> None:
        self.full = False
        self.refused = 0

    def __call__(self, fd: int, data: bytes) -> None:
        if self.full:
            self.refused += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        _real_write_all(fd, data)


@pytest.fixture
def disk(monkeypatch: pytest.MonkeyPatch) -> DiskFull:
    fake = DiskFull()
    monkeypatch.setattr(home_module, "_write_all", fake)
    return fake


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 8 MB file system (tmpfs) mounted for the test; skipped where mounting is refused."""
    mount = shutil.which("mount")
    point = tmp_path / "small-disk"
    point.mkdir()
    if mount is None or os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root and mount(8); the injected ENOSPC tests cover the rest")
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this machine refused to mount a small file system: {done.stderr.strip() or done.returncode}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def fill_disk(folder: Path, leave: int) -> Path:
    """Write a file that leaves only ``leave`` bytes free on ``folder``'s file system."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    filler = folder / "filler.bin"
    with open(filler, "wb") as fh:
        chunk = b"\0" * (1 << 16)
        left = max(0, free - leave)
        try:
            while left > 0:
                left -= fh.write(chunk[: min(len(chunk), left)])
        except OSError:
            pass
    return filler


def stray_temporaries(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and (p.name.endswith(".tmp") or p.name.endswith(".part"))]


# -- a server that answers up to a stage, then says nothing ----------------------------


class Stalling:
    """A line-protocol server on loopback (``"smtp"`` or ``"imap"``) that answers as a real
    one would up to ``stage`` (``"connect"``: no greeting; ``"handshake"``: a client's TLS
    hello read and never answered, the handshake of ``security = "ssl"`` left hanging; else
    the command it never answers, e.g. ``"EHLO"``, ``"MAIL"``, ``"DATA"``, ``"LOGIN"``,
    ``"LIST"``), then holds
    the connection open without a word until it is stopped. ``stalled`` is set once a
    client waits on it."""

    def __init__(self, protocol: str, stage: str) -> None:
        self.protocol, self.stage = protocol, stage.upper()
        self.port = free_port()
        self.stalled = threading.Event()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._listener.settimeout(0.2)
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> Stalling:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
        for conn in self._conns:
            conn.close()
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _hold(self) -> None:
        self.stalled.set()
        self._stop.wait()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.stage == "CONNECT":
                self._hold()
                return
            if self.stage == "HANDSHAKE":
                hello = conn.recv(5)
                if hello[:1] == b"\x16":  # a TLS record of the handshake: the client's hello
                    self._hold()
                return
            conn.sendall(b"220 stall.example ESMTP\r\n" if self.protocol == "smtp" else b"* OK IMAP4rev1 ready\r\n")
            reader = conn.makefile("rb")
            while not self._stop.is_set():
                line = reader.readline()
                if not line:
                    return
                words = line.decode("ascii", "replace").split()
                tag, command = ("", words[0].upper()) if self.protocol == "smtp" else (words[0], words[1].upper())
                if command == self.stage:
                    self._hold()
                    return
                conn.sendall(self._answer(tag, command, conn, reader))
        except OSError:
            return

    def _answer(self, tag: str, command: str, conn: socket.socket, reader: Any) -> bytes:
        if self.protocol == "imap":
            if command == "CAPABILITY":
                return f"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n".encode()
            if command == "LOGIN":
                return f"{tag} OK signed in\r\n".encode()
            if command == "LOGOUT":
                return f"* BYE\r\n{tag} OK bye\r\n".encode()
            self._hold()  # anything further: silence
            return b""
        if command == "EHLO":
            return b"250-stall.example\r\n250 8BITMIME\r\n"
        if command == "DATA":
            conn.sendall(b"354 go ahead\r\n")
            while reader.readline() not in (b".\r\n", b""):
                pass
            return b"250 queued\r\n"
        if command == "QUIT":
            return b"221 bye\r\n"
        return b"250 OK\r\n"
