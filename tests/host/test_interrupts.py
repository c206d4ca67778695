"""Ctrl-C ends a command with exit code 130 (the shell's convention); a closed pipe
(``forms list | head``) ends quietly with 0. Real processes and real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.errors import ExitCode
from tests.host.conftest import Maker
from tests.support import wait_for

FORMS = [sys.executable, "-m", "forms_processor"]


def test_interrupted_is_130_in_the_exit_codes() -> None:
    assert ExitCode.INTERRUPTED == 130


def test_ctrl_c_at_the_check_prompt_exits_130_and_keeps_what_was_done(
    app: FormsApp, maker: Maker, home_dir: Path
) -> None:
    maker.application()
    maker.application()
    proc = subprocess.Popen([*FORMS, "--home", str(home_dir), "check"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err: list[str] = []
    # A prompt ends without a newline: read character by character.
    reader = threading.Thread(target=lambda: err.extend(iter(lambda: proc.stderr.read(1), "")),  # type: ignore[union-attr]
                              daemon=True)
    reader.start()
    assert proc.stdin is not None
    proc.stdin.write("s\n")  # skip the first; then wait at the second's prompt
    proc.stdin.flush()
    wait_for(lambda: "".join(err).count("[f]orward") >= 2, timeout=20)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 130
    reader.join(timeout=5)
    text = "".join(err)
    assert "Stopped. 0 forwarded, 0 returned, 1 skipped." in text
    assert "Traceback" not in text and "KeyboardInterrupt" not in text and "Aborted!" not in text


def test_ctrl_c_inside_any_command_exits_130(home_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kw: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(FormsApp, "list_forms", interrupted)
    result = CliRunner().invoke(cli, ["--home", str(home_dir), "list"])
    assert result.exit_code == 130
    assert "Stopped (Ctrl-C)." in result.stderr and "Traceback" not in result.stderr


def _with_closed_stdout(*args: str) -> subprocess.CompletedProcess[str]:
    """Run forms with its stdout a pipe nobody reads any more (as 'forms list | head' once head has gone)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run([*FORMS, *args], stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60,
                              check=False)
    finally:
        os.close(write_end)


def test_a_closed_pipe_ends_quietly(app: FormsApp, maker: Maker, home_dir: Path) -> None:
    maker.application()
    for args in (["list"], ["list", "--json"], ["entitlement", "--json"], ["list", "--help"]):
        done = _with_closed_stdout("--home", str(home_dir), *args)
        assert done.returncode == 0, (args, done.stderr)
        assert done.stderr == "", (args, done.stderr)
