"""Users and roles kept in the database: the service and the ``forms user`` commands."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from forms_processor.api import FormsApp
from forms_processor.cli import cli
from forms_processor.errors import NotAllowed, NotFound, UsageError
from forms_processor.home import Home
from forms_processor.service.users import Role

PASSWORD = "correct horse battery"


def run(home: Home, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--home", str(home.root), *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_add_list_password_remove(home: Home) -> None:
    code, _, err = run(home, "user", "add", "sam", "--role", "host", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0, err
    school = home.config.schools[0]
    code, _, err = run(home, "user", "add", "jo", "--role", "school", "--school", school.code, "--password-stdin",
                       stdin=PASSWORD + "\n")
    assert code == 0, err
    code, out, _ = run(home, "user", "list", "--json")
    assert code == 0
    people = json.loads(out)
    assert people == [{"name": "jo", "role": "school", "school": school.name},
                      {"name": "sam", "role": "host", "school": None}]

    with FormsApp(home) as app:
        assert app.authenticate("sam", PASSWORD) is not None
        assert app.authenticate("SAM", PASSWORD) is not None  # names ignore case
        assert app.authenticate("sam", PASSWORD + "x") is None
        assert app.authenticate("nobody", PASSWORD) is None

    code, _, err = run(home, "user", "password", "sam", "--password-stdin", stdin="another long one\n")
    assert code == 0, err
    with FormsApp(home) as app:
        assert app.authenticate("sam", PASSWORD) is None
        assert app.authenticate("sam", "another long one") is not None

    assert run(home, "user", "remove", "sam")[0] == 0
    code, _, err = run(home, "user", "remove", "sam")
    assert code == 4 and "no user called sam" in err
    with FormsApp(home) as app:
        assert app.authenticate("sam", "another long one") is None


def test_prompted_password_is_asked_twice(home: Home) -> None:
    code, _, err = run(home, "user", "add", "kim", "--role", "viewer", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert code == 0, err
    with FormsApp(home) as app:
        assert app.authenticate("kim", PASSWORD) is not None


def test_only_hashes_are_kept(home: Home) -> None:
    with FormsApp(home) as app:
        app.add_user("sam", "host", PASSWORD)
    conn = sqlite3.connect(home.database)
    (stored,) = conn.execute("SELECT password_hash FROM users").fetchone()
    conn.close()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(("args", "error"), [
    (("bad name", "host", PASSWORD, None), UsageError),
    (("sam", "chief", PASSWORD, None), UsageError),
    (("sam", "host", "short", None), UsageError),
    (("sam", "school", PASSWORD, None), UsageError),
    (("sam", "school", PASSWORD, "No Such School"), NotFound),
    (("sam", "host", PASSWORD, "Hill"), UsageError),
])
def test_refused(app: FormsApp, args: tuple[str, str, str, str | None], error: type[Exception]) -> None:
    with pytest.raises(error):
        app.add_user(*args)
    assert app.users() == []


def test_a_name_is_taken_once(app: FormsApp) -> None:
    app.add_user("sam", Role.HOST, PASSWORD)
    with pytest.raises(NotAllowed):
        app.add_user("Sam", Role.VIEWER, PASSWORD)


def test_cli_refusals_are_plain(home: Home) -> None:
    code, _, err = run(home, "user", "add", "sam", "--role", "host", "--password-stdin", stdin="short\n")
    assert code == 2 and "too short" in err and "Traceback" not in err
    code, _, err = run(home, "user", "add", "sam", "--role", "school", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 2 and "needs their school" in err
