"""What the tool wrote last into a folder, so that a file a person has changed since is
never written over.

Each folder the tool writes into gets a small hidden JSON file, :data:`STATE_NAME`: for
each file written, its SHA-256, when and by which run. A board paper (or improvement plan)
on disk that is not the one recorded has been edited: the new one goes beside it under a
dated name instead. A split run's folders say, the same way, which run wrote them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsp_xlsx.core.files import write_bytes
from lsp_xlsx.safety.names import STATE_NAME


def sha256(path: Path) -> str:
    """The file's SHA-256, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class FolderState:
    """The record of one folder: file name -> {"sha256", "run", "at"}; and the last run."""

    folder: Path
    files: dict[str, dict[str, str]] = field(default_factory=dict)
    run: str = ""
    at: str = ""

    @classmethod
    def read(cls, folder: Path) -> FolderState:
        """The folder's record; empty when there is none, or it cannot be read."""
        try:
            data: Any = json.loads((folder / STATE_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(folder)
        if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
            return cls(folder)
        files = {
            str(k): {str(a): str(b) for a, b in v.items()}
            for k, v in data["files"].items()
            if isinstance(v, dict)
        }
        return cls(folder, files, str(data.get("run", "")), str(data.get("at", "")))

    def wrote(self, path: Path) -> bool:
        """True when ``path`` is, byte for byte, the file the tool last wrote there."""
        entry = self.files.get(path.name)
        if entry is None or not path.is_file():
            return False
        try:
            return sha256(path) == entry.get("sha256")
        except OSError:
            return False

    def save(self) -> Path:
        data = {"run": self.run, "at": self.at, "files": dict(sorted(self.files.items()))}
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
        return write_bytes(text.encode("utf-8"), self.folder / STATE_NAME)


def unchanged_or_absent(path: Path) -> bool:
    """True when writing ``path`` loses nothing: it does not exist, or it is the tool's."""
    return not path.exists() or FolderState.read(path.parent).wrote(path)


def record(written: Iterable[tuple[Path, str]], run: str, at: str) -> list[Path]:
    """Record each (final path, its SHA-256) in its folder's state, as written by ``run``
    at ``at``; returns the state files (written through the current staging, if any)."""
    by_folder: dict[Path, list[tuple[Path, str]]] = {}
    for path, digest in written:
        by_folder.setdefault(path.parent, []).append((path, digest))
    saved = []
    for folder, files in by_folder.items():
        state = FolderState.read(folder)
        for path, digest in files:
            state.files[path.name] = {"sha256": digest, "run": run, "at": at}
        state.run, state.at = run, at
        saved.append(state.save())
    return saved
