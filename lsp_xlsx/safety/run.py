"""One command's writing as one safe step: inputs checked, open files respected, output
folders held, every file staged and then renamed into place together.

::

    with output_run(returns, outputs, others) as run:   # exit 2 / exit 3 before any read
        ...read, collate, write (each file waits as its temporary)...
        run.commit()                                   # all renamed together, recorded

Leaving the block without :meth:`OutputRun.commit` (an error, a refusal) removes every
temporary: nothing of the run reaches a final name.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lsp_xlsx.core.files import Staging, staged
from lsp_xlsx.safety.inputs import check_outputs
from lsp_xlsx.safety.office import check_not_open
from lsp_xlsx.safety.runlock import run_lock
from lsp_xlsx.safety.written import record, sha256


def new_run_id(at: str) -> str:
    """A run's id: when it started, and a few random characters (two runs in one second)."""
    return f"{at}-{secrets.token_hex(3)}"


@dataclass
class OutputRun:
    """A run in progress: what it will write, what it has staged, what it has to say."""

    stage: Staging
    #: Said to the coordinator after the run: carried entries, files kept, stale locks.
    notes: list[str] = field(default_factory=list)
    run_id: str = ""
    committed: list[Path] = field(default_factory=list)

    def commit(self, at: str) -> list[Path]:
        """Check again that no output is open, then rename every staged file into place
        (the kept files first) and record what was written, as run ``at``."""
        self.notes += check_not_open(list(self.stage.pending))
        self.run_id = self.run_id or new_run_id(at)
        digests = [(final, sha256(tmp)) for final, tmp in self.stage.pending.items()]
        record(digests, self.run_id, at)  # staged too: renamed last, after the files
        self.committed = self.stage.commit()
        return self.committed


@contextmanager
def output_run(
    returns: Sequence[str | Path],
    outputs: Mapping[str, Path],
    others: Mapping[str, Path | None] | None = None,
    folders: Sequence[str] = (),
    wait: float | None = None,
) -> Iterator[OutputRun]:
    """Refuse outputs over inputs (:class:`UsageProblem`, exit 2) and outputs open in another
    program (:class:`OutputBlocked`, exit 3), before anything is read; hold the output
    folders for the run; stage every file written in the block."""
    check_outputs(returns, outputs, others, folders)
    files = [p for what, p in outputs.items() if what not in folders]
    notes = check_not_open(files)
    holds = [p for what, p in outputs.items() if what in folders] + [p.parent for p in files]
    with run_lock(holds, wait), staged() as stage:
        yield OutputRun(stage, notes)
        stage.discard()  # not committed: nothing reaches a final name
