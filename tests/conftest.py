from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lsp_xlsx.framework import DEFAULT_FRAMEWORK, Framework, load_framework


@pytest.fixture(scope="session")
def framework() -> Framework:
    return load_framework()


@pytest.fixture
def framework_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped framework folder, for tests that break it."""
    target = tmp_path / "framework"
    shutil.copytree(DEFAULT_FRAMEWORK, target)
    return target
