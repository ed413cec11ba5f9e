"""Shared by the readers: turn (name, text, start, end) rows into a Transcript, and time parsing."""

from __future__ import annotations

import re

from ..errors import MalformedTranscript
from ..speaker_edges import ends_sentence
from ..transcript import Speaker, Transcript, Utterance

# A pause this long after a sentence end splits one speaker's speech into two utterances (recordings too).
SPLIT_PAUSE_S = 2.0


def pause_splits(prev_text: str, prev_end: float | None, start: float | None) -> bool:
    """Does speech starting at `start` begin a new utterance of the speaker who said `prev_text`
    (ending at `prev_end`)? Yes after a pause of SPLIT_PAUSE_S that follows a sentence end: the
    rule for a recording's words (pipeline.group_utterances) and for subtitle cues (join_cues).
    A sentence may end inside closing quotes or brackets ('…the "June date."'), as speaker_edges
    reads it."""
    return (start is not None and prev_end is not None and start - prev_end >= SPLIT_PAUSE_S
            and ends_sentence(prev_text.rstrip()))


# A name as transcripts write it: up to four capitalised words or numbers ("Maya Chen", "Speaker 1",
# "Élodie Roux", "Łukasz", "Ольга"): a word opens with a capital of the Latin, Greek or Cyrillic
# alphabets (Python's re has no \p{Lu}; "środa" and "встреча" stay text)
_CAP = "[" + "".join(re.escape(c) for c in map(chr, [*range(0x41, 0x250), *range(0x370, 0x530)])
                     if c.isupper() or c.istitle()) + "]"
# After the first word, the lower-case particles of surnames: "Jan van Dijk", "Chris d'Entremont".
_PARTICLE = rf"(?:van|von|der|den|de|da|das|do|dos|del|della|di|du|la|le|bin|ibn|al|el|ten|ter|[dl]['’]{_CAP}[\w.'’-]*)"
NAME = rf"(?:{_CAP}[\w.'’-]*|\d+)(?:\s(?:{_CAP}[\w.'’-]*|\d+|{_PARTICLE})){{0,3}}"
# a role in brackets, itself possibly with brackets: "(Hon. Anthony Rota (Nipissing, Lib.))"
_ROLE = re.compile(r"\s*[(\[](?:[^()\[\]]|[(\[][^()\[\]]*[)\]])*[)\]]$")


def without_role(name: str) -> str:
    """The name without a role in brackets after it: "Maya (Procurement)" → "Maya"."""
    return _ROLE.sub("", name).strip()


def person_key(name: str) -> str:
    """One person however a name is written: without a role in brackets ("Maya (Procurement)", as a
    transcript may introduce her, is Maya), spacing and case aside."""
    return " ".join((without_role(name) or name).split()).casefold()


# Leads that introduce an aside, never a person: "Note: the SOW is attached."
NOT_SPEAKERS = {"note", "nb", "n.b.", "ps", "p.s.", "fyi", "update", "reminder", "warning", "important",
                "edit", "disclaimer", "caveat", "todo", "to do", "tip",
                # asides written as phrases: "Bottom line: the date is fixed."
                "bottom line", "side note", "quick note", "quick question", "fun fact", "long story short",
                "key point", "in short", "in summary", "to summarise", "to summarize", "tl;dr", "tldr"}


def speaker_like(name: str) -> bool:
    """Could this lead be a speaker's name? At most four words, or a capitalised name of at most
    four words with a role after it in brackets ("Maya Chen (Head of Procurement)"); "The plan (as
    agreed last week)" is not one, nor is an aside's lead ("Note", "Update")."""
    if name.strip().lower() in NOT_SPEAKERS:
        return False
    if _words(name) <= 4:
        return True
    base = without_role(name)
    return base != name.strip() and _words(base) <= 4 and re.fullmatch(NAME, base) is not None


_PARTICLE_RE = re.compile(_PARTICLE)


def _words(name: str) -> int:
    """Words of a name, its surname particles aside: "Maria de la Cruz Fernandez" is four."""
    words = name.split()
    return len(words) - sum(1 for w in words[1:] if _PARTICLE_RE.fullmatch(w))


def name_aliases(names: list[str]) -> dict[str, str]:
    """Spellings of one speaker's name (in order of first appearance) → the one used: the first of
    those that differ only in case ("MAYA", "Maya"), and a bare name given elsewhere with a role
    ("Maya" and "Maya (Procurement)", as a hand-written transcript introduces people) under the
    name with the role; not where two roles share the name ("Maya (Sales)", "Maya (Procurement)":
    which one is "Maya"?)."""
    first: dict[str, str] = {}
    for n in names:
        first.setdefault(n.casefold(), n)
    roled: dict[str, list[str]] = {}
    for n in first.values():
        base = without_role(n)
        if base != n and base:
            roled.setdefault(base.casefold(), []).append(n)
    alias = {n: first[n.casefold()] for n in names}
    for n in names:
        forms = roled.get(alias[n].casefold(), [])
        if len(forms) == 1 and alias[n] not in forms:
            alias[n] = forms[0]
    return {n: a for n, a in alias.items() if n != a}


_TS = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{2})(?:[.,](\d{1,3}))?$")


def parse_time(text: str) -> float:
    m = _TS.match(text.strip())
    if not m:
        raise ValueError(text)
    h, mnt, s, frac = m.groups()
    return int(h or 0) * 3600 + int(mnt) * 60 + int(s) + (int(frac.ljust(3, "0")) / 1000 if frac else 0.0)


Row = tuple[str | None, str, float | None, float | None]   # name, text, start, end

# A cue past a day into the file is a damaged timing ("99999:00:00.000"), not a meeting; an hour's
# offset, as broadcast captions start at 01:00:00, is well inside it.
MAX_CUE_S = 24 * 3600.0


def time_ordered(cues: list[tuple[str, float, float]]) -> tuple[list[tuple[str, float, float]], str | None]:
    """Subtitle cues (body, start, end) in the order of their start times, as WebVTT requires and a
    player shows them; cues pasted together or hand-edited out of order would otherwise join the
    wrong turns. The second value is a note where they had to be put in order."""
    from ..report.html import clock   # the times as the report writes them

    back = next((k for k in range(1, len(cues)) if cues[k][1] < cues[k - 1][1]), None)
    if back is None:
        return cues, None
    note = (f"its subtitle cues were out of time order (one at {clock(cues[back][1])} came after one at "
            f"{clock(cues[back - 1][1])}): they were read in time order")
    return sorted(cues, key=lambda c: c[1]), note


def join_cues(rows: list[Row]) -> tuple[list[Row], list[int]]:
    """Subtitle cues are caption-sized: Zoom and Teams cut one person's turn into cues of a line or
    two, and the analyzer reads a turn cut that way far worse (benchmarks/turn_shape.py, cues of at
    most 14 words: dev ask F1 0.89 → 0.83, paraphrase 0.90 → 0.73, conflicts 0.61 → 0.51; test
    conflicts 0.41 → 0.20). So consecutive cues of
    one named speaker are joined into one utterance, split where `pause_splits`, as recordings are
    (the analyzer cuts a long one: long_turns). Cues without a name
    may be anyone's and stay apart. Returns the joined rows and, for each, its first cue's index."""
    out: list[Row] = []
    first: list[int] = []
    for i, (name, text, start, end) in enumerate(rows):
        if out and name is not None and out[-1][0] == name:
            prev = out[-1]
            if not pause_splits(prev[1], prev[3], start):
                out[-1] = (name, f"{prev[1]} {text}", prev[2], end if end is not None else prev[3])
                continue
        out.append((name, text, start, end))
        first.append(i)
    return out, first


# What tools write where they could not tell who spoke (Otter's "Unknown Speaker  0:35"): no name,
# and no one person either. A numbered one ("Unknown Speaker 2") tells people apart and stays a name.
_NO_NAME = re.compile(r"(?i)(?:unknown|unidentified)(?:\s+speaker)?")


def build_transcript(rows: list[Row], source: str, language: str = "en", join: bool = False) -> Transcript:
    """One utterance per row, or with `join` per run of one speaker's cues (`join_cues`; its turn
    then the run's first row); speakers S0, S1… in order of first appearance; every reader's rows end
    here (talkscan's own JSON aside), so utterances timed at one end only are completed here
    (`complete_times`)."""
    if not rows:
        raise MalformedTranscript("contains no transcript turns", path=source)
    rows, turns = join_cues(rows) if join else (rows, range(len(rows)))
    ids: dict[str | None, str] = {}
    speakers: list[Speaker] = []
    utterances: list[Utterance] = []
    rows = [(None if name and _NO_NAME.fullmatch(name.strip()) else name, *rest) for name, *rest in rows]
    same = name_aliases(list(dict.fromkeys(name.strip() for name, _, _, _ in rows if name)))
    for i, (name, text, start, end) in enumerate(rows):
        key = name.strip() if name else None
        key = same.get(key, key)
        if key not in ids:
            ids[key] = f"S{len(ids)}"
            speakers.append(Speaker(id=ids[key], name=key))
        utterances.append(Utterance(id=f"u{i}", turn=turns[i], speaker=ids[key], text=text.strip(), start=start, end=end))
    ends = [u.end for u in utterances if u.end is not None]
    return complete_times(Transcript(
        source=source,
        kind="transcript",
        speakers=speakers,
        utterances=utterances,
        duration_s=max(ends) if ends else None,
        language=language,
    ))


def complete_times(t: Transcript, words_per_s: float = 2.5) -> Transcript:
    """Utterances timed at one end only (an export that leaves `end` empty, say) timed at both, in
    place: an end is the next utterance's start, or the start plus the words at an ordinary pace; a
    start, the previous end, or the end less the words. Every timing downstream needs both or neither."""
    us = t.utterances
    for k, u in enumerate(us):
        if (u.start is None) == (u.end is None):
            continue
        said = max(1.0, len(u.text.split()) / words_per_s)
        if u.end is None:
            nxt = next((v.start for v in us[k + 1:] if v.start is not None), None)
            u.end = nxt if nxt is not None and nxt > u.start else u.start + said
        else:
            prev = us[k - 1].end if k > 0 else None
            u.start = prev if prev is not None and prev < u.end else max(0.0, u.end - said)
    return t
