"""Plain-text transcripts, in the layouts people paste or export:

- `Name: text`, one turn per line, with an optional `[00:01:02]` / `00:01:02` prefix or a
  `Name (01:02): text` / `Name [01:02]: text` time (notes, chat logs, Google Meet's transcript
  document), the name possibly in Markdown bold (`**Name:** text`, as notes apps and chat assistants
  write it), the line possibly a list item (`- Name: text`);
- `Name<TAB>text`, possibly after a time column or two and under a header row (a transcript kept
  in a spreadsheet, saved as text): only in a file that is mostly such rows, under a header row or
  with no turn of another layout, so that a table pasted into an exchange stays text;
- `Name:` on its own line and the text below, possibly timed (`Speaker 1 (00:03):`, or
  `Name: (00:03)` as Rev's published transcripts write it);
- `[Name]: text` (WhisperX and other diarizing tools), possibly after a time;
- `10:02:15 From Name to Everyone:` and the message below or after it (Zoom's saved chat; clock
  times, counted from the first message);
- `[Name] 10:02:15 text` (Zoom's saved captions, timed by the clock: times count from the first
  caption), the text on the same line or the next ones (a bracket without a time, "[laughs]", is text);
  one speaker's captions in a row are one turn, as subtitle cues are (common.join_cues);
- `Name  01:02` on its own line and the text below (Otter, a Teams transcript pasted from Word;
  also `Name - 01:02`, `Name | 01:02`, `Name (01:02)`, and the time first: `[01:02] Name`);
  Teams starts a new entry where its speaker pauses, so one speaker's entries in a row are joined too.
  In a file of mostly `Name: text` turns, such a heading is an agenda line inside a turn; in a file
  of mostly such headings, a `Word: text` line is the speaker's text ("Picture April: …"), unless
  its word heads turns too.

A name may carry a role in brackets: `Maya (Procurement): text`, `Maya Chen [Head of Procurement]: text`,
and a parliament's long or nested ones: `The Chair (Hon. Anthony Rota (Nipissing, Lib.)): text`.

Lines without a name continue the previous turn. A time on a line of its own (Meet writes one every
few minutes) times the next turn instead of joining the text; with text under it in a file of
headings, it heads a paragraph without a name: a turn of an unnamed speaker, as is Otter's "Unknown
Speaker  0:35" (common.build_transcript); a file of such paragraphs alone is refused, saying so. Header
lines before the first turn (`Date: …`, `Attendees: …`, a title) are not turns. A notes section
(`Summary:`, `## Action items`, `Next steps:` on a line of its own, as meeting-notes tools and AI
summaries add them) is nobody's speech: its lines are skipped until the next `Name: text` line.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..errors import MalformedTranscript
from .common import NAME, build_transcript, parse_time, speaker_like

_T = r"(?:\d+:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?(?!\d)"   # what common.parse_time reads
_LINE = re.compile(
    rf"^\s*+(?:\[?(?P<t>{_T})\]?\s*+[-–]?\s*+)?"
    # the name (at most four words, speaker_like says, of up to 60 characters: "Alexandra
    # Konstantinopoulou-Wetherington Jr"), or a name with a role after it: "Maya [Procurement]",
    # "Maya Chen (Head of Procurement, EMEA)"
    # (a role as parliaments write them: "Hon. Carla Qualtrough (Minister of Employment, Workforce
    # Development and Disability Inclusion)", "The Chair (Hon. Anthony Rota (Nipissing, Lib.))")
    rf"(?P<name>[^:\[\]\t]{{1,60}}?|[^\s:\[\]()][^:\[\]()\t]{{0,59}}?\s*[(\[](?:[^()\[\]:\t]|[(\[][^()\[\]:\t]{{0,60}}[)\]]){{1,120}}[)\]])"
    rf"\s*(?:\((?P<t2>{_T})\)|\[(?P<t3>{_T})\])?\s*:\s+(?P<text>\S.*)$"
)
# "Maya<TAB>text", possibly after a time column or two: a transcript kept in a spreadsheet, saved
# as text. The name is the whole cell (speaker_like judges it): "Élodie", "Jan van Dijk".
_TAB = re.compile(rf"^ *(?:\[?(?P<t>{_T})\]?\t[\t ]*(?:\[?{_T}\]?\t[\t ]*)?)?(?P<name>[^\t:]{{1,60}}?) *\t[\t ]*(?P<text>\S.*)$")
_HEADER_CELLS = {"time", "start", "end", "start time", "end time", "timestamp", "speaker", "speaker name", "name",
                 "who", "text", "transcript", "utterance", "content", "said", "words"}
# Zoom's saved chat: "10:00:01 From Maya Chen to Everyone:" with the message below (or after it),
# "… to Greg Park (Direct Message):"; older exports "10:00:01\t From  Maya Chen : message". Clock times.
_ZOOM_CHAT = re.compile(rf"^\s*(?P<t>{_T})\s+From\s+(?P<name>[^:\t]{{1,60}}?)\s+to\s+[^:\t]{{1,60}}?\s*:\s*(?P<text>.*)$", re.I)
_ZOOM_CHAT_OLD = re.compile(rf"^\s*(?P<t>{_T})\s+From\s+(?P<name>[^:\t]{{1,60}}?)\s*:\s*(?P<text>.*)$", re.I)
_BRACKET = re.compile(rf"^\s*\[(?!{_T}\])(?P<name>[^\]]{{1,40}})\]\s*(?P<t>{_T})\s*(?P<text>.*)$")
# "[SPEAKER_00]: text", as WhisperX and other diarizing tools write, possibly after a time
_BRACKET_NAME = re.compile(rf"^\s*(?:\[?(?P<t>{_T})\]?\s*[-–]?\s*)?\[(?!{_T}\])(?P<name>[^\]:]{{1,40}})\]\s*:\s+(?P<text>\S.*)$")
# "Maya Chen  0:03": every word capitalised (or a number), so "we meet at 10:30" stays text
# also "Maya Chen - 00:03", "Maya Chen | 00:03", "Maya Chen, 00:03", "Maya Chen (00:03)", and the
# time first: "00:03 Maya Chen", "[00:03] Maya Chen", "@0:03 - Maya Chen", as other notes tools export them
_SEP = r"(?:\s+|\s*[-–|·•,]\s*)"
# Teams writes the name as the organisation's directory has it: "Park, Greg", "Tom Okafor (Guest)",
# "Park, Greg (Contractor)", or a login ("greg.park")
_HEAD_NAME = rf"(?:{NAME}(?:,\s*{NAME})?|[a-z0-9]+(?:[._][a-z0-9]+)+)(?:\s*[(\[][^()\[\]\d:]{{1,40}}[)\]])?"
_HEADING = re.compile(rf"^\s*(?P<name>{_HEAD_NAME})(?:{_SEP}(?P<t>{_T})|\s*[(\[](?P<t2>{_T})[)\]])\s*$")
_HEADING_TIME_FIRST = re.compile(rf"^\s*@?[(\[]?(?P<t>{_T})[)\]]?{_SEP}(?P<name>{NAME})\s*$")
# "Maya Chen:" alone, the text below; capitalised words only, so "as follows:" stays text. Rev's
# transcripts time it: "Speaker 1 (00:03):" or "Maya Chen (01:02:03):".
_NAME_ONLY = re.compile(rf"^\s*(?P<name>{NAME})\s*(?:\((?P<t2>{_T})\)|\[(?P<t3>{_T})\])?\s*:\s*$")
_BOLD = re.compile(r"^(\s*)(\*\*|__)(.+?)\2")
# a list mark before a turn ("- Maya: …", "• **Maya:** …"), as notes apps write a transcript
_LIST_MARK = re.compile(r"^(\s*)[-*•–]\s+")
# "Maya Chen: (00:01)" with the text below, as Rev's published transcripts write it
_TIME_FIRST = re.compile(rf"^[(\[](?P<t>{_T})[)\]]\s*(?P<text>.*)$")
_TIME_ONLY = re.compile(rf"^\s*\[?(?P<t>{_T})\]?\s*$")
# Teams' own lines at the start and end of a transcript: nobody said them
_TEAMS_EVENT = re.compile(rf"^\s*{_HEAD_NAME}\s+(?:started|stopped)\s+(?:transcription|recording)\s*$")
# What Meet and Otter write after the last turn, and Zoom's chat for a reaction or above a reply:
# nobody said them ("Replying to" keeps the reply, a reaction alone leaves an empty message, dropped)
_EXPORT_LINE = re.compile(
    rf"^\s*(?:Transcription ended after\s+{_T}|This editable transcript was computer generated\b.*"
    r"|Transcribed by\s+(?:https?://)?(?:www\.)?otter\.ai\S*|Reacted to \".*\" with \S+|Replying to \".*\")\s*$")
# Gemini's "Notes + Transcript" document: its notes ("Details", "Price: Maya asked for…") come
# before this line, the transcript after
_GEMINI_TRANSCRIPT = re.compile(r"^\s*📖\s*Transcript\s*$")
_META = {"attendees", "participants", "date", "time", "title", "meeting", "subject", "location", "agenda",
         "duration", "recorded", "recording", "organizer", "organiser", "host", "transcript", "topic", "when", "where",
         # what meeting invitations and tools put above a transcript (Zoom's "Meeting ID:", "Passcode:")
         "meeting title", "meeting name", "meeting id", "meeting date", "passcode", "password", "speakers",
         "present", "apologies", "absent", "note taker", "minutes", "start time",
         "end time", "conference id", "dial-in", "project"}
# Section headings of meeting notes: never a speaker, and what follows them is not speech.
_SECTIONS = {"summary", "meeting summary", "quick recap", "recap", "overview", "notes", "meeting notes",
             "action items", "action item", "actions", "next steps", "follow-ups", "follow ups", "to-dos",
             "todos", "tasks", "decisions", "key decisions", "key points", "takeaways", "key takeaways",
             "highlights", "outline", "chapters", "keywords", "open questions", "questions", "summary notes",
             "details", "suggested next steps"}
# (possessive `\s*+`: adjacent optional spaces backtracked cubically on a line of many spaces)
_SECTION = re.compile(r"^\s*+(?:#{1,6}\s*+)?(?:\*\*|__)?(?P<h>[A-Za-z][A-Za-z -]{1,30}?)(?:\*\*|__)?\s*+:?\s*+(?:\*\*|__)?\s*+$")

_BULLET = re.compile(r"^\s*(?:[-*•–]|\d{1,2}[.)])\s")


def _section(line: str) -> bool:
    m = _SECTION.match(line)
    return bool(m) and m.group("h").strip().lower() in _SECTIONS


class _TurnLine(NamedTuple):
    name: str
    text: str
    time: str | None
    clock: bool      # the time is a clock time (Zoom's saved captions)
    heading: bool    # a name and time on a line of their own, the text below

    @property
    def pieces(self) -> bool:
        """The layout cuts one speaker's turn into entries: Zoom's captions, Teams' headed entries."""
        return self.clock or self.heading


def _turn(line: str, tabs: bool = False) -> _TurnLine | None:
    """The turn a line starts, else None. `tabs`: the file is a spreadsheet's rows (`_TAB`), whose
    rows are read first."""
    rxs = (_ZOOM_CHAT, _ZOOM_CHAT_OLD, _LINE, _BRACKET_NAME, _BRACKET, _HEADING, _HEADING_TIME_FIRST, _NAME_ONLY)
    tries = [(line, ((_TAB,) + rxs) if tabs else rxs)]
    bare = _LIST_MARK.sub(r"\1", line)
    if bare != line:   # a list item: a `Name: text` line ("- 10:30 Pricing" is an agenda line)
        tries.insert(0, (bare, (_LINE, _BRACKET_NAME)))
    for text_line, these in tries:
        text_line = _BOLD.sub(r"\1\3", text_line)      # "**Maya:** text" and "**Maya**: text" alike
        for rx in these:
            m = rx.match(text_line)
            if m and speaker_like(m.group("name")):
                d = m.groupdict()
                t = d.get("t") or d.get("t2") or d.get("t3")
                text = (d.get("text") or "").strip()
                if not t and (lead := _TIME_FIRST.match(text)):
                    t, text = lead.group("t"), lead.group("text")
                clock = rx in (_BRACKET, _ZOOM_CHAT, _ZOOM_CHAT_OLD)
                return _TurnLine(m.group("name").strip(), text, t, clock, rx in (_HEADING, _HEADING_TIME_FIRST))
    return None


def _tab_rows(lines: list[str]) -> bool:
    """Is the file a spreadsheet's rows: at least half its lines `Name<TAB>text` rows, under a
    header row of column names or with no turn of another layout among the other lines (a table
    pasted into an exchange of `Name: text` turns stays text)?"""
    rows = [ln for ln in lines if ln.strip()]
    if not rows:
        return False
    header = _header_row(rows[0])
    # "Maya Chen<TAB>0:03" is a heading (Teams with a tab before the time), its text on the next line
    hits = [bool((m := _TAB.match(ln)) and speaker_like(m.group("name")) and not _TIME_ONLY.match(m.group("text")))
            for ln in rows]
    if sum(hits) < 2 or 2 * (sum(hits) + header) < len(rows):
        return False
    return header or not any(_turn(ln) is not None for ln, hit in zip(rows, hits) if not hit)


def _header_row(line: str) -> bool:
    cells = [c.strip().lower() for c in line.split("\t") if c.strip()]
    return "\t" in line and bool(cells) and all(c in _HEADER_CELLS for c in cells)


class _Start(NamedTuple):
    """How a row began: the line, the text on it, and its layout."""

    line: str
    text: str
    heading: bool    # "Name  0:03" and the like (_TurnLine.heading)

    @property
    def own_line(self) -> bool:
        """The name on a line of its own, the text below (headings, Rev's "Name (00:03):")."""
        return not self.text


def _fold_stray_leads(rows: list[list], starts: list[_Start]) -> tuple[list[list], list[_Start]]:
    """In a file whose turns mostly start on a line of their own (Otter's and Teams' "Name  0:03",
    Rev's "Name (00:03):", the text below), a `Word: text` line whose word heads no turn is text,
    not a speaker ("Picture April: the system running…"): the line, and the lines that followed it,
    go back into the turn it interrupts (before the first turn it stays). Those tools write every
    turn under a heading, so a name said only that way is a sentence's lead."""
    if 2 * sum(s.own_line for s in starts) <= len(rows):
        return rows, starts
    below = {r[0] for r, s in zip(rows, starts) if s.own_line}
    kept: list[tuple[list, _Start]] = []
    for row, start in zip(rows, starts):
        if not start.own_line and row[0] not in below and kept:
            more = row[1][len(start.text):].strip()   # the lines after it, joined to the row
            kept[-1][0][1] = " ".join(x for x in (kept[-1][0][1], start.line, more) if x)
        else:
            kept.append((row, start))
    return [r for r, _ in kept], [s for _, s in kept]


def _fold_stray_headings(rows: list[list], starts: list[_Start]) -> list[list]:
    """In a file of mostly `Name: text` turns, a few "Pricing - 10:30" lines with text below are an
    agenda or notes inside a turn, not speakers: heading and text go back into the turn they
    interrupt (before the first turn, they are header lines)."""
    n_head = sum(s.heading for s in starts)
    if not n_head or n_head * 2 >= len(rows):
        return rows
    out: list[list] = []
    for row, start in zip(rows, starts):
        if not start.heading:
            out.append(row)
        elif out and row[1]:   # a bare "Tuesday 10:30" marks the time, not speech: dropped as before
            out[-1][1] = " ".join(x for x in (out[-1][1], start.line, row[1]) if x)
    return out


WORDS_PER_S = 2.5


def _fill_times(rows: list[list]) -> int:
    """Where only some turns are timed (Meet marks every few minutes), the others start in between,
    in proportion to the words said; past the last mark at WORDS_PER_S. Returns how many turns'
    times were estimated so."""
    known = [k for k, r in enumerate(rows) if r[2] is not None]
    if not known or len(known) == len(rows):
        return 0
    words = [max(1, len(r[1].split())) for r in rows]
    if known[0] > 0:    # turns before the first mark
        rows[0][2] = max(0.0, rows[known[0]][2] - sum(words[: known[0]]) / WORDS_PER_S)
        known.insert(0, 0)
    for a, b in zip(known, known[1:] + [None]):
        span = max(0.0, rows[b][2] - rows[a][2]) / sum(words[a:b]) if b is not None else 1 / WORDS_PER_S
        for k in range(a + 1, b if b is not None else len(rows)):
            rows[k][2] = rows[k - 1][2] + words[k - 1] * span
    return len(rows) - len(known)


def _count_from_first(rows: list[list]) -> None:
    """Clock times as seconds from the first row's. A clock that jumps back by more than half a day
    has passed midnight (a meeting from 23:40 to 00:30), not gone back in time."""
    t0, day, last = rows[0][2], 0.0, rows[0][2]
    for r in rows:
        if r[2] is None:
            continue
        if r[2] + day < last - 43200:
            day += 86400
        last = r[2] + day
        r[2] = last - t0


def parse(text: str, source: str):
    rows: list[list] = []
    pending: str | None = None      # a time on a line of its own, for the next turn
    clock = False
    pieces = True    # every turn from a layout that cuts one speaker's turn into entries
    in_notes = False     # inside a notes section (Summary, Action items…), until the next turn
    starts: list[_Start] = []   # per row: how it began
    before: list[str] = []      # lines before the first turn: a title, a date, or speech we could not place
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")   # old Macs end lines with CR alone
    tabs = _tab_rows(lines)
    for line in lines:
        if not line.strip():
            continue
        if tabs and not rows and _header_row(line):
            continue
        if _TEAMS_EVENT.match(line) or _EXPORT_LINE.match(line):
            continue
        if _GEMINI_TRANSCRIPT.match(line):   # all before it was notes
            rows, starts, before, pending, in_notes, clock, pieces = [], [], [], None, False, False, True
            continue
        if lone := _TIME_ONLY.match(line):
            pending = lone.group("t")
            continue
        turn = _turn(line, tabs)
        if _section(line) or (turn and turn.name.lower() in _SECTIONS):   # "Summary: we agreed…" too
            in_notes = True
            continue
        if turn and not rows and turn.name.lower() in _META:
            continue
        # in notes, a bullet ("- Greg: check the SOW") or a name alone is a notes line, not a turn
        if in_notes and (_BULLET.match(line) or not (turn and turn.text)):
            continue
        in_notes = False
        if turn:
            clock, pieces = clock or turn.clock, pieces and turn.pieces
            t = turn.time or pending
            pending = None
            rows.append([turn.name, turn.text, parse_time(t) if t else None, None])
            starts.append(_Start(line.strip(), turn.text, turn.heading))
        elif pending is not None:
            # text under a time alone: a heading without a name, someone else's turn (an export
            # told to leave out the speakers' names heads every paragraph so); in a file of
            # `Name: text` turns it folds back into the turn before it (_fold_stray_headings)
            rows.append([None, line.strip(), parse_time(pending), None])
            starts.append(_Start("", "", True))
            pending = None
        elif rows:
            rows[-1][1] = (rows[-1][1] + " " + line.strip()).strip()
        else:
            before.append(line.strip())
    rows, starts = _fold_stray_leads(rows, starts)
    rows = _fold_stray_headings(rows, starts)
    for r in rows:   # tabs and runs of spaces (spreadsheet cells, aligned columns) are one space
        r[1] = " ".join(r[1].split())
    rows = [r for r in rows if r[1]]
    if not rows:
        raise MalformedTranscript("has no 'Name: text' lines", path=source)
    if all(r[0] is None for r in rows):
        raise MalformedTranscript("has times but no speaker names: export it with the speakers' names "
                                  "(or give talkscan the recording)", path=source)
    if clock and rows[0][2] is not None:   # Zoom's captions carry the time of day: count from the first
        _count_from_first(rows)
    estimated = _fill_times(rows)
    # a timed line ends where the next one starts
    for a, b in zip(rows, rows[1:]):
        if a[2] is not None and b[2] is not None:
            a[3] = b[2]
    if rows[-1][2] is not None:
        rows[-1][3] = rows[-1][2] + max(1.0, len(rows[-1][1].split()) / 2.5)
    # Zoom's captions, Teams' entries: like subtitle cues, one speaker's run is one turn. Only where
    # every turn has that layout: a stray "Tuesday 10:30" line must not join a file's `Name: text` turns.
    t = build_transcript([tuple(r) for r in rows], source, join=pieces)
    if note := _left_out(before):
        t.notes.append(note)
    if estimated:
        t.notes.append(f"{estimated} of {len(rows)} turns carry no time of their own and are timed from their word "
                       f"counts between the marks the file has: talk times, speaking rates and turn times are "
                       f"approximate")
    return t


# A header's title, date and attendees are no sentences; sentences this long before the first turn
# are likely speech whose speaker line was not recognised, and the reader must say it left them out.
LEFT_OUT_WORDS = 15
_SENTENCE = re.compile(r"(?:\S+\s+){7,}\S*[.?!…][\"”’')]?\s*$")


def _left_out(before: list[str]) -> str | None:
    words = " ".join(before).split()
    if len(words) < LEFT_OUT_WORDS or not any(_SENTENCE.search(line) for line in before):
        return None
    return (f"the {len(words)} words before the first 'Name: text' line were read as a header and left out "
            f"(\"{' '.join(words[:8])}…\"); if they are speech, start them with the speaker's name and a colon")
