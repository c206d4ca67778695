"""Outside a home, a command says which folder it looked in and how to point at a home;
'forms init' gives next steps with the home's own paths; the demo's hints can be typed as
they are shown; a form the checker refused is not called "returned" (the Host's word)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.cli._common import activate_hint, command_name
from forms_processor.errors import ConfigError, ExitCode
from forms_processor.home import init_home

VENV_FORMS = Path(sys.executable).parent / "forms"


def test_a_folder_given_with_home_that_is_not_a_home(tmp_path: Path) -> None:
    empty = tmp_path / "not-a-home"
    empty.mkdir()
    result = CliRunner().invoke(cli, ["--home", str(empty), "status"])
    assert result.exit_code == ExitCode.CONFIG
    err = result.stderr
    assert f"There is no cluster.toml in {empty}, the folder given with --home" in err
    assert "forms --home /path/to/home COMMAND" in err and "FORMS_HOME=" in err and "forms init" in err
    assert "Traceback" not in err
    # The library says the same.
    with pytest.raises(ConfigError) as exc:
        FormsApp.open(empty)
    assert str(empty) in exc.value.message and "--home" in exc.value.hint


def test_forms_home_that_does_not_exist_is_named_as_such(tmp_path: Path) -> None:
    gone = tmp_path / "nowhere"
    result = CliRunner().invoke(cli, ["list"], env={"FORMS_HOME": str(gone)})
    assert result.exit_code == ExitCode.CONFIG
    assert f"There is no cluster.toml in {gone} (it does not exist), the folder named by FORMS_HOME" in result.stderr


def test_the_current_folder_inside_a_home_points_at_the_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _ = init_home(tmp_path / "home")
    monkeypatch.chdir(root / "inbox")
    monkeypatch.delenv("FORMS_HOME", raising=False)
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == ExitCode.CONFIG
    assert f"There is no cluster.toml in {root / 'inbox'}, the current folder" in result.stderr
    assert f"There is a cluster.toml in {root}: use forms --home {root} COMMAND" in result.stderr


def test_init_prints_next_steps_with_the_homes_own_paths(tmp_path: Path) -> None:
    root = tmp_path / "send forms"
    result = CliRunner().invoke(cli, ["--home", str(root), "init"])
    assert result.exit_code == 0
    err = result.stderr
    assert "Next steps:" in err
    assert f"Edit {root / 'cluster.toml'} for your cluster" in err
    assert f"forms --home '{root}' templates --out '{root / 'form_templates'}'" in err
    assert f"forms --home '{root}' watch" in err and f"dropped into {root / 'inbox'}" in err


def test_the_command_is_named_as_it_can_be_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # On the PATH: just "forms".
    assert command_name("/usr/local/bin/forms", "/usr/local/bin/forms", tmp_path) == "forms"
    # Not on the PATH: the path it was run by, relative to the current folder when inside it.
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "forms").write_text("")
    (bin_dir / "activate").write_text("")
    assert command_name(str(bin_dir / "forms"), "", tmp_path) == ".venv/bin/forms"
    assert command_name(str(bin_dir / "forms"), "", tmp_path / "elsewhere") == str(bin_dir / "forms")
    assert command_name("/x/forms_processor/__main__.py", "", tmp_path) == "python -m forms_processor"
    monkeypatch.chdir(tmp_path)
    assert activate_hint(".venv/bin/forms") == "(or run 'source .venv/bin/activate' once, then type just forms)"


@pytest.mark.skipif(not VENV_FORMS.exists(), reason="the forms script is installed only in the project's .venv")
def test_init_run_by_its_path_names_that_path(tmp_path: Path) -> None:
    """The real script, with a PATH that does not hold it: the hints say how to run it."""
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    env.pop("FORMS_HOME", None)
    done = subprocess.run([str(VENV_FORMS), "--home", str(tmp_path / "h"), "init"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert f"{VENV_FORMS} --home {tmp_path / 'h'} templates --out" in done.stderr
    assert f"source {VENV_FORMS.parent / 'activate'}" in done.stderr


def test_demo_hints_name_the_command_and_do_not_call_the_checkers_refusals_returned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", [str(VENV_FORMS), "demo"])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "demo-home"
    result = CliRunner().invoke(cli, ["--home", str(root), "demo", "--forms", "6", "--seed", "3"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"{VENV_FORMS} --home {root} check" in out
    assert f"{VENV_FORMS} --home {root} status" in out
    assert "Returned" not in out and "returned" not in out
    assert "Found mistakes: the school has been told what to correct" in out
