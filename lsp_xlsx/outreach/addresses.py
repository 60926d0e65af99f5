"""E-mail addresses as mail servers treat them, checked before anything is sent.

partners.csv accepts any address of the shape name@domain. A mail server is stricter:
the part before the @ is at most 64 bytes of letters, digits and ``!#$%&'*+-/=?^_`{|}~``
in dot-separated pieces, and letters outside ASCII (``josé.garcia@…``) need the server's
SMTPUTF8 extension (RFC 6531). :func:`address_problem` says why an address cannot be
used at all; :func:`needs_smtputf8` says when it can be used only where the server
offers SMTPUTF8.
"""

from __future__ import annotations

import re

_ATOM = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$")
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
MAX_LOCAL = 64
MAX_ADDRESS = 254


def needs_smtputf8(address: str) -> bool:
    """True when the address has characters outside ASCII."""
    return not address.isascii()


def address_problem(address: str) -> str | None:
    """Why a mail server would refuse ``address``, in a coordinator's words; None if fine."""
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return f"'{address}' is not one address (name@domain)"
    if len(address.encode("utf-8")) > MAX_ADDRESS:
        return f"the address is longer than the {MAX_ADDRESS} characters mail servers accept"
    if len(local.encode("utf-8")) > MAX_LOCAL:
        return f"the part before the @ is longer than the {MAX_LOCAL} bytes mail servers accept"
    for piece in local.split("."):
        if not piece:
            return f"'{address}' has a dot at the start or end, or two dots together, before the @"
        plain = "".join(c for c in piece if c.isascii())
        if (plain and not _ATOM.match(plain)) or any(
            not c.isascii() and not c.isprintable() for c in piece
        ):
            return f"'{address}' has a character mail servers do not accept before the @"
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        return f"the domain of '{address}' is not one mail servers accept"
    return None
