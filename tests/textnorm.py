"""Normalisation for word error rate: lowercase, no punctuation, numbers spelled out as spoken."""

from __future__ import annotations

import re

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORD = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}


def number_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_words(rest))
    for size, name in ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand")):
        if n >= size:
            rest = n % size
            return number_words(n // size) + " " + name + ("" if rest == 0 else " " + number_words(rest))
    raise ValueError(n)


def _ordinal(words: str) -> str:
    *head, last = words.split()
    if last in _ORD:
        last = _ORD[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join([*head, last])


def _spell(m: re.Match) -> str:
    dollar, digits, suffix = m.group(1), m.group(2).replace(",", ""), (m.group(3) or "").lower()
    words = number_words(int(digits))
    if suffix in ("st", "nd", "rd", "th"):
        words = _ordinal(words)
    elif suffix == "%":
        words += " percent"
    elif suffix == "k":
        words += " thousand"
    if dollar:
        words += " dollars"
    return f" {words} "


def normalise(text: str) -> str:
    text = text.lower().replace("-", " ")
    text = re.sub(r"(\$)?(\d[\d,]*)(st|nd|rd|th|%|k)?\b%?", _spell, text)
    text = re.sub(r"[^a-z' ]+", " ", text)
    text = text.replace("'", "")
    return " ".join(text.split())
