"""The rules ARCHITECTURE.md asks contributors to keep, checked so they do not drift."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "lsp_xlsx"
MODULES = sorted(PACKAGE.rglob("*.py"))
CLI_MODULES = {"cli.py", "cli_options.py", "cli_output.py", "cli_collect.py"}


#: The finding catalogue is data, one entry per code, kept in one place on purpose.
DATA_MODULES = {"core/catalogue.py": 700}  # issue 23's codes took it past 650


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
