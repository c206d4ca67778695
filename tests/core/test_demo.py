"""The README's main job: 'forms demo' on a fresh home, through the real watcher."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from forms_processor.cli import cli


def test_demo_takes_in_a_deadline_day_batch(tmp_path: Path) -> None:
    root = tmp_path / "demo-home"
    result = CliRunner().invoke(cli, ["--home", str(root), "demo", "--forms", "6", "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    statuses = [f["status"] for f in report["files"]]
    assert len(statuses) == 9  # six forms and three unreadable files
    assert statuses.count("rejected") == 3
    assert statuses.count("accepted") + statuses.count("invalid") == 6
    # every form was answered by email, written as a file since no SMTP server is set
    assert len(report["emails"]) == 6
    assert all(Path(p).read_bytes().startswith(b"") and Path(p).suffix == ".eml" for p in report["emails"])
    # the inbox is empty: every file was filed away, none deleted
    assert not [p for p in (root / "inbox").rglob("*") if p.is_file()]
    assert len(list((root / "rejected").glob("*.reason.txt"))) == 3
    assert len([p for p in (root / "archive" / "by-date").rglob("*") if p.is_file()]) == 6


def test_demo_twice_gives_a_new_batch_not_duplicates(tmp_path: Path) -> None:
    root = tmp_path / "demo-home"
    for _ in range(2):
        result = CliRunner().invoke(cli, ["--home", str(root), "demo", "--forms", "2", "--json"])
        assert result.exit_code == 0, result.output
        assert "duplicate" not in [f["status"] for f in json.loads(result.stdout)["files"]]
