"""Read dates the way UK partners type them, and only when there is no doubt.

ISO (2027-03-31) and day/month/year (31/03/2027, 31-3-2027, 31.03.2027) with a four-digit
year are read. Anything else (03/31/27, "end of March", "Q3") is left for a person.
"""

from __future__ import annotations

import datetime as dt
import re

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?$")
_UK = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_LONG = ("%d %B %Y", "%d %b %Y", "%A %d %B %Y")


def parse_date(text: str) -> dt.date | None:
    """The date ``text`` unambiguously names, or None."""
    text = " ".join(text.split())
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _UK.match(text)
        if not match:
            for fmt in _LONG:  # "31 March 2027" is unambiguous too
                try:
                    return dt.datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
