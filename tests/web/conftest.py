"""The web page's fixtures: a real home with real filled forms ingested (tests/host's
Maker), users of every role, the Starlette app under a test client, and the app served by
uvicorn on loopback for the browser tests."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from forms_processor.api import FormsApp
from forms_processor.home import open_home
from forms_processor.web.app import create_app
from tests.host.conftest import AWKWARD_SCHOOL, Maker, _in_process_read, home_dir, smtp_port  # noqa: F401
from tests.support import free_port, wait_for

PASSWORD = "a long test password"
OTHER_SCHOOL = "Wensum High School"


class FakeClock:
    """Monotonic seconds the tests move on by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def forms(home_dir: Path) -> Iterator[FormsApp]:  # noqa: F811
    with FormsApp(open_home(home_dir), read=_in_process_read) as a:
        a.add_user("host", "host", PASSWORD)
        a.add_user("wp", "working-party", PASSWORD)
        a.add_user("fin", "finance", PASSWORD)
        a.add_user("gov", "viewer", PASSWORD)
        a.add_user("senco", "school", PASSWORD, school=AWKWARD_SCHOOL)
        yield a


@pytest.fixture
def maker(forms: FormsApp) -> Maker:
    return Maker(forms)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(forms: FormsApp, clock: FakeClock) -> Iterator[TestClient]:
    with TestClient(create_app(forms, clock=clock), base_url="http://127.0.0.1") as c:
        yield c


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> Any:
    page = client.get("/sign-in")
    return client.post("/sign-in", data={"csrf": csrf_of(page.text), "username": name, "password": password},
                       follow_redirects=False)


class Served:
    def __init__(self, url: str, clock: FakeClock) -> None:
        self.url = url
        self.clock = clock


@pytest.fixture
def served(forms: FormsApp, clock: FakeClock) -> Iterator[Served]:
    """The app under uvicorn on 127.0.0.1 and a free port, in a thread."""
    import uvicorn

    port = free_port()
    app = create_app(forms, poll_seconds=1, clock=clock)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for(lambda: server.started, timeout=10)
    yield Served(f"http://127.0.0.1:{port}", clock)
    server.should_exit = True
    thread.join(timeout=10)
