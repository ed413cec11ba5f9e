"""The meeting's date from a transcript's header: Meet's title line "Vendor sync (Nov 26, 2026) -
Transcript", Teams' .docx "November 26, 2026, 10:02AM", a "Date: 2026-11-26" line. Read only above
the first turn, where no one is speaking: "sign by March 3, 2027" in a turn dates nothing."""

from __future__ import annotations

import datetime as dt
import re

from .txt import _META, _TIME_ONLY, _turn

_MONTHS = {m: k for k, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), start=1) for m in names}
_MONTH = r"(?P<mon>[A-Za-z]{3,9})\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DATES = (
    re.compile(r"(?<!\d)(?P<year>(?:19|20)\d\d)-(?P<mon>[01]\d)-(?P<day>[0-3]\d)(?!\d)"),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"),      # Nov 26, 2026
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b"),      # 26 November 2026
)
HEADER_LINES = 12


def _date(line: str) -> str | None:
    for rx in _DATES:
        for m in rx.finditer(line):
            mon = m["mon"]
            month = int(mon) if mon.isdigit() else _MONTHS.get(mon.lower())
            try:
                return dt.date(int(m["year"]), month, int(m["day"])).isoformat() if month else None
            except ValueError:
                continue
    return None


def header_date(lines: list[str]) -> str | None:
    """The first date written above the first turn (in the first HEADER_LINES lines), as YYYY-MM-DD."""
    seen = 0
    for line in lines:
        if not line.strip() or _TIME_ONLY.match(line):
            continue
        seen += 1
        if seen > HEADER_LINES:
            return None
        turn = _turn(line)
        if turn and turn.name.lower() not in _META:
            return None
        if found := _date(line):
            return found
    return None
