"""E-mail templates: a subject and a body with {placeholders}, the defaults, and reading a file."""

from __future__ import annotations

import datetime as dt
import re
import stat
import string
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

from lsp_xlsx.core.errors import TemplateError
from lsp_xlsx.core.findings import Finding
from lsp_xlsx.core.input_limits import InputLimits, variable
from lsp_xlsx.framework.csvfile import _decode as decode_like_partners_csv
from lsp_xlsx.framework.partners import Partner

INVITATION_FIELDS = ("name", "contact_name", "deadline", "contact", "greeting", "signature")
REMINDER_FIELDS = (*INVITATION_FIELDS, "missing", "due", "next_step")
#: Every character that some program takes for the end of a line, besides "\n": a header
#: holding one could be split into two headers, or shown as two lines.
LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_HEADER_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _named(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'control character')}"


def header_text(value: str) -> str:
    """``value`` fit for a mail header: every line break and control character becomes a
    space, so that no text a partner or a template supplies can start a new header."""
    return " ".join(_HEADER_UNSAFE.sub(" ", value).split())


@dataclass(frozen=True)
class Template:
    """A subject line and a body, with {placeholders}."""

    subject: str
    body: str

    def render(self, values: dict[str, str]) -> tuple[str, str]:
        """The subject and body with every placeholder filled in.

        Templates hold plain ``{field}`` placeholders only (see :func:`parse_template`),
        so filling them in costs no more than the text itself.
        """
        return self.subject.format_map(values), self.body.format_map(values)


# One line per paragraph: mail programs wrap it to the reader's window.
DEFAULT_INVITATION = Template(
    subject="Governance self-assessment for {name}: please return by {deadline}",
    body=(
        "{greeting}\n\n"
        "The partnership board is reviewing how well it governs itself, using the Audit "
        "Commission's self-assessment questions for local strategic partnerships. We are "
        "asking every partner organisation for its own view, and yours matters.\n\n"
        "Attached is {name}'s workbook. It takes about an hour:\n\n"
        '1. Open it in Excel, LibreOffice, Google Sheets or Numbers and read "Start here".\n'
        "2. On each numbered sheet, choose a rating for every question and note your evidence.\n"
        "3. Suggest improvement actions where you see room to improve.\n\n"
        "Please keep the file as it is (same format, no password) and send it back by "
        "{deadline}. Your answers will be shown beside other partners' to help the board "
        "decide where to focus.\n\n"
        "If you have any questions, please contact {contact}.\n\n"
        "Thank you,\n{signature}\n"
    ),
)

DEFAULT_REMINDER = Template(
    subject="Reminder: governance self-assessment for {name}, {due}",
    body=(
        "{greeting}\n\n"
        "This is a friendly reminder about {name}'s governance self-assessment workbook, "
        "{due}. So far:\n\n"
        "{missing}\n\n"
        "{next_step}\n\n"
        "If you have any questions, please contact {contact}.\n\n"
        "Thank you,\n{signature}\n"
    ),
)


def parse_template(text: str, source: str, allowed: Sequence[str]) -> Template:
    """Read a template file: a first line 'Subject: ...', a blank line, then the body.

    Raises :class:`TemplateError` for a missing subject or an unknown placeholder.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or not lines[0].lower().startswith("subject:"):
        raise TemplateError(
            f"{source}: the first line must be 'Subject: ...', then a blank line, then the body."
        )
    for number, line in enumerate(lines, start=1):
        odd = LINE_BREAKS.search(line)
        if odd:
            where = "the subject, a header," if number == 1 else "the body"
            raise TemplateError(
                f"{source}, line {number}: {where} holds a line break of another kind "
                f"({_named(odd.group())}), which mail programs may show, or take, as the "
                "end of a line. Delete it, and use an ordinary line break in the body."
            )
    subject = lines[0][len("subject:") :].strip()
    body = "\n".join(lines[1:]).lstrip("\n")
    known = ", ".join("{" + a + "}" for a in allowed)
    for part_name, part in (("subject", subject), ("body", body)):
        try:
            fields = [(f, s, c) for _, f, s, c in string.Formatter().parse(part) if f is not None]
        except ValueError as exc:
            raise TemplateError(
                f"{source}: the {part_name} has a stray brace ({exc}). Write {{{{ and }}}} for "
                "literal braces."
            ) from exc
        for name, spec, conversion in fields:
            if spec or conversion:
                shown = (
                    "{"
                    + name
                    + (f"!{conversion}" if conversion else "")
                    + (f":{spec}" if spec else "")
                    + "}"
                )
                raise TemplateError(
                    f"{source}: the {part_name} uses {shown}, but only plain placeholders are "
                    f"allowed. Write one of: {known}."
                )
            if name not in allowed:
                raise TemplateError(
                    f"{source}: the {part_name} uses the placeholder {{{name}}}, which is not "
                    f"known. Use only: {known}."
                )
    return Template(subject, body)


def load_template(
    path: Path, allowed: Sequence[str] = INVITATION_FIELDS, limits: InputLimits | None = None
) -> Template:
    """Load a template file (see :func:`parse_template`): a regular file of at most
    ``limits.max_template_bytes``, in UTF-8 or Windows-1252, as partners.csv is read."""
    limits = limits or InputLimits.from_env()
    most = limits.max_template_bytes
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise TemplateError(
                f"{path}: is not a regular file (it is a device, folder or pipe). Give "
                "--template a text file."
            )
        if info.st_size > most:
            raise TemplateError(
                f"{path}: {info.st_size:,} bytes, more than the {most:,} a template may "
                f"hold (raise it with {variable('max_template_bytes')}). Give a short text file."
            )
        with path.open("rb") as handle:
            raw = handle.read(most + 1)
    except OSError as exc:
        raise TemplateError(
            f"{path}: cannot read the template ({exc.strerror or exc}). Save it as UTF-8 text."
        ) from None
    if len(raw) > most:  # it grew after it was measured
        raise TemplateError(f"{path}: more than {most:,} bytes. Give a short text file.")
    noted: list[Finding] = []  # decoded by partners.csv's own decoder: UTF-8, else cp1252
    text = decode_like_partners_csv(raw, path.name, noted)
    return parse_template(text, str(path), allowed)


def signature(contact: str, sender: str) -> str:
    """Who signs: the sender's display name, else the contact's name, else the team.

    'LSP team <lsp@council.gov.uk>' signs as 'LSP team'; the contact 'Jo Bloggs,
    jo@council.gov.uk, 01234 567890' signs as 'Jo Bloggs'.
    """
    shown, _ = parseaddr(sender) if sender else ("", "")
    if shown:
        return shown
    first = re.split(r"[,;(<]|\s-\s", contact, maxsplit=1)[0].strip()
    if first and "@" not in first and not re.search(r"\d{3}", first):
        return first
    return "The partnership team"


def greeting(contact_name: str) -> str:
    """'Dear Lisa Brown,', or 'Hello,' when there is no one to name."""
    return f"Dear {contact_name}," if contact_name else "Hello,"


def format_deadline(deadline: dt.date | None) -> str:
    """'Wednesday 31 March 2027', or words that work without a date."""
    if deadline is None:
        return "the date we agreed"
    return f"{deadline:%A} {deadline.day} {deadline:%B %Y}"


def message_values(
    partner: Partner, deadline: dt.date | None, contact: str, sender: str
) -> dict[str, str]:
    """The invitation placeholders for one partner, natural whatever is filled in."""
    person = partner.contact_name or partner.email_name
    return {
        "name": partner.name,
        "contact_name": person or "colleague",
        "deadline": format_deadline(deadline),
        "contact": contact or sender or "the partnership team",
        "greeting": greeting(person),
        "signature": signature(contact, sender),
    }
