"""Transcribers' marks for what was not said in words: "[inaudible 00:12:31]", "(laughs)",
"[crosstalk]", QMSum's "{disfmarker}". The report keeps them as written; the analyzer reads the
words around them, since a mark inside a mirror or a paraphrase breaks the overlap that makes it
one (benchmarks/sound_marks.py: dev with 40% of turns marked, paraphrase F1 0.897 → 0.883,
conflicts 0.614 → 0.586; read without the marks, as clean)."""

from __future__ import annotations

import re

# the first word of a bracketed mark that stands for a sound, not speech; words that may begin a
# spoken aside ("(phone numbers are in the SOW)") are left out
_EVENTS = (
    "inaudible|unintelligible|indiscernible|incomprehensible|crosstalk|cross-talk|overlapping|overtalk|"
    "laugh|laughs|laughing|laughter|chuckles?|cough|coughs|coughing|sighs?|sneezes?|clears throat|"
    "pause|silence|music|applause|background noise|static|beep|foreign|blank_audio|no speech"
)
# in square or round brackets, or between asterisks; anything in curly braces is markup (QMSum's
# {disfmarker}, {vocalsound}), never speech
_MARK = re.compile(
    rf"\s*(?:\[(?:{_EVENTS})\b[^\]]*\]|\((?:{_EVENTS})\b[^)]*\)|\*(?:{_EVENTS})\*|\{{[^{{}}]*\}})",
    re.IGNORECASE,
)


def spoken_text(text: str) -> str:
    """`text` without the transcriber's sound marks, spaces tidied."""
    if not any(c in text for c in "[({*"):
        return text
    out = _MARK.sub(" ", text)
    out = re.sub(r"\s+([,.!?;:])", r"\1", out)
    return " ".join(out.split()).lstrip(",;: ")
