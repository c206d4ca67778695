"""``forms web`` as a person runs it: a real process, on loopback, stopped by SIGTERM or
Ctrl-C; any other address refused without TLS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_processor.cli import cli
from tests.support import free_port, wait_for


def _forms(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "forms_processor", "--home", str(home), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def test_refuses_another_address_without_tls(home_dir: Path) -> None:
    result = CliRunner().invoke(cli, ["--home", str(home_dir), "web", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "unless TLS is configured" in result.stderr and "[web]" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_busy_port_is_a_plain_message(home_dir: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = CliRunner().invoke(cli, ["--home", str(home_dir), "web", "--port", str(port)])
    assert result.exit_code == 2 and "Cannot listen" in result.stderr and "--port" in result.stderr


def test_missing_tls_files_are_named(home_dir: Path) -> None:
    with open(home_dir / "cluster.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[web]\ncertificate = "tls/forms.crt"\nkey = "tls/forms.key"\n')
    result = CliRunner().invoke(cli, ["--home", str(home_dir), "web", "--host", "0.0.0.0"])
    assert result.exit_code == 3 and "forms.crt" in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_serves_until_stopped(home_dir: Path, stop: signal.Signals) -> None:
    port = free_port()
    proc = _forms(home_dir, "web", "--port", str(port))
    try:
        wait_for(lambda: _up(f"http://127.0.0.1:{port}/sign-in") or proc.poll() is not None, timeout=20)
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in err and "No one can sign in yet" in err and "Stopped." in err
    assert "Traceback" not in err
