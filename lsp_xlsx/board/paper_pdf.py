"""The board paper's copies: the anonymous paper and the PDFs for the agenda pack.

``collate --board-paper-anonymous`` adds ``board-paper-public.docx`` beside the paper;
``collate --pdf`` adds a PDF of each paper written (``board-paper.pdf``, and
``board-paper-public.pdf`` with the anonymous one). The PDFs are made by LibreOffice
(``soffice --headless --convert-to pdf``) from the papers' bytes in a private temporary
folder, with its own LibreOffice profile (so a LibreOffice the coordinator has open is not
disturbed) and a time limit; the PDFs are then written like every other output: as
temporaries renamed into place with the run's other files, or not at all. Without
LibreOffice, ``--pdf`` is refused before anything is read, in one line saying what to do.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lsp_xlsx.core.errors import OutputError, UsageProblem
from lsp_xlsx.core.files import write_bytes

if TYPE_CHECKING:
    from lsp_xlsx.compare.tables import Comparison

#: Seconds LibreOffice may take to convert the papers (its first start makes a profile).
PDF_TIMEOUT = 180
NO_OFFICE = (
    "--pdf needs LibreOffice (soffice), which is not installed here: install it (for "
    "example apt-get install libreoffice-writer-nogui), or leave out --pdf and save "
    "board-paper.docx as PDF from Word."
)


@dataclass(frozen=True)
class PaperCopies:
    """Which copies of the board paper to write besides it."""

    public: bool = False
    pdf: bool = False

    def paths(self, paper: Path) -> dict[str, Path]:
        """What each copy is called, by what a refusal calls it, beside ``paper``."""
        from lsp_xlsx.board.paper_public import public_name

        found: dict[str, Path] = {}
        if self.public:
            found["the anonymous board paper"] = public_name(paper)
        if self.pdf:
            found["the board paper as PDF"] = paper.with_suffix(".pdf")
            if self.public:
                found["the anonymous board paper as PDF"] = public_name(paper).with_suffix(".pdf")
        return found


def soffice() -> str | None:
    """The LibreOffice program, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def check_copies(copies: PaperCopies, paper: bool, split: bool) -> None:
    """Refuse, before anything is read, copies that cannot be made."""
    asked = [
        o for o, on in (("--board-paper-anonymous", copies.public), ("--pdf", copies.pdf)) if on
    ]
    if not asked:
        return
    if not paper:
        raise UsageProblem(
            f"{' and '.join(asked)} need the board paper: leave out --no-board-paper."
        )
    if split:
        raise UsageProblem(
            f"{' and '.join(asked)} are made for one partnership's paper, not with --split-by: "
            "run collate on that partnership's returns."
        )
    if copies.pdf and soffice() is None:
        raise UsageProblem(NO_OFFICE)


def paper_outputs(
    framework: Path, paper: Path | None, copies: PaperCopies | None, split: bool
) -> dict[str, Path]:
    """Before collate reads a return: refuse a bad line in the framework's
    ``paper-templates.csv`` and copies that cannot be made; the copies' paths, by what a
    refusal calls them, for the run to check and hold."""
    from lsp_xlsx.board.paper_templates import read_templates

    if paper is not None or split:
        read_templates(framework)
    if copies is None:
        return {}
    check_copies(copies, paper is not None, split)
    return copies.paths(paper) if paper is not None else {}


def to_pdf(papers: dict[Path, bytes]) -> dict[Path, bytes]:
    """Each .docx (final path -> its bytes) as PDF bytes, by the final path of the PDF.

    Raises :class:`OutputError` naming the PDF when LibreOffice fails or takes too long."""
    program = soffice()
    first = next(iter(papers)).with_suffix(".pdf")
    if program is None:
        raise OutputError(first, NO_OFFICE)
    with tempfile.TemporaryDirectory(prefix="lsp-xlsx-pdf-") as folder:
        work = Path(folder)
        sources = []
        for path, data in papers.items():
            source = work / path.name
            source.write_bytes(data)
            sources.append(source)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work / "pdf"),
            *map(str, sources),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=PDF_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise OutputError(
                first, f"LibreOffice took more than {PDF_TIMEOUT} seconds to make the PDF"
            ) from None
        except OSError as exc:
            raise OutputError(first, f"LibreOffice could not be started ({exc})") from None
        made: dict[Path, bytes] = {}
        for path, source in zip(papers, sources, strict=True):
            pdf = work / "pdf" / f"{source.stem}.pdf"
            if done.returncode != 0 or not pdf.is_file():
                said = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no message"]
                raise OutputError(
                    path.with_suffix(".pdf"), f"LibreOffice did not convert it ({said[0]})"
                )
            made[path.with_suffix(".pdf")] = pdf.read_bytes()
    return made


def save_papers(
    c: Comparison, paper: Path, copies: PaperCopies, where: dict[str, Path] | None = None
) -> list[Path]:
    """Write the board paper at ``paper``, and the copies asked for (at ``where``'s paths,
    by default :meth:`PaperCopies.paths`); every file atomically, staged with the run's.
    Returns the paths written, the paper first."""
    from lsp_xlsx.board.paper import paper_bytes

    where = where if where is not None else copies.paths(paper)
    docx = {paper: paper_bytes(c)}
    public = where.get("the anonymous board paper")
    if public is not None:
        docx[public] = paper_bytes(c, public=True)
    pdfs: dict[Path, bytes] = {}
    if copies.pdf:
        made = to_pdf(docx)
        targets = [where["the board paper as PDF"]]
        if public is not None:
            targets.append(where["the anonymous board paper as PDF"])
        pdfs = dict(zip(targets, made.values(), strict=True))
    return [write_bytes(data, path) for path, data in (docx | pdfs).items()]
