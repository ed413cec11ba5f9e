"""Reported speech: words the speaker quotes from someone else are not the speaker's own.

"The vendor said, and I quote, 'we need ninety days'." reports a demand; it does not make one, and
"My old boss used to say 'you seem frustrated'" labels nobody in the room (tags.md: an ask states
what the speaker or their department wants; FORMAT.md: an outside party's demand reported for
information is not an ask). So an ask or a label whose every cue lies inside such a quotation is
dropped, while one the speaker adds ("… We need to hit that date.") still counts. A quotation is
reported when a reporting verb introduces or follows it ("…", that's what the vendor told us), or
when the speaker says "quote … end quote". Not reported: scare quotes with no reporting verb ('not
"best endeavours"'), and the speaker quoting themselves or the listener ("I said 'no'", "you said
'twelve weeks'"), which restate a position in the room.
"""

from __future__ import annotations

import re

# a quotation: straight or curly quotes around at least two words; an apostrophe inside a word
# ("don't") neither opens nor closes one
_QUOTED = re.compile(r"""(?<!\w)(["“]|['‘](?=\w))(?P<q>[^"“”]*?\w[^"“”]*?\s[^"“”]*?)(?:["”]|(?<=[\w.,!?])['’](?!\w))""")
_VERB = (r"said|says|say|saying|told(?:\s+\w+)?|tells(?:\s+\w+)?|wrote|writes|asked|asks|replied|"
         r"answered|emailed|texted|messaged|put\s+it|insists|insisted|demanded|demands")
_BEFORE = re.compile(rf"(?P<who>(?:[\w']+\s+){{0,2}}[\w']+)?\s*\b(?:{_VERB})\b[^.!?\"“”]{{0,25}}$", re.IGNORECASE)
_QUOTE_WORD = re.compile(r"\b(?:quote|quoting)\b[^.!?\"“”]{0,12}$", re.IGNORECASE)
_AFTER = re.compile(rf"^\s*[,.]?\s*(?:that'?s|that\s+is|is|was)?\s*(?:what|how)\s+(?P<who>[\w']+(?:\s+[\w']+){{0,2}}?)\s+"
                    rf"(?:{_VERB})\b", re.IGNORECASE)
# spoken, with no marks: "… and I quote, we need ninety days, end quote" (or to the sentence end)
_SPOKEN = re.compile(rf"(?:(?:\bI\s+quote\b|\b(?:{_VERB})\s*,?\s*quote\b)\s*[,:]?"
                     rf"|\bquoting\s+(?:(?:the|their|his|her|our|my)\s+[\w' ]{{1,20}}?|(?-i:[A-Z])\w+)\s*[,:])\s*"
                     r"(?P<q>.+?)(?:\s*,?\s*\b(?:end\s+quote|unquote|close\s+quote)\b|(?=[.!?](?:\s|$))|$)",
                     re.IGNORECASE)
_IN_ROOM = {"i", "we", "you", "i've", "we've", "you've", "i'd", "we'd", "you'd", "i'll", "we'll", "you'll"}


def _in_room(who: str | None) -> bool:
    """The quoted person is the speaker or the listener ("I said", "you would say", "you told us")."""
    return bool(who) and any(w.lower().strip("'") in _IN_ROOM for w in who.split())


def reported_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of `text` that quote someone outside the room."""
    spans = []
    for m in _QUOTED.finditer(text):
        before, after = text[: m.start()], text[m.end():]
        b = _BEFORE.search(before[-60:])
        a = _AFTER.match(after)
        if _QUOTE_WORD.search(before[-30:]) or (b and not _in_room(b.group("who"))) or (a and not _in_room(a.group("who"))):
            spans.append((m.start(), m.end()))
    if not spans:
        for m in _SPOKEN.finditer(text):
            if m.group("q").strip():
                spans.append((m.start("q"), m.end()))
    return spans


def _may_quote(text: str) -> bool:
    return any(c in text for c in "\"“'‘") or "quot" in text.lower()


def _inside(spans: list[tuple[int, int]], a: int, b: int) -> bool:
    return any(x <= a and b <= y for x, y in spans)


def ask_only_quoted(doc) -> bool:
    """Every ask frame of the utterance ("need", "has to", "can't go above" …) lies in a quotation of
    someone outside the room, so the ask is theirs, reported ("The vendor wrote 'we need the PO by
    Friday'."). An utterance with no frame at all ("Still forty.") is left to the heads."""
    from .features import ASK_FRAMES

    if not _may_quote(doc.text):
        return False
    frames = [s for label, s in doc._.ask_frames or [] if label in ASK_FRAMES]
    spans = reported_spans(doc.text) if frames else []
    return bool(spans) and all(_inside(spans, s.start_char, s.end_char) for s in frames)


def feelings_only_quoted(doc) -> bool:
    """Every feeling word of the utterance lies in a quotation of someone outside the room ("My old
    boss used to say 'you seem frustrated'"): nobody here is labelled."""
    if not _may_quote(doc.text) or not doc._.feelings:
        return False
    spans = reported_spans(doc.text)
    return bool(spans) and all(_inside(spans, s.start_char, s.end_char) for s, _ in doc._.feelings)
