#!/usr/bin/env python3
"""Set-up and the two everyday jobs, on a fresh machine with only Python 3.11 and git.

    python3 dev.py demo    # set up, then run the main job on the example cluster
    python3 dev.py test    # set up, then run the whole test suite (lint, types, tests)

Set-up is a virtual environment in .venv with this project installed in it.
It is made once and refreshed when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def run(*cmd: str | Path, check: bool = True) -> int:
    print("+ " + " ".join(str(c) for c in cmd), file=sys.stderr, flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=check).returncode


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit(f"forms_processor needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        print("Creating the virtual environment in .venv ...", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != want:
        run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", ".[test]")
        STAMP.write_text(want)


def main(argv: list[str]) -> int:
    job = argv[0] if argv else "help"
    if job not in {"demo", "test", "setup"}:
        print(__doc__)
        return 0 if job in {"help", "-h", "--help"} else 2
    setup()
    if job == "setup":
        return 0
    if job == "demo":
        # The embedded defaults: this folder is the home (cluster.toml, inbox/, outbox/, data/forms.db).
        return run(BIN / "forms", "--home", ROOT, "demo", *argv[1:], check=False)
    # The whole suite: lint, types, then the tests.
    for cmd in (
        (BIN / "ruff", "check", "forms_processor", "tests", "bench", "dev.py"),
        (BIN / "mypy",),
    ):
        if run(*cmd, check=False) != 0:
            return 1
    return run(PY, "-m", "pytest", "-q", *argv[1:], check=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
