"""Notes for the reader of a report: where the analysis cannot say what the report seems to say."""

from __future__ import annotations

from .transcript import Transcript


def report_notes(t: Transcript) -> list[str]:
    """What the reader of an analysed meeting's report should be told about it."""
    return [n for n in (language_note(t), one_speaker_note(t)) if n]


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
    return ("the transcript names no speakers, so it was read as one person's and no moves between people could be "
            "found; give a transcript with names, or the recording")
