"""SubRip (.srt): numbered cues with `00:00:01,000 --> 00:00:04,000` times; speakers as `Name: text`."""

from __future__ import annotations

import re

from ..errors import MalformedTranscript
from .common import MAX_CUE_S, build_transcript, parse_time, time_ordered
from .vtt import cue_rows, is_timing

_ARROW = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)")


def _cues(block: str) -> list[list[str]]:
    """A blank-line block's cues: a cue whose blank line before it was lost (a hand edit, a joined
    file) starts at its own timing line, its number just above it, instead of running into the
    cue before as text."""
    lines = block.split("\n")
    starts, timing = [0], next((k for k, ln in enumerate(lines) if "-->" in ln), len(lines))
    for k in range(timing + 1, len(lines)):
        if is_timing(lines[k]):
            numbered = k - 1 > timing and lines[k - 1].strip().isdigit()
            starts.append(k - 1 if numbered else k)
            timing = k
    return [lines[a:b] for a, b in zip(starts, starts[1:] + [len(lines)])]


def parse(text: str, source: str, join: bool = True):
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n").strip())
    rows = []
    for lines in (cue for b in blocks for cue in _cues(b)):
        if not lines or not lines[0].strip():
            continue
        k = 0
        if lines[0].strip().isdigit():
            k = 1
        if k >= len(lines) or "-->" not in lines[k]:
            raise MalformedTranscript(f"cue '{lines[0].strip()[:30]}' has no '-->' timing line", path=source)
        m = _ARROW.match(lines[k])
        try:
            start, end = parse_time(m.group(1)), parse_time(m.group(2))  # type: ignore[union-attr]
        except (ValueError, AttributeError):
            raise MalformedTranscript(f"bad cue timing '{lines[k].strip()[:40]}'", path=source) from None
        if end < start:   # as a VTT's cue
            raise MalformedTranscript(f"cue '{lines[k].strip()[:40]}' ends before it starts", path=source)
        if end > MAX_CUE_S:
            raise MalformedTranscript(f"cue '{lines[k].strip()[:40]}' is more than a day into the file: check its "
                                      "timings", path=source)
        rows.append(("\n".join(lines[k + 1 :]), start, end))
    rows, reordered = time_ordered(rows)
    rows = cue_rows(rows)
    if not rows:
        raise MalformedTranscript("has no subtitle cues", path=source)
    t = build_transcript(rows, source, join=join)
    if reordered:
        t.notes.append(reordered)
    return t
