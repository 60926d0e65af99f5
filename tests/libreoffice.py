"""Drive a real LibreOffice for the tests: convert a workbook to xlsx, ods or pdf."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def require_soffice() -> str:
    """The soffice path; skip when missing, but fail in CI, where a skip would hide a gap."""
    if SOFFICE:
        return SOFFICE
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("soffice is not installed, and CI=true: .ci/run must install LibreOffice")
    pytest.skip("LibreOffice (soffice) is not installed; apt-get install libreoffice-calc-nogui")


def convert(source: Path, fmt: str, outdir: Path) -> Path:
    """Convert ``source`` with headless LibreOffice; return the new file's path."""
    soffice = require_soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    filters = {
        "xlsx": "xlsx:Calc MS Excel 2007 XML",
        "ods": "ods",
        "pdf": "pdf",
        "xls": "xls:MS Excel 97",
    }
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                filters[fmt],
                "--outdir",
                str(outdir),
                str(source),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    target = outdir / f"{source.stem}.{fmt}"
    assert result.returncode == 0 and target.is_file(), (
        f"LibreOffice failed to convert {source} to {fmt}: {result.stdout} {result.stderr}"
    )
    return target
