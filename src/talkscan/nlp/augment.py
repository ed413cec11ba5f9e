"""Text as speech recognition returns it: casing and punctuation lost here and there, sentences
run together, small word errors. Used to train heads that hold up on Whisper output and to measure
them on it (benchmarks/nlp_eval.py)."""

from __future__ import annotations

import random
import re

# Confusions Whisper-sized models make on meeting speech: homophones, dropped function words.
_SWAPS = {
    "their": "there", "there": "their", "they're": "there", "to": "too", "two": "to", "for": "four",
    "four": "for", "right": "write", "week": "weak", "weeks": "weaks", "by": "buy", "new": "knew",
    "no": "know", "its": "it's", "it's": "its", "your": "you're", "you're": "your", "we're": "were",
    "eight": "ate", "sow": "so", "sign": "sine", "cue": "queue", "then": "than", "than": "then",
    "a": "the", "the": "a", "and": "in", "q2": "queue two", "q3": "queue three", "k": "okay",
}
_FILLERS = ["um", "uh", "you know", "like", "so", "i mean"]


def asr_degrade(text: str, rng: random.Random, strength: float = 1.0) -> str:
    """One noisy rendering of `text`; `strength` 0 returns it unchanged."""
    if strength <= 0:
        return text
    s = text
    if rng.random() < 0.6 * strength:
        s = s.lower()
    if rng.random() < 0.6 * strength:
        s = re.sub(r"[^\w\s'’-]", "", s) if rng.random() < 0.7 else re.sub(r"[;:!,\"“”()]", "", s)
    elif rng.random() < 0.4 * strength:
        s = re.sub(r"([.!?])\s+(\w)", lambda m: ", " + m.group(2).lower(), s)   # sentences run together
    words = s.split()
    out: list[str] = []
    p = 0.06 * strength
    for w in words:
        r = rng.random()
        if r < p:
            continue                                   # dropped word
        low = w.lower().strip(".,?!")
        if r < 2 * p and low in _SWAPS:
            w = _SWAPS[low]
        elif r < 2.5 * p:
            out.append(rng.choice(_FILLERS))
        elif r < 2.8 * p and len(w) > 4:
            w = w[: -1] if rng.random() < 0.5 else w + "s"   # mis-heard ending
        out.append(w)
    if not out:
        out = words or [text]
    return " ".join(out)
