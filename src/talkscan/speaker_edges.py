"""Speaker changes moved to sentence edges.

Diarization decides speakers from 1.6 s windows and Whisper's word times are loosest at the edges
of its segments, so a speaker change often lands a word or two off: "…and it takes three" |
"weeks. Can we start next Monday?", or "…signs off. Look," | "we both want this by June." Whisper's
punctuation and casing say where the sentence really ends. A short piece of a sentence stranded
across a speaker change, with no pause that would mark a turn, goes back to the sentence's speaker.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from .transcript import Word

# A stranded piece is at most this many words; longer pieces are more likely real turns.
MAX_WORDS = 2
# A pause this long between the piece and the rest of its sentence is a turn boundary, not an error.
MAX_GAP_S = 0.5
_ENDS = ".?!"


def ends_sentence(text: str) -> bool:
    """Does a word (or text) end a sentence, closing quotes and brackets aside?"""
    core = text.rstrip("\"')]”’")
    return bool(core) and core[-1] in _ENDS


def _ends_sentence(w: Word) -> bool:
    return ends_sentence(w.text)


def _continues(w: Word) -> bool:
    """Whisper capitalises a sentence's first word; a lower-case word carries on a sentence."""
    first = w.text.lstrip("\"'(“‘")[:1]
    return first.isalpha() and first.islower()


def _runs(words: Sequence[Word]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(words) + 1):
        if i == len(words) or words[i].speaker != words[start].speaker:
            runs.append((start, i))
            start = i
    return runs


def snap_to_sentences(words: Sequence[Word], max_words: int = MAX_WORDS, max_gap_s: float = MAX_GAP_S) -> list[Word]:
    """Copies of `words` where a piece of at most `max_words` words that continues, or is
    continued by, the neighbouring speaker's unfinished sentence takes that speaker.

    - head: A's run stops mid-sentence and B's opens with a lower-case piece that ends the sentence
      ("takes three" | "weeks. Can we…") → the piece is A's;
    - tail: A's run has ended a sentence and opens a new one with a piece that B's run carries on in
      lower case ("signs off. Look," | "we both want…") → the piece is B's.
    Both need the piece to touch the other side (a gap under `max_gap_s`). Pure."""
    out = list(words)
    runs = _runs(out)
    for (a0, a1), (b0, b1) in zip(runs, runs[1:]):
        last, first = out[a1 - 1], out[b0]
        if first.start - last.end >= max_gap_s or _ends_sentence(last) or not _continues(first):
            continue
        head = next((k + 1 for k in range(b0, min(b1, b0 + max_words)) if _ends_sentence(out[k])), None)
        tail = next((k for k in range(a1 - 1, max(a0, a1 - 1 - max_words), -1) if _ends_sentence(out[k - 1])), None)
        if head is not None and (tail is None or head - b0 <= a1 - tail):
            piece, speaker = range(b0, head), last.speaker
        elif tail is not None:
            piece, speaker = range(tail, a1), first.speaker
        else:
            continue
        for k in piece:
            out[k] = replace(out[k], speaker=speaker)
    return out


def clause_spans(words: Sequence[Word]) -> list[tuple[float, float]]:
    """(start, end) of each clause of `words`: the stretches Whisper's sentence ends and commas
    close. A speaker change without a pause is usually one of them ("Twelve weeks?" | "Yes…", or
    "12 weeks," | "at least, moving…" where Whisper heard a question as a comma)."""
    out: list[tuple[float, float]] = []
    start = end = None
    for w in words:
        start = w.start if start is None else start
        end = w.end if end is None else max(end, w.end)
        if _ends_sentence(w) or w.text.rstrip("\"')]”’").endswith((",", ";", ":")):
            out.append((start, end))
            start = end = None
    if start is not None:
        out.append((start, end))
    return out
