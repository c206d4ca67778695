"""An older Word file (.doc) sent by email is read as the same file dropped in the folder
is: converted by LibreOffice in the reading sandbox, then read as Word. Never the
"save it as .docx" reply where the program could read it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.config import Imap
from forms_processor.home import Home

from .test_mailbox import Forms, append, imap_port, mail_app, message, outgoing

__all__ = ["imap_port", "mail_app"]  # the real IMAP server's fixtures, used below

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="not installed: LibreOffice (soffice)")
DOC = ("application", "msword")


def saved_as_doc(docx: bytes, folder: Path) -> bytes:
    """The Word form saved as an old-style .doc by LibreOffice, as a school's computer would."""
    (folder / "form.docx").write_bytes(docx)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--convert-to",
                    "doc", "--outdir", str(folder), str(folder / "form.docx")],
                   check=True, capture_output=True, timeout=120)
    return (folder / "form.doc").read_bytes()


def test_a_doc_attached_to_a_saved_email_is_converted_and_read(tmp_path: Path, home: Home) -> None:
    forms = Forms(home.config)
    sender = home.config.schools[1].senco_email or ""
    doc = saved_as_doc(forms.application(1, title="Precision teaching"), tmp_path)
    eml = tmp_path / "old word.eml"
    eml.write_bytes(message(sender, "Our form", attachments=[("Our form.doc", doc, DOC)]).as_bytes())
    result = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", "--json", str(eml)], catch_exceptions=False)
    (row,) = json.loads(result.stdout)
    assert row["file"] == f"{eml} > Our form.doc"
    assert row["status"] in ("accepted", "invalid") and row["reference"], row
    shown = json.loads(CliRunner().invoke(cli, ["--home", str(home.root), "show", row["reference"], "--json"]).stdout)
    assert shown["reader"] == "docx" and shown["fields"]["intervention_title"] == "Precision teaching", shown


def test_a_doc_sent_to_the_mailbox_is_read_not_answered_with_save_as_docx(
        tmp_path: Path, mail_app: tuple[FormsApp, Imap], imap_port: int) -> None:
    app, cfg = mail_app
    forms = Forms(app.config)
    sender = app.config.schools[1].senco_email or ""
    doc = saved_as_doc(forms.application(1, title="Nurture group"), tmp_path)
    append(imap_port, message(sender, "Our form", attachments=[("Our form.doc", doc, DOC)]))
    report = app.poll_mailbox(cfg)
    (got,) = report.messages
    assert got.outcome == "ingested", got
    (result,) = got.results
    assert result["status"] in ("accepted", "invalid") and result["reference"], result
    kinds = [m["kind"] for m in outgoing(app)]
    assert "no-attachment" not in kinds and any(k.startswith("ack-") for k in kinds), kinds
