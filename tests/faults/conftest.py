"""Fault injection: mail servers on loopback that refuse or stall, and the checks every
fault test ends with (each form recorded once or still waiting, the database sound)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from forms_processor.config import Smtp
from forms_processor.home import Home, init_home, open_home
from forms_processor.store.db import Database
from tests.support import free_port


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


def elapsed(start: float) -> float:
    return time.monotonic() - start
