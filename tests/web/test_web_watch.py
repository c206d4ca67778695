"""``forms web --watch`` as a person runs it: one process serving the page and watching the
inbox; a real form dropped in the inbox appears on Today; SIGTERM stops both, cleanly."""

from __future__ import annotations

import re
import signal
import time
from pathlib import Path

import httpx
import pytest

from forms_processor.api import FormsApp
from forms_processor.documents import fill_docx, template_docx
from forms_processor.home import open_home
from forms_processor.spec import APPLICATION
from tests.host.conftest import Maker, _in_process_read
from tests.support import free_port, wait_for
from tests.web.conftest import OTHER_SCHOOL, PASSWORD
from tests.web.test_server import _forms, _up


def _signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=10, follow_redirects=True)
    page = client.get("/sign-in").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    r = client.post("/sign-in", data={"csrf": csrf.group(1), "username": "host", "password": PASSWORD})
    assert r.status_code == 200 and str(r.url).endswith("/today")
    return client


@pytest.mark.slow
def test_web_watch_takes_in_the_inbox_and_stops_on_sigterm(home_dir: Path) -> None:
    with FormsApp(open_home(home_dir), read=_in_process_read) as forms:
        forms.add_user("host", "host", PASSWORD)
        data = fill_docx(template_docx(APPLICATION, forms.config), Maker(forms).values(OTHER_SCHOOL))
        inbox = forms.home.inbox
    port = free_port()
    proc = _forms(home_dir, "web", "--watch", "--port", str(port))
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _up(f"{url}/sign-in") or proc.poll() is not None, timeout=30)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        client = _signed_in(url)
        try:
            assert OTHER_SCHOOL not in client.get("/today/panel").text
            # A real form, copied into the inbox as a person would (written, then moved in whole).
            (inbox.parent / "application.docx.part").write_bytes(data)
            (inbox.parent / "application.docx.part").rename(inbox / "application.docx")

            def arrived() -> str | None:
                text = client.get("/today/panel").text
                return text if OTHER_SCHOOL in text else None

            panel = wait_for(arrived, timeout=60, interval=0.5)
        finally:
            client.close()
        with FormsApp(open_home(home_dir), read=_in_process_read) as forms:
            (form,) = forms.list_forms()
        assert f">{form.reference}</a>" in panel
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert took < 15, f"took {took:.1f} s to stop"
    assert f"Watching {inbox}" in err and form.reference in err and "application.docx" in err
    assert err.index("Stopping the watcher") < err.index("Stopped.")
    assert "Traceback" not in err
    assert not list(inbox.iterdir())  # taken from the inbox, kept in the archive
