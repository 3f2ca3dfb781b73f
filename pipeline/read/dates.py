"""The one date parser for what people type in a date cell."""

from __future__ import annotations

import datetime as dt
import re

# Excel day numbers of 1 January 2000 and 31 December 2099: a bare number in this range is a date
# whose cell lost its date format.
_SERIALS = range(36526, 73051)


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+)?")


_UK_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})")


_WORDY_DATE = re.compile(r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([a-z]+)\.?,?\s+(\d{4})")


def parse_date(value: object) -> dt.date | None:
    """A date from a cell: a date; text people type, ``2026-03-01``, ``01/03/2026`` (day first,
    as in the UK), ``1 March 2026`` or ``March 2026`` (the 1st); or an Excel day number whose
    cell lost its date format. None otherwise."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        day = int(value)
        return dt.date(1899, 12, 30) + dt.timedelta(days=day) if day in _SERIALS else None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = " ".join(value.strip().casefold().split())
    try:
        if m := _ISO_DATE.fullmatch(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _UK_DATE.fullmatch(text):
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return dt.date(year, int(m[2]), int(m[1]))
        if (m := _WORDY_DATE.fullmatch(text)) and m[2] in _MONTHS:
            return dt.date(int(m[3]), _MONTHS[m[2]], int(m[1] or 1))
    except ValueError:
        return None
    return None
