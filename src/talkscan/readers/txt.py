"""Plain text with one `Name: text` turn per line; an optional `[00:01:02]` or `00:01:02` time prefix.
Lines without a name continue the previous turn."""

from __future__ import annotations

import re

from ..errors import MalformedTranscript
from .common import build_transcript, parse_time

_LINE = re.compile(
    r"^\s*(?:\[?(?P<t>(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d+)?)\]?\s*[-–]?\s*)?"
    r"(?P<name>[^:\[\]]{1,40}?)\s*(?:\((?P<t2>(?:\d+:)?\d{1,2}:\d{2})\))?\s*:\s+(?P<text>\S.*)$"
)


def parse(text: str, source: str):
    rows: list[list] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if not line.strip():
            continue
        m = _LINE.match(line)
        if m and len(m.group("name").split()) <= 4:
            t = m.group("t") or m.group("t2")
            start = parse_time(t) if t else None
            rows.append([m.group("name").strip(), m.group("text").strip(), start, None])
        elif rows:
            rows[-1][1] += " " + line.strip()
    if not rows:
        raise MalformedTranscript("has no 'Name: text' lines", path=source)
    # a timed line ends where the next one starts
    for a, b in zip(rows, rows[1:]):
        if a[2] is not None and b[2] is not None:
            a[3] = b[2]
    if rows[-1][2] is not None:
        rows[-1][3] = rows[-1][2] + max(1.0, len(rows[-1][1].split()) / 2.5)
    return build_transcript([tuple(r) for r in rows], source)
