"""The history across meetings as plain data (what index.html and `talkscan history` show), and its
plain-text rendering. People are matched across meetings by name; unnamed speakers (S0, S1, …)
cannot be, so they appear in their meetings but get no series over time."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .transcript import MOVES

if TYPE_CHECKING:
    from .store import FailureRow, MeetingRow, Store

__all__ = ["History", "Person", "PersonPoint", "ConflictTopic", "build_history", "render_history"]


@dataclass
class PersonPoint:
    """One person in one meeting."""

    meeting: int          # index into History.meetings
    when: str
    moves: dict[str, int]
    flags: list[str]      # "overused paraphrase", "missing similarity", "missing acknowledgement of the other side"…


@dataclass
class Person:
    name: str
    points: list[PersonPoint] = field(default_factory=list)

    def total(self, move: str) -> int:
        return sum(p.moves.get(move, 0) for p in self.points)

    @property
    def flag_count(self) -> int:
        return sum(len(p.flags) for p in self.points)


@dataclass
class ConflictTopic:
    topic: str
    count: int = 0
    meetings: list[int] = field(default_factory=list)          # indices into History.meetings
    pairs: dict[str, int] = field(default_factory=dict)       # "Maya ↔ Greg" -> conflicts
    reasons: list[str] = field(default_factory=list)

    @property
    def recurring(self) -> bool:
        return len(self.meetings) > 1


@dataclass
class History:
    meetings: list["MeetingRow"]
    people: list[Person]
    conflicts: list[ConflictTopic]
    failures: list["FailureRow"]
    # another file of a meeting already listed (its recording and its exported transcript): the
    # index of that copy -> the index of the report counted for the meeting
    same_as: dict[int, int] = field(default_factory=dict)

    @property
    def counted(self) -> list[int]:
        """The indices of the meetings counted: one report per meeting."""
        return [i for i in range(len(self.meetings)) if i not in self.same_as]

    @property
    def meeting_count(self) -> int:
        return len(self.counted)


_TRANSCRIPT_SUFFIX = re.compile(r"[ ._-]transcript$", re.IGNORECASE)


def _same_meetings(meetings: list["MeetingRow"]) -> dict[int, int]:
    """Reports of one meeting from several files: a recording and the transcript exported with it
    share a folder and a name ("sync.m4a", "sync.vtt"; Zoom's "…Recording.transcript.vtt"), and a
    date where both know one. Each group counts once, through its best source: a transcript (its
    names are the people's) with times before one without, before the recording."""
    groups: list[list[int]] = []
    keys: list[tuple[str, str]] = []
    for i, m in enumerate(meetings):
        src = Path(m.source)
        key = (src.parent.as_posix(), _TRANSCRIPT_SUFFIX.sub("", src.stem).casefold())
        for g, k in zip(groups, keys):
            if k == key and all(not m.date or not meetings[j].date or m.date == meetings[j].date for j in g):
                g.append(i)
                break
        else:
            groups.append([i])
            keys.append(key)
    same_as = {}
    for g in groups:
        best = max(g, key=lambda j: (meetings[j].kind == "transcript", meetings[j].duration_s is not None, -j))
        same_as.update({j: best for j in g if j != best})
    return same_as


def build_history(store: "Store") -> History:
    from .readers.common import person_key
    from .report.html import flag_text

    meetings = store.meetings()
    same_as = _same_meetings(meetings)
    people: dict[str, Person] = {}
    topics: dict[str, ConflictTopic] = {}
    def who(m: "MeetingRow", speaker: str) -> str:
        """A person's name as first seen across meetings, so one pair reads the same everywhere. An
        unnamed speaker is nobody elsewhere: S0 of one meeting is not S0 of the next."""
        name = m.label(speaker)
        if not any(s["speaker"] == speaker and s["name"] for s in m.speakers):
            return f"{speaker} ({Path(m.report).name})"
        person = people.get(person_key(name))
        return person.name if person else name

    for i, m in enumerate(meetings):
        if i in same_as:
            continue   # its people and conflicts are counted once, from the meeting's other report
        for s in m.speakers:
            if not s["name"]:
                continue
            person = people.setdefault(person_key(s["name"]), Person(" ".join(s["name"].split())))
            person.points.append(
                PersonPoint(
                    meeting=i,
                    when=m.when,
                    moves=dict(m.moves.get(s["speaker"], {})),
                    flags=[flag_text(f) for f in m.flags if f["speaker"] == s["speaker"]],
                )
            )
        for c in m.conflicts:
            ct = topics.setdefault(c["topic"], ConflictTopic(c["topic"]))
            ct.count += 1
            if i not in ct.meetings:
                ct.meetings.append(i)
            pair = " ↔ ".join(
                sorted((who(m, s) for s in (c["speaker_a"], c["speaker_b"]) if s), key=str.casefold)
            )
            ct.pairs[pair] = ct.pairs.get(pair, 0) + 1
            if c["reason"] and len(ct.reasons) < 5:
                ct.reasons.append(c["reason"])
    conflicts = sorted(topics.values(), key=lambda c: (-len(c.meetings), -c.count, c.topic))
    return History(
        meetings=meetings,
        people=sorted(people.values(), key=lambda p: p.name.casefold()),
        conflicts=conflicts,
        failures=store.failures(),
        same_as=same_as,
    )


def duration_text(seconds: float | None) -> str:
    from .report.html import clock

    return "–" if seconds is None else clock(seconds)


def _table(header: list[str], rows: list[list[str]], width: int) -> list[str]:
    cols = len(header)
    widths = [max(len(r[c]) for r in [header, *rows]) for c in range(cols)]
    # too wide: narrow the widest column (a long speakers list) until the table fits, and wrap its
    # cells onto more lines; nothing is cut, since flags are what the reader came for. Columns whose
    # cells are words go first: a report's name broken in two ("…-2024-06-2" / "0") reads as another.
    words = [c for c in range(cols) if any(" " in r[c] for r in rows)]
    while sum(widths) + 2 * (cols - 1) > width:
        narrow = [c for c in words if widths[c] > 12] or [c for c in range(cols) if widths[c] > 12]
        if not narrow:
            break
        c = max(narrow, key=lambda k: widths[k])
        widths[c] -= 1

    def lines(r: list[str]) -> list[str]:
        cells = [textwrap.wrap(r[c], widths[c], break_on_hyphens=False) or [""] for c in range(cols)]
        return ["  ".join((cell[k] if k < len(cell) else "").ljust(widths[c]) for c, cell in enumerate(cells)).rstrip()
                for k in range(max(map(len, cells)))]

    return [*lines(header), "  ".join("-" * w for w in widths), *(x for r in rows for x in lines(r))]


MOVE_SHORT = {"paraphrase": "para", "mirroring": "mirr", "emotional_labeling": "label",
              "similarity": "simil", "future_vision": "future", "ask": "ask"}


def render_history(store: "Store", width: int = 100) -> str:
    from .report.html import flag_text

    h = build_history(store)
    reports = f" ({len(h.meetings)} reports)" if h.same_as else ""
    out: list[str] = [f"History: {h.meeting_count} meeting(s){reports}, {len(h.failures)} failed input(s)  [{store.path}]", ""]
    if h.meetings:
        out.append("Meetings")
        rows = []
        for i, m in enumerate(h.meetings):
            speakers = ", ".join(s["name"] or s["speaker"] for s in m.speakers)
            flags = "; ".join(f"{m.label(f['speaker'])}: {flag_text(f)}" for f in m.flags) or "–"
            report = m.report + (f" (= {h.meetings[h.same_as[i]].report})" if i in h.same_as else "")
            rows.append([m.when + ("" if m.date else "*"), duration_text(m.duration_s), report, speakers, flags])
        out += _table(["date", "length", "report", "speakers", "flags"], rows, width)
        if any(not m.date for m in h.meetings):
            out.append("* no date known: the file's modification date")
        if h.same_as:
            out.append("(= X): the same meeting as report X (a file of the same name in the same folder); "
                       "its people and conflicts are counted once, from X")
        out.append("")
    if h.people:
        out.append("People over time (moves per meeting, oldest first; ! = meetings with flags)")
        rows = []
        for p in h.people:
            series = ["/".join(str(pt.moves.get(mv, 0)) for pt in p.points) for mv in MOVES]
            flagged = sum(1 for pt in p.points if pt.flags)
            rows.append([p.name, str(len(p.points)), *series, f"{flagged}!" if flagged else "–"])
        out += _table(["person", "mtgs", *(MOVE_SHORT[m] for m in MOVES), "flags"], rows, width)
        for p in h.people:
            for pt in p.points:
                if pt.flags:
                    out.append(f"  {p.name} {pt.when}: {', '.join(pt.flags)}")
        out.append("")
    if h.conflicts:
        out.append("Conflicts by topic")
        rows = []
        for c in h.conflicts:
            pairs = ", ".join(f"{k} ×{v}" for k, v in sorted(c.pairs.items(), key=lambda kv: -kv[1]))
            rows.append([c.topic, str(c.count), str(len(c.meetings)) + (" recurring" if c.recurring else ""), pairs])
        out += _table(["topic", "conflicts", "meetings", "between"], rows, width)
        out.append("")
    if h.failures:
        out.append("Failed inputs")
        out += _table(
            ["input", "tries", "error"], [[f.source, str(f.attempts), f.message] for f in h.failures], width
        )
        out.append("")
    if not h.meetings and not h.failures:
        out.append("No meetings yet.")
    return "\n".join(out).rstrip() + "\n"
