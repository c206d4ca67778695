"""Adding an address to a school's allow-list in cluster.toml (``sender_emails``), as the
Host does from the Mail screen when a quarantined email came from a school after all.

The edit is made to the text, one line only: the school's ``sender_emails = [...]`` line
gains the address, or, when the school has none, a new line is put under its
``email_domains`` (else its ``code``) line. Comments, order and spacing stay as they
were. The new text is checked as ``forms`` checks any cluster.toml, and compared with the
old one: it must hold exactly the same settings plus this one address, or nothing is
written. Then it is written with the one write routine (owner-only, whole or absent).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from ..config import CONFIG_NAME, Config, check_config_text
from ..config_check import strip_comment
from ..errors import ConfigError, UsageError
from ..home import Home, save_owner_only

KEY = "sender_emails"
ADDRESS = re.compile(r"^[a-z0-9][a-z0-9._%+'-]{0,63}@[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63})+$")
_SCHOOLS_HEADER = re.compile(r"^\s*\[\[\s*schools\s*\]\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")


def _key_of(line: str) -> str | None:
    m = re.match(r"^\s*([A-Za-z0-9_-]+)\s*=", line)
    return m.group(1) if m else None


def _school_blocks(lines: list[str]) -> list[tuple[int, int]]:
    """Each ``[[schools]]`` table as (first line after its header, end), in order."""
    blocks: list[tuple[int, int]] = []
    for n, line in enumerate(lines):
        if _SCHOOLS_HEADER.match(line):
            end = next((m for m in range(n + 1, len(lines)) if _ANY_HEADER.match(lines[m])), len(lines))
            blocks.append((n + 1, end))
    return blocks


def _one_line_list(line: str) -> list[str] | None:
    """The strings of a ``key = [..]`` line written on one line, else None."""
    body = strip_comment(line).strip()
    if not body.endswith("]"):
        return None
    try:
        value = tomllib.loads(body).get(KEY)
    except tomllib.TOMLDecodeError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def _quoted(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def with_address(text: str, index: int, address: str) -> str:
    """``text`` with ``address`` added to the ``index``-th school's ``sender_emails``."""
    lines = text.splitlines(keepends=True)
    blocks = _school_blocks(lines)
    if index >= len(blocks):
        raise ConfigError("cluster.toml does not list its schools as [[schools]] tables, so the page cannot add the address.",
                          hint=f"Add it by hand: {KEY} = [\"{address}\"] in the school's table.")
    start, end = blocks[index]
    keys = {_key_of(lines[n]): n for n in range(start, end) if _key_of(lines[n])}
    newline = "\r\n" if lines[start - 1].endswith("\r\n") else "\n"
    if KEY in keys:
        n = keys[KEY]
        values = _one_line_list(lines[n])
        if values is None:
            raise ConfigError(f"The school's {KEY} in cluster.toml runs over several lines, so the page cannot add to it.",
                              hint=f"Add \"{address}\" to it by hand.")
        line = lines[n].rstrip("\r\n")
        comment = line[len(strip_comment(line).rstrip()):]
        indent = line[: len(line) - len(line.lstrip())]
        lines[n] = f"{indent}{KEY} = {_quoted([*values, address])}{comment}{newline}"
    else:
        after = keys.get("email_domains")
        if after is None or _one_line_list(lines[after].replace("email_domains", KEY, 1)) is None:
            after = keys.get("code")
        if after is None:
            raise ConfigError("The school's table in cluster.toml has no code line to add the address under.",
                              hint=f"Add it by hand: {KEY} = [\"{address}\"]")
        indent = lines[after][: len(lines[after]) - len(lines[after].lstrip())]
        if not lines[after].endswith(("\n", "\r")):
            lines[after] += newline
        lines.insert(after + 1, f"{indent}{KEY} = {_quoted([address])}{newline}")
    return "".join(lines)


def add_school_address(home: Home, school_name: str, address: str) -> Config:
    """Add ``address`` to the school's allow-list in cluster.toml; the configuration as it
    now is. Nothing is written unless the new file checks and differs by this address only."""
    addr = address.strip().lower()
    if not ADDRESS.match(addr):
        raise UsageError(f"{address!r} does not look like an email address.", hint="Check the address.")
    path: Path = home.root / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    before, problems, _ = check_config_text(text)
    if before is None:
        raise ConfigError(f"cluster.toml has {len(problems)} mistake{'s' if len(problems) != 1 else ''} already, so it was not changed.",
                          hint="Correct it first (the Settings page lists them).")
    index = next((n for n, s in enumerate(before.schools) if s.name == school_name), None)
    if index is None:
        raise UsageError(f"There is no school called {school_name!r} in cluster.toml.", hint="Choose the school from the list.")
    owner = before.school_for_address(addr)
    if owner is not None:
        if owner.name == school_name:
            return before
        raise UsageError(f"{addr} already belongs to {owner.name} in cluster.toml.", hint="Nothing was changed.")
    new_text = with_address(text, index, addr)
    after, problems, _ = check_config_text(new_text)
    expected: dict[str, Any] = tomllib.loads(text)
    school = expected["schools"][index]
    school[KEY] = [*school.get(KEY, []), addr]
    if after is None or tomllib.loads(new_text) != expected or after.school_for_address(addr) != after.schools[index]:
        raise ConfigError("The address could not be added to cluster.toml safely, so the file was not changed.",
                          hint=f"Add it by hand: {KEY} = [\"{addr}\"] in the table of {school_name}.")
    save_owner_only(path, new_text.encode("utf-8"))
    return after
