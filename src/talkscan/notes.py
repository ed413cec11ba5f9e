"""Notes for the reader of a report: where the analysis cannot say what the report seems to say."""

from __future__ import annotations

from .transcript import Transcript


def report_notes(t: Transcript, names: list[str] | None = None) -> list[str]:
    """What the reader of an analysed meeting's report should be told about it; `names` are the
    names given with --names."""
    return [n for n in (language_note(t), one_speaker_note(t), unnamed_note(t), names_note(t, names)) if n]


def names_note(t: Transcript, names: list[str] | None) -> str | None:
    """--names gives names in order of first appearance: more names than speakers means someone was
    not heard as a voice of their own (or the names belong to another meeting), and the speakers'
    names may be off by one."""
    names = names or []
    heard = len({u.speaker for u in t.utterances})
    unused = [n.strip() for n in names[heard:] if n.strip()]   # a blank entry keeps a speaker's own name
    if not unused:
        return None
    return (f"{len(names)} names were given for {heard} speakers, so {', '.join(unused)} named nobody; check "
            "the names against the transcript" + (", or rerun with --speakers N" if t.kind == "recording" else ""))


def language_note(t: Transcript) -> str | None:
    """The analyzer's models and rules read English only; another language gets tags at random."""
    lang = (t.language or "en").lower()
    if lang.startswith("en") or lang == "unknown":
        return None
    return f"the meeting is in '{t.language}', and the analyzer reads English only: its tags here mean little"


def one_speaker_note(t: Transcript) -> str | None:
    """Paraphrase, mirroring, labeling and conflicts happen between people: a transcript that names
    nobody (subtitles without names, Whisper without diarization) or a recording heard as one voice
    can show none of them, and the report would look as if nobody used them."""
    if len({u.speaker for u in t.utterances}) >= 2:
        return None
    if t.kind == "recording":
        return "only one voice was found, so no moves between people could be found; if more people spoke, rerun with --speakers N"
    named = [s.name for s in t.speakers if s.name and any(u.speaker == s.id for u in t.utterances)]
    if named:   # a transcript of one named person: their own asks are found, nothing between people
        return (f"only {named[0]} speaks in this transcript, so no moves between people could be found; "
                "if others spoke, give the whole transcript or the recording")
    return ("the transcript names no speakers, so it was read as one person's and no moves between people could be "
            "found; give a transcript with names, or the recording")


def unnamed_note(t: Transcript) -> str | None:
    """A transcript that names most speakers but leaves some turns unnamed (Zoom's cues of people it
    could not tell, Otter's paragraphs headed by a time alone) has those turns read as one unnamed
    person's: between several people behind them, moves and conflicts are not found."""
    if t.kind == "recording" or not any(s.name for s in t.speakers):
        return None
    unnamed = [s for s in t.speakers if not s.name]
    if len(unnamed) != 1:
        return None
    turns = sum(u.speaker == unnamed[0].id for u in t.utterances)
    if turns < 2:
        return None
    return (f"{turns} of {len(t.utterances)} turns name no speaker and were read as one person's ({unnamed[0].id}); "
            "if several people said them, name them in the transcript or give the recording")
