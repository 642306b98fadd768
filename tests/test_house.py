"""House rules that hold for the whole source tree: sizes, and who may import what."""

from __future__ import annotations

import ast
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "dapaicha"
MODULES = sorted(SRC.rglob("*.py"))

# dependency → the only package of ours that may import it
GATEWAYS = {"sqlite3": "store", "python_calamine": "read"}


def _imports(path: Path) -> list[str]:
    """Every module an `import` or `from … import` names (relative imports are ours)."""
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
            out += [f"{node.module}.{a.name}" for a in node.names]
    return out


def test_modules_and_functions_within_limits() -> None:
    over_limits = runpy.run_path(str(ROOT / "scripts" / "sizes.py"))["over_limits"]
    assert over_limits(SRC) == []


def test_the_tree_is_scanned() -> None:
    assert len(MODULES) > 40
    assert "sqlite3" in _imports(SRC / "store" / "db.py")


@pytest.mark.parametrize("dep", sorted(GATEWAYS))
def test_gateway_dependencies_only_in_their_package(dep: str) -> None:
    home = SRC / GATEWAYS[dep]
    bad = [
        str(p.relative_to(SRC))
        for p in MODULES
        if home not in p.parents and any(m.split(".")[0] == dep for m in _imports(p))
    ]
    assert bad == []


def test_no_private_imports_of_dependencies() -> None:
    """`typer._click` and the like break on a minor release of the dependency."""
    bad = [
        f"{p.relative_to(SRC)}: {m}"
        for p in MODULES
        for m in _imports(p)
        if m.split(".")[0] != "dapaicha"
        and any(part.startswith("_") and not part.startswith("__") for part in m.split("."))
    ]
    assert bad == []


# module → why an import inside a function is there (import cost measured on `dapaicha --help`)
_EACH_COMMAND = "start-up time (issue 20): a command imports its own app modules when it runs"
LAZY_IMPORTS: dict[str, str] = {
    "cli/commands_inputs.py": _EACH_COMMAND,
    "cli/commands_store.py": _EACH_COMMAND,
    "cli/commands_status.py": _EACH_COMMAND,
    "cli/commands_demo.py": _EACH_COMMAND,
    "cli/zh.py": "start-up time (issue 20): typer.rich_utils (and rich's markdown) only to draw help",
}


def test_imports_at_the_top_of_modules() -> None:
    bad = []
    for p in MODULES:
        for fn in ast.walk(ast.parse(p.read_text("utf-8"))):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                bad += [
                    f"{p.relative_to(SRC)}:{n.lineno}"
                    for n in ast.walk(fn)
                    if isinstance(n, ast.Import | ast.ImportFrom)
                ]
    assert [b for b in bad if b.split(":")[0] not in LAZY_IMPORTS] == []


def test_no_import_cycles() -> None:
    """No two modules of dapaicha import each other, directly or through others."""
    import grimp

    graph = grimp.build_graph("dapaicha")
    mods = sorted(m for m in graph.modules if m.startswith("dapaicha"))
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in mods}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in edges.get(m, []):
            if state.get(n) == 1:
                cycles.append([*path[path.index(n) :], n])
            elif n in edges and n not in state:
                visit(n, [*path, n])
        state[m] = 2

    for m in mods:
        if m not in state:
            visit(m, [m])
    assert cycles == []
