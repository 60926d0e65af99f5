"""Crafted messages for collect's tests: each kind a partner (or a stranger) sends.

The workbooks inside are built and filled through the real ``build`` (tests/fill.py), so
collect reads real returns. winmail.dat is built here byte by byte, as Outlook writes TNEF,
since tnefparse only reads it.
"""

from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from lsp_xlsx.framework import Framework
from lsp_xlsx.framework.partners import Partner
from tests.fill import full_answers, make_return

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

PARTNERS = [
    Partner("police", "North Shire Police", "Police", "Ann Lee", "ann.lee@northshire.police.uk"),
    Partner("council", "North Shire Council", "Council", "Bo Chan", "bo.chan@northshire.gov.uk"),
    Partner("fire", "North Shire Fire", "Fire", "Cy Dunn", "cy.dunn@nsfire.org.uk"),
    Partner("health", "North Shire Health", "Health", "Di Eng", "di.eng@nshealth.nhs.uk"),
    Partner("housing", "Shire Homes", "Housing", "Ed Fox", "ed.fox@shirehomes.org.uk"),
    Partner("cvs", "Shire Voluntary Action", "Voluntary", "Flo Gee", "flo.gee@shirecvs.org.uk"),
    Partner("college", "Shire College", "Education", "Gus Hay", "gus.hay@shire.ac.uk"),
]


def write_partners(path: Path) -> Path:
    """partners.csv for PARTNERS."""
    lines = ["partner_id,name,sector,contact_name,email"]
    lines += [f"{p.partner_id},{p.name},{p.sector},{p.contact_name},{p.email}" for p in PARTNERS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def workbook(framework: Framework, partner_id: str, folder: Path) -> bytes:
    """A filled return from one partner, as bytes."""
    partner = next(p for p in PARTNERS if p.partner_id == partner_id)
    path = make_return(folder / f"{partner_id}.xlsx", framework, full_answers(framework), partner)
    return path.read_bytes()


def _tnef_attr(level: int, attr_id: int, data: bytes) -> bytes:
    return (
        struct.pack("<BII", level, attr_id, len(data))
        + data
        + struct.pack("<H", sum(data) & 0xFFFF)
    )


def tnef(name: str, payload: bytes) -> bytes:
    """A winmail.dat holding one attached file, as Outlook writes it."""
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += _tnef_attr(1, 0x00089006, struct.pack("<I", 0x00010000))  # attTnefVersion
    out += _tnef_attr(2, 0x00069002, b"\x01\x00\x00\x00" + b"\x00" * 10)  # attAttachRendData
    out += _tnef_attr(2, 0x00018010, name.encode("ascii") + b"\0")  # attAttachTitle
    out += _tnef_attr(2, 0x0006800F, payload)  # attAttachData
    return out


def message(
    sender: str, subject: str, day: int = 10, body: str = "Please find our return attached."
) -> EmailMessage:
    """A plain message from ``sender`` to the coordinator."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "lsp@northshire.gov.uk"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(dt.datetime(2027, 3, day, 9, 30, tzinfo=dt.UTC))
    msg["Message-ID"] = make_msgid(domain="test.invalid")
    msg.set_content(body)
    return msg


@dataclass
class Mailbag:
    """Every crafted message, by what it tests, as bytes ready for APPEND or a file."""

    messages: dict[str, bytes]


def mailbag(framework: Framework, folder: Path) -> Mailbag:
    """The messages the issue lists, one each."""
    folder.mkdir(parents=True, exist_ok=True)
    bag: dict[str, bytes] = {}
    police = workbook(framework, "police", folder)

    plain = message("Ann Lee <ann.lee@northshire.police.uk>", "RE: Self-assessment", 10)
    plain["Authentication-Results"] = "mx.northshire.gov.uk; dkim=pass; spf=pass; dmarc=pass"
    plain["Authentication-Results"] = "forged.example; dmarc=fail"  # lower: not ours
    plain.add_attachment(
        police,
        maintype="application",
        subtype=XLSX.split("/")[1],
        filename="LSP return - police.xlsx",
    )
    bag["plain"] = plain.as_bytes()

    inline = message("bo.chan@northshire.gov.uk", "Our return", 11)
    inline.add_attachment(
        workbook(framework, "council", folder),
        maintype="image",
        subtype="png",
        filename="image001.png",
        disposition="inline",
    )
    bag["inline"] = inline.as_bytes()

    inner = message("cy.dunn@nsfire.org.uk", "Fire return", 12)
    inner.add_attachment(
        workbook(framework, "fire", folder),
        maintype="application",
        subtype="octet-stream",
        filename="fire.xlsx",
    )
    forward = message("cy.dunn@nsfire.org.uk", "Fwd: Fire return", 12)
    forward.add_attachment(inner)  # message/rfc822
    bag["forward"] = forward.as_bytes()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("returns/health return.xlsx", workbook(framework, "health", folder))
        archive.writestr("returns/notes.txt", "see attached")
    zipped = message("di.eng@nshealth.nhs.uk", "Return (zipped)", 13)
    zipped.add_attachment(
        buffer.getvalue(), maintype="application", subtype="zip", filename="return.zip"
    )
    bag["zip"] = zipped.as_bytes()

    winmail = message("ed.fox@shirehomes.org.uk", "Shire Homes return", 14)
    winmail.add_attachment(
        tnef("housing.xlsx", workbook(framework, "housing", folder)),
        maintype="application",
        subtype="ms-tnef",
        filename="winmail.dat",
    )
    bag["winmail"] = winmail.as_bytes()

    pdf = message("gus.hay@shire.ac.uk", "Our return as PDF", 15)
    pdf.add_attachment(
        PDF, maintype="application", subtype="vnd.ms-excel", filename="college.xlsx"
    )  # declared a workbook, sniffed a PDF
    bag["pdf"] = pdf.as_bytes()

    image = message("ann.lee@northshire.police.uk", "Thanks", 16)
    image.add_attachment(
        PNG, maintype="image", subtype="png", filename="image001.png", disposition="inline"
    )
    bag["image"] = image.as_bytes()

    resend = message("ann.lee@northshire.police.uk", "RE: Self-assessment (again)", 17)
    resend.add_attachment(
        police,
        maintype="application",
        subtype="octet-stream",
        filename="LSP return - police (2).xlsx",
    )
    bag["resend"] = resend.as_bytes()

    spoofed = message("Flo Gee <j.smith@gmail.com>", "Voluntary sector return", 18)
    spoofed.add_attachment(
        workbook(framework, "cvs", folder),
        maintype="application",
        subtype="octet-stream",
        filename="../../etc/cvs.xlsx",
    )
    bag["spoofed"] = spoofed.as_bytes()

    ooo = message(
        "bo.chan@northshire.gov.uk",
        "Automatic reply: Self-assessment",
        19,
        "I am out of the office until Monday.",
    )
    ooo["Auto-Submitted"] = "auto-replied"
    bag["ooo"] = ooo.as_bytes()

    big = message("bo.chan@northshire.gov.uk", "Huge scan", 20)
    big.add_attachment(
        PNG + bytes(range(256)) * 12_000, maintype="image", subtype="png", filename="scan.png"
    )
    bag["oversized"] = big.as_bytes()
    return Mailbag(bag)


#: The returns each message should leave in the returns folder (partner id: count).
EXPECTED_RETURNS = {"police": 1, "council": 1, "fire": 1, "health": 1, "housing": 1, "cvs": 1}
#: A --max-message-size the oversized message (about 4 MB) is over, and the rest are under.
SMALL_LIMIT = 2_000_000
