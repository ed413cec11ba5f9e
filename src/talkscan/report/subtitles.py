"""transcript.vtt (with `<v Name>` voice tags, as Teams writes them) and transcript.srt."""

from __future__ import annotations

from ..transcript import Transcript

# Transcripts without times get estimated cue times at an ordinary speaking pace, and say so.
_WORDS_PER_S = 2.5


def _cues(t: Transcript) -> tuple[list[tuple[float, float, str, str]], bool]:
    cues = []
    clock = 0.0
    estimated = False
    for u in t.utterances:
        if u.start is not None and u.end is not None:
            start, end = u.start, max(u.end, u.start + 0.01)
        else:
            estimated = True
            start = clock
            end = start + max(1.0, len(u.text.split()) / _WORDS_PER_S)
        clock = end
        cues.append((start, end, t.speaker_label(u.speaker), u.text))
    return cues, estimated


def _stamp(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(t: Transcript) -> str:
    cues, estimated = _cues(t)
    out = ["WEBVTT", ""]
    if estimated:
        out += ["NOTE talkscan: the source has no times; cue times are estimated from word counts.", ""]
    for i, (start, end, name, text) in enumerate(cues, 1):
        voice = _vtt_escape(name.replace("\n", " "))   # "R&D <Lead>" as WebVTT escapes it, read back whole
        out += [str(i), f"{_stamp(start, '.')} --> {_stamp(end, '.')}", f"<v {voice}>{_vtt_escape(text)}</v>", ""]
    return "\n".join(out)


def to_srt(t: Transcript) -> str:
    cues, _ = _cues(t)
    out = []
    for i, (start, end, name, text) in enumerate(cues, 1):
        out += [str(i), f"{_stamp(start, ',')} --> {_stamp(end, ',')}", f"{name}: {text}", ""]
    return "\n".join(out)
