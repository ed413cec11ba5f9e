"""Shared by the readers: turn (name, text, start, end) rows into a Transcript, and time parsing."""

from __future__ import annotations

import re

from ..errors import MalformedTranscript
from ..transcript import Speaker, Transcript, Utterance

_TS = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$")


def parse_time(text: str) -> float:
    m = _TS.match(text.strip())
    if not m:
        raise ValueError(text)
    h, mnt, s, frac = m.groups()
    return int(h or 0) * 3600 + int(mnt) * 60 + int(s) + (int(frac.ljust(3, "0")) / 1000 if frac else 0.0)


def build_transcript(
    rows: list[tuple[str | None, str, float | None, float | None]], source: str, language: str = "en"
) -> Transcript:
    """One utterance per row (turn = row index); speakers S0, S1… in order of first appearance."""
    if not rows:
        raise MalformedTranscript("contains no transcript turns", path=source)
    ids: dict[str | None, str] = {}
    speakers: list[Speaker] = []
    utterances: list[Utterance] = []
    for i, (name, text, start, end) in enumerate(rows):
        key = name.strip() if name else None
        if key not in ids:
            ids[key] = f"S{len(ids)}"
            speakers.append(Speaker(id=ids[key], name=key))
        utterances.append(Utterance(id=f"u{i}", turn=i, speaker=ids[key], text=text.strip(), start=start, end=end))
    ends = [u.end for u in utterances if u.end is not None]
    return Transcript(
        source=source,
        kind="transcript",
        speakers=speakers,
        utterances=utterances,
        duration_s=max(ends) if ends else None,
        language=language,
    )
