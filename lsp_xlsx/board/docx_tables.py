"""The board paper's tables, written as WordprocessingML directly (issue 26).

python-docx builds a table cell by cell: every row, cell, paragraph, run and property is
an element made, looked up and inserted in schema order one at a time, and a paper per
partnership in a split run makes thousands of them. :func:`add_table` writes the same
``<w:tbl>`` as text, parses it once, and puts it where ``Document.add_table`` would: the
XML is the same, element for element, as the table python-docx made before (a
navy header row repeated on each page, 9pt text with no space after, fixed widths set on
both the grid and every cell), so it renders the same.

The cells' text must already be text Word can hold (the paper passes everything through
``xml_safe``); tabs and line breaks become ``<w:tab/>`` and ``<w:br/>``, as python-docx
makes them.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Mm
from docx.table import Table

from lsp_xlsx.workbook import styles as S

_HEADER_RUN = '<w:rPr><w:b/><w:color w:val="FFFFFF"/><w:sz w:val="18"/></w:rPr>'
_BODY_RUN = '<w:rPr><w:sz w:val="18"/></w:rPr>'
_PARAGRAPH = '<w:pPr><w:spacing w:after="0"/></w:pPr>'
_SPECIAL = str.maketrans({"\t": "\x00", "\r": "\x00", "\n": "\x00"})


def _run_content(text: str) -> str:
    """A run's content as python-docx writes ``add_run(text)``: each stretch of text a
    ``<w:t>`` (space-preserving where it starts or ends with a space), each tab a
    ``<w:tab/>``, each line break or carriage return a ``<w:br/>``."""
    if text.translate(_SPECIAL) == text:
        return _t(text)
    out: list[str] = []
    stretch: list[str] = []
    for char in text:
        if char in "\t\r\n":
            if stretch:
                out.append(_t("".join(stretch)))
                stretch.clear()
            out.append("<w:tab/>" if char == "\t" else "<w:br/>")
        else:
            stretch.append(char)
    if stretch:
        out.append(_t("".join(stretch)))
    return "".join(out)


def _t(text: str) -> str:
    if not text:
        return ""
    if len(text.strip()) < len(text):
        return f'<w:t xml:space="preserve">{escape(text)}</w:t>'
    return f"<w:t>{escape(text)}</w:t>"


def _cell(width: str, text: str, run: str, fill: str = "") -> str:
    shading = f'<w:shd w:val="clear" w:fill="{fill}"/>' if fill else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{shading}</w:tcPr>'
        f"<w:p>{_PARAGRAPH}<w:r>{run}{_run_content(text)}</w:r></w:p></w:tc>"
    )


def add_table(
    doc: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    fills: Sequence[Sequence[str]] | None = None,
    rows_whole: bool = False,
) -> Table:
    """A table at the end of ``doc``'s body: ``header`` in white bold on navy, repeated on
    each page, then ``rows``; column widths in millimetres; ``fills``, where given, a
    background colour (hex, "" for none) for each cell of ``rows``; with ``rows_whole``, no
    row is split across two pages. Returns python-docx's
    Table for it, so that cells can still be changed one by one."""
    twips = [str(Mm(w).twips) for w in widths]
    shades = fills if fills is not None else [[""] * len(widths) for _ in rows]
    style = doc.part.get_style_id("Table Grid", WD_STYLE_TYPE.TABLE)
    head = "".join(
        _cell(w, text, _HEADER_RUN, S.NAVY) for w, text in zip(twips, header, strict=True)
    )
    row_start = "<w:tr><w:trPr><w:cantSplit/></w:trPr>" if rows_whole else "<w:tr>"
    body = "".join(
        row_start
        + "".join(
            _cell(w, text, _BODY_RUN, fill)
            for w, text, fill in zip(twips, values, shade, strict=True)
        )
        + "</w:tr>"
        for values, shade in zip(rows, shades, strict=True)
    )
    style_xml = f'<w:tblStyle w:val="{escape(style)}"/>' if style else ""
    xml = (
        f"<w:tbl {nsdecls('w')}><w:tblPr>{style_xml}"
        '<w:tblW w:type="auto" w:w="0"/><w:jc w:val="left"/><w:tblLayout w:type="fixed"/>'
        '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" '
        'w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr>'
        "<w:tblGrid>"
        + "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
        + '</w:tblGrid><w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>'
        + head
        + "</w:tr>"
        + body
        + "</w:tbl>"
    )
    tbl = parse_xml(xml)
    doc.element.body._insert_tbl(tbl)
    return Table(tbl, doc._body)


def styled(doc: Any, text: str, style: str) -> Any:
    """``doc.add_paragraph(text, style=style)``, the same XML, without python-docx's check
    that ``style`` is not the default paragraph style: a scan of every style in the
    document, made for each heading (a fifth of a split run's paper). Never for "Normal"."""
    paragraph = doc.add_paragraph(text)
    ids = _STYLE_IDS.setdefault(doc.part, {})
    if style not in ids:  # an XPath search of the styles part: once a document, not a heading
        ids[style] = doc.styles[style].style_id
    paragraph._p.style = ids[style]
    return paragraph


#: Style ids by name, for each document being made (forgotten with the document).
_STYLE_IDS: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


def heading(doc: Any, text: str, level: int) -> Any:
    """``doc.add_heading(text, level)``, as :func:`styled` makes it."""
    return styled(doc, text, "Title" if level == 0 else f"Heading {level}")
