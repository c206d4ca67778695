"""The meeting's home: the tests' example cluster with a round budget small enough for the
budget guard to refuse, and the Working Party user "wp" a member from Wensum High School."""

from __future__ import annotations

from pathlib import Path

from forms_processor.home import init_home
from tests.host.conftest import write_config

BUDGET = "12000.00"  # Autumn 2 2026's budget at the meeting


def meeting_home(tmp_path: Path, smtp_port: int) -> Path:
    root, _ = init_home(tmp_path / "home")
    write_config(root, smtp_port)
    cfg = root / "cluster.toml"
    text = cfg.read_text(encoding="utf-8")
    au2 = 'code = "AU2"\ndeadline = 2026-12-04T12:00:00\nmeeting = 2026-12-09\nbudget = "20000.00"'
    member = 'name = "Kim Osei"                  # business director\nschool = "Wensum High School"\n# user = "kosei"'
    assert au2 in text and member in text
    text = text.replace(au2, au2.replace("20000.00", BUDGET)).replace(member, member.replace('# user = "kosei"',
                                                                                              'user = "wp"'))
    cfg.write_text(text, encoding="utf-8")
    return root
