"""Figures said in words and written in digits, as one form. Whisper writes "12 weeks" in one turn and
"Twelve weeks?" in the next, and people typing a transcript mix "340,000" with "three hundred forty
thousand": a mirror of a figure must not read as new words because the two turns chose two forms."""

from __future__ import annotations

import re

_UNITS = {w: k for k, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * k for k, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), start=2)}
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_DIGITS = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def _digits(token: str) -> str | None:
    """ "340,000" → "340000"; "12" → "12"; "1.5" → "1.5"; not a figure → None."""
    return token.replace(",", "") if _DIGITS.fullmatch(token) else None


def canonical(words: list[str]) -> list[str]:
    """Lower-case words with every figure as digits: runs of number words become one value ("four
    hundred and fifty thousand" → "450000"), and digits lose their thousands commas. Two units in a
    row ("nine five") are two figures."""
    out: list[str] = []
    total = current = 0
    last = None          # kind of the previous number word: "unit", "tens", "hundred", "scale"
    in_run = False

    def close() -> None:
        nonlocal total, current, last, in_run
        if in_run:
            out.append(str(total + current))
        total = current = 0
        last, in_run = None, False

    for w in words:
        if w in _UNITS or w in _TENS:
            kind = "unit" if w in _UNITS else "tens"
            # any number word after a unit or a teen ("nine five"), or tens after tens, starts a new figure
            if in_run and (last == "unit" or (kind == "tens" and last == "tens")):
                close()
            current += _UNITS.get(w, 0) + _TENS.get(w, 0)
            last, in_run = kind, True
        elif w == "hundred" and in_run:
            current = max(current, 1) * 100
            last = "hundred"
        elif w in _SCALES and in_run:
            total += max(current, 1) * _SCALES[w]
            current, last = 0, "scale"
        elif w == "and" and in_run and last in ("hundred", "scale"):
            continue        # "four hundred and fifty"
        else:
            close()
            d = _digits(w)
            out.append(d if d is not None else w)
    close()
    return out


def forms(words: list[str]) -> tuple[bool, bool]:
    """(has a figure in digits, has a number word)."""
    return any(_digits(w) is not None for w in words), any(w in _UNITS or w in _TENS for w in words)


def mixed(a: list[str], b: list[str]) -> bool:
    """Does one side write its figures only in digits and the other only in words?"""
    (ad, aw), (bd, bw) = forms(a), forms(b)
    return (ad and not aw and bw and not bd) or (aw and not ad and bd and not bw)


def figures(words: list[str]) -> set[str]:
    """The figures among `words`, as `canonical` writes them."""
    return {w for w in canonical(words) if _digits(w) is not None}


def with_figures(lemmas: set[str], words: list[str]) -> set[str]:
    """Content lemmas with their figures as `canonical` writes them (spaCy counts most number words
    as stop words, so "three hundred forty thousand" has no lemma to match "340,000" by)."""
    return {x for x in lemmas if _digits(x) is None} | figures(words)
