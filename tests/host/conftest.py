"""A real home for the Host's tests: the example cluster (plus a school with an awkward name),
SMTP pointed at a loopback port, and real filled Word/PDF application forms ingested through FormsApp."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from forms_processor.api import FormsApp
from forms_processor.documents import fill_docx, fill_pdf, sample_application, template_docx, template_pdf
from forms_processor.home import init_home, open_home
from forms_processor.intake.submission import Source, Submission
from forms_processor.readers import read_document
from forms_processor.spec import APPLICATION
from tests.support import free_port

ROUND = "Autumn 2 2026"
# Forms are sent the day before they arrive, a few days before the round's deadline (4 Dec 2026).
SENT_ON = date(2026, 12, 1)
RECEIVED = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
AWKWARD_SCHOOL = "Zoë d'Arc & St Éloi Primary School"
AWKWARD_TITLE = "Lego & <social> skills — £5 kits for Zoë's group"



def write_config(root: Path, smtp_port: int) -> None:
    cfg = root / "cluster.toml"
    text = cfg.read_text(encoding="utf-8")
    text += f"""
[[schools]]
name = "{AWKWARD_SCHOOL}"
code = "ZDA"
aliases = ["Zoe d'Arc"]
email_domains = ["zoe-darc.example.org"]
senco_email = "senco@zoe-darc.example.org"
headteacher = "Renée Müller"
headteacher_email = "head@zoe-darc.example.org"
ehcp = 3
sen_support = 20

[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "plain"
sender = "send.host@wensum-high.example.org"
"""
    cfg.write_text(text, encoding="utf-8")


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def home_dir(tmp_path: Path, smtp_port: int) -> Path:
    root, _ = init_home(tmp_path / "home")
    write_config(root, smtp_port)
    return root


def _in_process_read(data: bytes, name: str) -> Any:
    return read_document(data, name)


@pytest.fixture
def app(home_dir: Path) -> Iterator[FormsApp]:
    with FormsApp(open_home(home_dir), read=_in_process_read) as a:
        yield a


@dataclass
class Maker:
    app: FormsApp
    rng: random.Random = field(default_factory=lambda: random.Random(4))
    _docx: bytes | None = None
    _pdf: bytes | None = None
    n: int = 0
    titles: int = 0

    def values(self, school: str | None = None, mistakes: int = 0, **over: Any) -> dict[str, str | bool]:
        config = self.app.config
        sch = config.school_by_name(school) if school else self.rng.choice(config.schools)
        v, _ = sample_application(config, self.rng, school=sch, mistakes=mistakes, today=SENT_ON, round_name=ROUND)
        # Each form its own intervention: the same school and title would supersede the earlier form.
        self.titles += 1
        v["intervention_title"] = f"{v['intervention_title']} (group {self.titles})"
        v.update(over)
        return v

    def ingest(self, values: dict[str, str | bool], kind: str = "docx") -> Any:
        config = self.app.config
        if kind == "docx":
            self._docx = self._docx or template_docx(APPLICATION, config)
            data = fill_docx(self._docx, values)
        else:
            self._pdf = self._pdf or template_pdf(APPLICATION, config)
            data = fill_pdf(self._pdf, values)
        self.n += 1
        sub = Submission(data=data, file_name=f"application {self.n}.{kind}", source=Source.CLI, received_at=RECEIVED)
        return self.app.ingest(sub)

    def application(self, school: str | None = None, kind: str = "docx", **over: Any) -> str:
        """An accepted application (awaiting check); returns its reference."""
        result = self.ingest(self.values(school, **over), kind)
        assert result.status == "accepted", [m.message for m in result.messages]
        return str(result.reference)


@pytest.fixture
def maker(app: FormsApp) -> Maker:
    return Maker(app)


# -- a real SMTP server on loopback -------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server(smtp_port: int) -> Iterator[Callable[[], Inbox]]:
    """Call it to start the server (tests may first run with the server down)."""
    from aiosmtpd.controller import Controller

    controllers: list[Controller] = []
    inbox = Inbox()

    def start() -> Inbox:
        c = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
        c.start()
        controllers.append(c)
        return inbox

    yield start
    for c in controllers:
        c.stop()
