"""The layers of ARCHITECTURE.md, enforced: every import inside the package runs downward
(or within its own layer), there are no import cycles, and no SQL lives outside store/.

Imports are read from the source (every ``import`` and ``from ... import`` anywhere in a
module, those inside functions too), so a run-time import cannot hide an upward one.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "forms_processor"

# Longest prefix wins. Layer numbers: a module may import only its own layer or below.
LAYERS: dict[str, int] = {
    # 0. foundations
    "errors": 0,
    "config": 0,
    "config_check": 0,
    "config_choices": 0,
    "config_explain": 0,
    "config_mail": 0,
    "home": 0,
    "references": 0,
    "states": 0,
    "locking": 0,
    "spec": 0,
    "example": 0,
    "results": 0,
    # 1. the store: all SQL
    "store": 1,
    # 2. pure parts
    "readers": 2,
    "validation": 2,
    "documents": 2,
    "mail.compose": 2,
    "mail.transport": 2,
    "mail.secrets": 2,
    "mail.message": 2,
    "mail": 2,
    # 3. intake: every source becomes one Submission
    "intake": 3,
    # 4. workflow: the Host's actions and the intake pipeline, over the store
    "workflow": 4,
    "reports": 4,
    "mail.sender": 4,
    "mail.queue": 4,
    # 5. the one service API
    "api": 5,
    "service": 5,
    # 6. drivers
    "drivers": 6,
    "cli": 6,
    "web": 6,
    "demo": 6,
    "__main__": 6,
}
LAYER_NAMES = ["foundations", "store", "pure parts", "intake", "workflow", "service", "drivers"]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer_of(module: str) -> int | None:
    if not module:
        return None  # the package's own __init__
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYERS:
            return LAYERS[key]
    raise AssertionError(f"forms_processor.{module} has no layer: add it to LAYERS and ARCHITECTURE.md")


def imports_of(path: Path, as_module: str | None = None) -> set[str]:
    """Modules of the package that ``path`` imports (relative to the package); ``as_module``
    reads it as if it were that module of the package."""
    me = as_module or module_name(path)
    is_pkg = path.name == "__init__.py"
    here = me.split(".") if is_pkg else me.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("forms_processor."):
                    found.add(alias.name.removeprefix("forms_processor."))
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                if not (node.module or "").startswith("forms_processor"):
                    continue
                base = (node.module or "").removeprefix("forms_processor").lstrip(".").split(".")
                base = [p for p in base if p]
            else:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else list(here)
                if node.module:
                    base = base + node.module.split(".")
            target = ".".join(base)
            for alias in node.names:
                sub = f"{target}.{alias.name}" if target else alias.name
                if (PACKAGE / Path(*sub.split("."))).with_suffix(".py").exists() or (
                    PACKAGE / Path(*sub.split(".")) / "__init__.py"
                ).exists():
                    found.add(sub)
                elif target:
                    found.add(target)
    found.discard(me)
    return found


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_import_runs_downward() -> None:
    upward: list[str] = []
    for name, path in all_modules().items():
        mine = layer_of(name)
        if mine is None:
            continue
        for imported in sorted(imports_of(path)):
            theirs = layer_of(imported)
            if theirs is not None and theirs > mine:
                upward.append(
                    f"{name} ({LAYER_NAMES[mine]}) imports {imported} ({LAYER_NAMES[theirs]})"
                )
    assert not upward, "imports running up the layers (see ARCHITECTURE.md):\n" + "\n".join(upward)


DRIVERS = ("cli", "drivers", "web", "demo", "__main__")
# What a screen may use besides the service: the foundations, and the intake's file rules
# (the watcher's loop decides when a file is settled; the service takes it in).
DRIVER_MAY_USE = ("intake.folder", "intake.stability", "intake.submission", "intake.files")


def test_the_drivers_call_only_the_service() -> None:
    """The command line, the watcher and the web page reach the workflow, the store, the
    readers and the reports only through the service API (api.py, service/)."""
    wrong: list[str] = []
    for name, path in all_modules().items():
        if name.split(".")[0] not in DRIVERS:
            continue
        for imported in sorted(imports_of(path)):
            layer = layer_of(imported)
            if layer in (0, 5, 6) or imported.startswith(DRIVER_MAY_USE):
                continue
            wrong.append(f"{name} imports {imported} ({LAYER_NAMES[layer or 0]}): call a FormsApp method instead")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles() -> None:
    graph = {name: {m for m in imports_of(path) if m} for name, path in all_modules().items()}
    # Importing a submodule runs its package's __init__ first, but that is not a cycle of ours.
    cycles: list[list[str]] = []
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    # A package's __init__ re-exporting its own modules is not a cycle between layers.
    real = [c for c in cycles if not all(m.split(".")[0] == c[0].split(".")[0] and "." not in m for m in c)]
    assert not real, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in real)


SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b", re.S)


@pytest.mark.parametrize("name", sorted(n for n in all_modules() if not n.startswith("store")))
def test_no_sql_outside_the_store(name: str) -> None:
    path = all_modules()[name]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value.upper()):
            if re.search(r"\b(FROM|INTO|SET)\b", node.value):  # SQL keywords in capitals, as this project writes them
                pytest.fail(f"forms_processor/{path.relative_to(PACKAGE)} line {node.lineno} holds SQL: move it to store/")
    assert "execute(" not in path.read_text(), f"{name} runs SQL itself (execute): the store owns every statement"


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The walker is not blind: an upward import, a run-time one and an absolute one are all
    found, as the layer test would see them in a store module."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from ..workflow import ingest\n"
        "def later():\n    from ..api import FormsApp\n"
        "import forms_processor.cli\n"
    )
    found = imports_of(probe, as_module="store.probe")
    assert {"workflow.ingest", "api", "cli"} <= found
    assert all((layer_of(m) or 0) > LAYERS["store"] for m in found)
