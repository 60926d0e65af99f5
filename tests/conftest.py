from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lsp_xlsx.framework import DEFAULT_FRAMEWORK, Framework, load_framework


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every LibreOffice test is slow too, so -m "not slow" leaves them out in one go."""
    for item in items:
        if item.get_closest_marker("libreoffice") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def framework() -> Framework:
    return load_framework()


@pytest.fixture
def framework_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped framework folder, for tests that break it."""
    target = tmp_path / "framework"
    shutil.copytree(DEFAULT_FRAMEWORK, target)
    return target
