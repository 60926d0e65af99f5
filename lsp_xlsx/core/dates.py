"""Read dates the way UK partners type them, and only when there is no doubt.

Always day first, as the UK writes dates; a two-digit year is 20YY:

* ISO: ``2027-03-31``;
* numbers: ``31/03/2027``, ``31/03/27``, ``31.3.2027``, ``31-3-27``;
* words: ``31 March 2027``, ``31st March 2027``, ``31 Mar 27``, ``31-Mar-2027``,
  ``Wednesday 31st March 2027``, ``31 Sept 2027``.

Anything else (``03/31/27``: there is no 31st month; "end of March", "March 2027", "Q3",
"TBC") is not a date: the caller keeps it as typed.
"""

from __future__ import annotations

import datetime as dt
import re

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?$")
#: Day, month and year in numbers, one separator used throughout.
_NUMBERS = re.compile(r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})$")
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_DAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    "mon|tues|tue|wed|thurs|thur|thu|fri|sat|sun"
)
#: "Wednesday 31st March 2027", "31 Mar 27", "31-Mar-2027", "31 March, 2027".
_WORDS = re.compile(
    rf"^(?:(?:{_DAYS})\.?,?\s+)?(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?[\s\-/.]+"
    r"([a-z]{3,9})\.?,?[\s\-/.]+(\d{4}|\d{2})$",
    re.IGNORECASE,
)


def _year(text: str) -> int:
    """A two-digit year is this century's: '27' is 2027."""
    return 2000 + int(text) if len(text) == 2 else int(text)


def _month(word: str) -> int | None:
    """1 to 12 for a month's name or its usual short form ('Mar', 'Sept'), else None."""
    word = word.casefold()
    for number, name in enumerate(_MONTHS, start=1):
        if name.startswith(word) and len(word) >= 3:
            return number
    return 9 if word == "sept" else None


def parse_date(text: str) -> dt.date | None:
    """The date ``text`` unambiguously names (day first), or None."""
    text = " ".join(text.split())
    if match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif match := _NUMBERS.match(text):
        day, month, year = int(match[1]), int(match[3]), _year(match[4])
    elif match := _WORDS.match(text):
        named = _month(match[2])
        if named is None:
            return None
        day, month, year = int(match[1]), named, _year(match[3])
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
