"""WebVTT, as Teams, Zoom and Meet export it: `<v Name>` voice tags or `Name: text` cue text, on
every cue or, as film and broadcast captions write it, only where the speaker changes."""

from __future__ import annotations

import html
import re
from collections import Counter

from ..errors import MalformedTranscript
from .common import MAX_CUE_S, build_transcript, parse_time, speaker_like, time_ordered

_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>")
_TAG = re.compile(r"</?[^>]+>")
_ASS_TAG = re.compile(r"\{\\[^}]*\}")    # "{\an8}", "{\i1}": positioning and style codes subtitle editors leave
# a caption line that marks a new speaker: "- " in dialogue subtitles, ">>" in broadcast captions
# (film subtitles also write the dash against the word: "-Maya: Are you coming?")
_MARK = re.compile(r"^\s*(?:-(?:\s+|(?=[^\W\d]))|>>\s*)")
# "Maya: text"; broadcast-style captions mark the speaker ">> MAYA: text", dialogue subtitles "- Maya: text",
# WhisperX and other diarizing tools "[SPEAKER_00]: text"
# (names up to 60 characters, as the .txt reader takes them: "Maria Fernanda Gonzalez (Procurement Lead)")
_NAME_PREFIX = re.compile(r"^(?:>>\s*|-(?:\s+|(?=[^\W\d])))?(?:\[([^\]:]{1,60})\]|([^:]{1,60})):\s+(.+)$", re.S)
_ARROW = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)")
_BRACKET_LEAD = re.compile(r"^\[([^\]]{1,40})\]\s+(\S.*)$", re.S)


_TITLES = {"dr", "mr", "ms", "mrs", "mx", "jr", "sr", "st", "prof", "sen", "rep", "hon", "gov", "rev", "gen", "capt",
           "col", "lt", "sgt", "cllr", "supt", "insp"}


def _says_a_sentence(who: str) -> bool:
    """A sentence end inside the would-be name ("That helps. Picture September: the system is live")
    means the colon is the speaker's own; initials and titles ("J. Smith", "Dr. Okafor") are names."""
    words = who.split()
    return any(c in who for c in "?!") or any(
        w.endswith(".") and len(w) > 2 and w[:-1].lower() not in _TITLES and not _INITIALS.fullmatch(w)
        for w in words[:-1])


_INITIALS = re.compile(r"(?:[A-Z]\.){1,3}")   # "J.R. Whitfield"


def split_speaker(text: str) -> tuple[str | None, str]:
    """(speaker name or None, plain text) of one cue's text."""
    m = _VOICE.search(text)
    name = html.unescape(m.group(1).strip()) if m else None
    plain = html.unescape(_ASS_TAG.sub("", _TAG.sub("", text))).strip()
    if name is None:
        p = _NAME_PREFIX.match(plain)
        who = p and (p.group(1) or p.group(2)).strip()
        if who and speaker_like(who) and not who.isdigit() and not _says_a_sentence(who):
            name, plain = who, p.group(3).strip()
        else:
            plain = _MARK.sub("", plain)
    return name, re.sub(r"\s+", " ", plain)


def dialogue_parts(body: str, start: float, end: float) -> list[tuple[str, float, float]]:
    """A subtitle cue that holds two speakers' lines, each after a caption mark ("- Maya: We are far
    apart." / "- Greg: Then we talk.") or in its own voice tag, as one cue per line, the cue's time
    shared by word count."""
    voices = [m.start() for m in _VOICE.finditer(body)]
    parts: list[str] = []
    if len(voices) >= 2:   # WebVTT lets one cue hold several voices: "<v Maya>We need…</v> <v Greg>Four sixty…</v>"
        parts = [p for p in (body[:voices[0]], *(body[a:b] for a, b in zip(voices, voices[1:] + [len(body)])))
                 if _TAG.sub("", p).strip()]
    else:
        lines = [line for line in body.split("\n") if line.strip()]
        if len(lines) < 2 or not _MARK.match(lines[0]) or sum(bool(_MARK.match(line)) for line in lines) < 2:
            return [(body, start, end)]
        for line in lines:
            if _MARK.match(line) or not parts:
                parts.append(line)
            else:
                parts[-1] += "\n" + line
    words = [max(1, len(_TAG.sub("", p).split())) for p in parts]
    out, t = [], start
    for part, w in zip(parts, words):
        d = (end - start) * w / sum(words)
        out.append((part, t, t + d))
        t += d
    return out


def cue_rows(cues: list[tuple[str, float, float]]) -> list:
    """(name or None, text, start, end) of every cue with text, from (cue text, start, end). Some
    names are decided over the whole file: captions that name the speaker only where the speaker
    changes give the cues after a name to that speaker (names_on_change); otherwise a `Name:` lead
    found once in captions that mostly name nobody is the speaker's own words ("Picture September:
    the system is live"), and bracketed names count where nearly every cue has one
    (bracket_speakers)."""
    rows, led, marked = [], [], []
    for body, start, end in (part for cue in cues for part in dialogue_parts(*cue)):
        name, plain = split_speaker(body)
        if plain:
            rows.append((name, plain, start, end))
            led.append(name is not None and not _VOICE.search(body))
            marked.append(bool(_MARK.match(_TAG.sub("", body))))
    if names_on_change([name for name, _, _, _ in rows]):
        current = None
        for k, (name, text, start, end) in enumerate(rows):
            # an unnamed ">>" or "- " line is someone new, not the last one named
            current = name or (None if marked[k] else current)
            rows[k] = (current, text, start, end)
        return rows
    if sum(name is None for name, _, _, _ in rows) >= len(rows) / 2:
        once = Counter(name for (name, _, _, _), lead in zip(rows, led) if lead)
        rows = [(None, f"{name}: {text}", start, end) if lead and once[name] == 1 else (name, text, start, end)
                for (name, text, start, end), lead in zip(rows, led)]
    return bracket_speakers(rows)


def names_on_change(names: list[str | None]) -> bool:
    """Do these cues (their speaker names, None where a cue names nobody) name the speaker only where
    the speaker changes, as film and broadcast captions do? Then no name follows itself, and
    unnamed cues come after named ones. Zoom names every cue of a speaker it knows, so one
    speaker's cues in a row repeat the name, and its unnamed cues are people it could not tell.
    At least two names must recur, so a few stray leads ("Note: …") do not pass for speakers."""
    named = [n for n in names if n is not None]
    recurring = [n for n, c in Counter(named).items() if c >= 2]
    if len(named) < 4 or len(recurring) < 2 or any(a == b for a, b in zip(named, named[1:])):
        return False
    return any(a is not None and b is None for a, b in zip(names, names[1:]))


def bracket_speakers(rows: list) -> list:
    """`[Maya Chen] text` names the speaker where nearly every cue starts that way (earlier WhisperX
    releases, some captioners); a bracket now and then ("[Laughs] Fine.") is a sound, not a name."""
    lead = [_BRACKET_LEAD.match(text) if name is None else None for name, text, _, _ in rows]
    if len(rows) < 2 or sum(m is not None for m in lead) < 0.8 * len(rows):
        return rows
    return [(m.group(1).strip(), m.group(2).strip(), start, end) if m and len(m.group(1).split()) <= 4
            else (name, text, start, end) for m, (name, text, start, end) in zip(lead, rows)]


def unroll_captions(cues: list[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """Rolling captions (YouTube's automatic ones) show each line twice: a cue repeats the line the
    last one ended with, then adds one. Where most cues start that way, each line is kept once,
    in the cue that first showed it; a cue left empty (YouTube's 10 ms repeats) is dropped."""
    def shown(body: str) -> list[tuple[str, tuple]]:   # (line as written, (its voice, its text as shown))
        # the voice is part of the line: Maya's "Sounds good." and then Tom's is two people agreeing,
        # not a caption rolling up (YouTube's rolling captions carry no voices)
        voice = _VOICE.search(body)
        who = voice.group(1).strip() if voice else None
        pairs = ((line, re.sub(r"\s+", " ", html.unescape(_TAG.sub("", line))).strip()) for line in body.split("\n"))
        return [(line, (who, text)) for line, text in pairs if text]

    cue_lines = [shown(body) for body, _, _ in cues]
    repeats = sum(bool(a and b and b[0][1] == a[-1][1]) for a, b in zip(cue_lines, cue_lines[1:]))
    if len(cues) < 3 or repeats < 0.3 * (len(cues) - 1):
        return cues
    out, last = [], None
    for (_, start, end), lines in zip(cues, cue_lines):
        while lines and lines[0][1] == last:
            lines = lines[1:]
        if lines:
            out.append(("\n".join(line for line, _ in lines), start, end))
            last = lines[-1][1]
    return out


def is_timing(line: str) -> bool:
    """A cue timing line ("00:00:03.500 --> 00:00:05.000 align:start"), not text holding an arrow."""
    m = _ARROW.match(line)
    try:
        return bool(m) and parse_time(m.group(1)) >= 0 and parse_time(m.group(2)) >= 0  # type: ignore[union-attr]
    except ValueError:
        return False


def parse(text: str, source: str, join: bool = True):
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not lines or not lines[0].strip().startswith("WEBVTT"):
        raise MalformedTranscript("is not WebVTT: the first line must be 'WEBVTT'", path=source)
    rows = []
    n = len(lines)
    last = max(k for k, ln in enumerate(lines) if ln.strip())
    cut: str | None = None   # how the file seems cut short, for a note

    def cue_start(k: int) -> bool:
        return k < n and ("-->" in lines[k] or (k + 1 < n and "-->" in lines[k + 1]))

    # the header block may carry metadata ("Kind: captions", "Language: en", as YouTube writes it)
    i = 1
    while i < n and lines[i].strip() and not cue_start(i):
        i += 1
    while i < n:
        line = lines[i].strip()
        if not line:
            i += 1
            continue
        if line.startswith(("NOTE", "STYLE", "REGION")):
            while i < n and lines[i].strip():
                i += 1
            continue
        if "-->" not in line:
            # a cue identifier; the timing line must follow
            i += 1
            if i >= n or "-->" not in lines[i]:
                raise MalformedTranscript(f"line {i}: cue '{line[:30]}' has no timing line", path=source)
            line = lines[i].strip()
        m = _ARROW.match(line)
        try:
            start, end = parse_time(m.group(1)), parse_time(m.group(2))  # type: ignore[union-attr]
        except (ValueError, AttributeError):
            if i == last and rows:   # the file ends inside a timing line: keep the cues before it
                cut = f"it ends inside a cue's timing line ('{line[:40]}')"
                break
            raise MalformedTranscript(f"line {i + 1}: bad cue timing '{line[:40]}'", path=source) from None
        if end < start:
            raise MalformedTranscript(f"line {i + 1}: cue ends before it starts", path=source)
        if end > MAX_CUE_S:
            raise MalformedTranscript(f"line {i + 1}: cue time '{m.group(2)}' is more than a day into the file: "  # type: ignore[union-attr]
                                      "check its timings", path=source)
        i += 1
        body = []
        # a cue ends at an empty line; a line of spaces ends it only where a cue follows (YouTube's
        # captions hold " " lines inside cues)
        while i < n and lines[i] and (lines[i].strip() or (i + 1 < n and lines[i + 1].strip() and not cue_start(i + 1))):
            if is_timing(lines[i]):   # the next cue, its blank line lost: never its timing as this cue's text
                if body and body[-1].strip().isdigit():   # ... and its number just above it
                    body.pop()
                    i -= 1
                break
            body.append(lines[i])
            i += 1
        rows.append(("\n".join(body), start, end))
    cut = cut or _unclosed_voice(rows)
    rows, reordered = time_ordered(rows)
    rows = cue_rows(unroll_captions(rows))
    if not rows:
        raise MalformedTranscript("has no cues with text", path=source)
    t = build_transcript(rows, source, join=join)
    if cut:
        t.notes.append(f"the file seems cut short: {cut}; check that the export finished")
    if reordered:
        t.notes.append(reordered)
    return t


def _unclosed_voice(rows: list) -> str | None:
    """Teams closes every `<v Name>` with `</v>`: a last cue that does not, after cues that do, was
    cut off mid-cue (a download or copy that stopped early)."""
    if len(rows) < 3 or "<v " not in rows[-1][0] or "</v>" in rows[-1][0]:
        return None
    if all("</v>" in body for body, _, _ in rows[-3:-1]):
        words = _TAG.sub("", rows[-1][0]).strip()
        return f"its last cue stops mid-text ('…{words[-30:]}') without the '</v>' that closes the others"
    return None
