"""Every command of the CLI is documented in the README, and has --help."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from forms_processor.cli import cli

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def all_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        path = (*prefix, name)
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(all_commands(command, path))
    return found


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p))
def test_command_is_in_readme(path: tuple[str, ...]) -> None:
    assert f"forms {' '.join(path)}" in README, f"'forms {' '.join(path)}' is not documented in README.md"


@pytest.mark.parametrize("path", all_commands(), ids=lambda p: " ".join(p))
def test_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    assert len(result.output.splitlines()) > 3


def test_every_exit_code_is_documented() -> None:
    from forms_processor.errors import ExitCode

    for code in ExitCode:
        assert f"| {int(code)} |" in README
