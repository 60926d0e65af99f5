"""The rules ARCHITECTURE.md asks contributors to keep, checked so they do not drift."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lsp_xlsx"
MODULES = sorted(PACKAGE.rglob("*.py"))
CLI_MODULES = {
    "cli.py",
    "cli_options.py",
    "cli_collate_options.py",
    "cli_output.py",
    "cli_collect.py",
    "cli_demo.py",
}


#: The finding catalogue is data, one entry per code, kept in one place on purpose.
DATA_MODULES = {"core/catalogue.py": 950}  # issues 22, 23 and 25 added codes


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_small(path: Path) -> None:
    limit = DATA_MODULES.get(str(path.relative_to(PACKAGE)), 500)
    assert len(path.read_text(encoding="utf-8").splitlines()) <= limit


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_functions_are_small(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"  # type: ignore[operator]
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > 80  # type: ignore[operator]
    ]
    assert not long


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_only_the_command_line_imports_click(path: Path) -> None:
    if path.name in CLI_MODULES and path.parent == PACKAGE:
        return
    tree = ast.parse(path.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert "click" not in imported


def test_no_grab_bag_module() -> None:
    assert not [p for p in MODULES if p.stem in ("utils", "helpers", "misc", "common")]


def test_public_api_and_old_paths() -> None:
    from lsp_xlsx import check, collate, load_framework
    from lsp_xlsx.collate import collate as old_collate
    from lsp_xlsx.framework import load_framework as old_load
    from lsp_xlsx.ingest import check as old_check

    assert load_framework is old_load and check is old_check
    assert callable(collate) and callable(old_collate)
    assert collate.__module__ in ("lsp_xlsx.compare.tables", "lsp_xlsx.collate")


def _imports(path: Path) -> set[str]:
    """The lsp_xlsx modules ``path`` imports at module level (TYPE_CHECKING blocks too, an
    import inside a function not: that one is lazy on purpose)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = ".".join(("lsp_xlsx", *path.relative_to(PACKAGE).with_suffix("").parts))
    module = module.removesuffix(".__init__")
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If):
                visit(node.body)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("lsp_xlsx"))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                    base = f"{base}.{node.module}" if node.module else base
                if not base.startswith("lsp_xlsx"):
                    continue
                for alias in node.names:
                    sub = f"{base}.{alias.name}"
                    found.add(
                        sub
                        if (PACKAGE.parent / (sub.replace(".", "/") + ".py")).is_file()
                        else base
                    )

    visit(tree.body)
    return found - {module}


def _graph() -> dict[str, set[str]]:
    graph = {}
    for path in MODULES:
        name = ".".join(("lsp_xlsx", *path.relative_to(PACKAGE).with_suffix("").parts))
        graph[name.removesuffix(".__init__")] = _imports(path)
    return graph


def test_no_import_cycles() -> None:
    graph = _graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def walk(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node, [])
    assert not cycles


def test_stages_never_import_the_package_itself() -> None:
    # The version lives in core/version.py: a stage importing lsp_xlsx's __init__ for it
    # would be an arrow back up the pipeline.
    stages = {
        "board",
        "collect",
        "compare",
        "core",
        "framework",
        "outreach",
        "returns",
        "safety",
        "workbook",
    }
    upward = {
        name: sorted(i for i in imports if i == "lsp_xlsx")
        for name, imports in _graph().items()
        if name.split(".")[1:2] and name.split(".")[1] in stages
    }
    assert not {k: v for k, v in upward.items() if v}


def test_version_is_one_value() -> None:
    import lsp_xlsx
    from lsp_xlsx.core.version import __version__

    assert lsp_xlsx.__version__ == __version__
