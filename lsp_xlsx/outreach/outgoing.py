"""One message ready to go: below both ``mail.py`` (which makes and sends it) and
``sendlog.py`` (which records it), so that neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from lsp_xlsx.framework.partners import Partner


@dataclass
class Outgoing:
    """One message ready to go, and whom it is for."""

    partner: Partner
    message: EmailMessage
    kind: str
    file: Path | None

    @property
    def message_id(self) -> str:
        """The Message-ID header."""
        return str(self.message["Message-ID"])
