"""Others' asks and feelings, reported: what the speaker passes on is not the speaker's own.

tags.md makes an ask what the speaker or their department wants, and a label the naming of someone
else's feeling in the room; FORMAT.md adds that an outside party's demand reported for information
is not an ask. Three ways a turn reports rather than asks, each checked against the training labels:

- a quotation of someone outside the room: "The vendor said, and I quote, 'we need ninety days'."
  reports a demand, "My old boss used to say 'you seem frustrated'" labels nobody here. An ask whose
  every ask frame, or a label whose every feeling word, lies inside one is dropped, while what the
  speaker adds ("… We need to hit that date.") still counts. A quotation is reported when a
  reporting verb introduces or follows it ("…", that's what the vendor told us), or when the speaker
  says "quote … end quote" (Whisper writes no marks). Not reported: scare quotes ('not "best
  endeavours"'), and the speaker quoting themselves or the listener ("you said 'twelve weeks'").
- a demand passed on "by the way" (FORMAT.md's own example: "The vendor wants the PO by Friday, by
  the way"), by a turn that speaks for nobody in the room;
- a recap opened with "So" that lines up the others' wants ("So actuarial wants three, underwriting
  wants seventy-five, and finance wants fourteen."), again speaking for nobody;
- a recap that gives two or more people in the meeting, by name, their wants ("Let me pull this
  together. Dana, you need it under two hundred. Raj needs twelve weeks."), unless the speaker adds
  a want of their own ("… I need a decision today.", "…, and I need the board to approve it").
"""

from __future__ import annotations

import re

from . import lexicon
from .restatements import is_recap

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


_FOR_INFORMATION = re.compile(r"\b(?:by the way|fyi|f\.y\.i\.|for what it'?s worth|just so (?:you|everyone) knows?|"
                              r"for the record|for info(?:rmation)?|heads[- ]up|just flagging|just to flag)\b",
                              re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:%s)\b" % "|".join(
    map(re.escape, sorted(lexicon.FIRST_PERSON_SG | lexicon.FIRST_PERSON_PL, key=len, reverse=True))), re.IGNORECASE)
# the departments of the room: "Finance won't go a penny over that, for the record" speaks for one
_DEPARTMENT = re.compile(r"\b(?:procurement|finance|legal|hr|sales|operations|ops|compliance|security|engineering|"
                         r"marketing|product|qa|facilities|support|risk|treasury|payroll|the team|the chair)\b"
                         r"|(?-i:\bIT\b)", re.IGNORECASE)
_OPENS_WITH_SO = re.compile(r"\s*(?:(?:ok(?:ay)?|right|alright)[,.]?\s+)?so\b", re.IGNORECASE)


def _speaks_for_nobody_here(text: str) -> bool:
    return not _FIRST_PERSON.search(text) and not _DEPARTMENT.search(text)


def passed_on_for_information(text: str) -> bool:
    """An outside demand passed on "by the way", "fyi", "for the record" … by a turn that speaks for
    nobody in the room ("The venue wants the insurance certificate by Monday, fyi."): in the
    training meetings 54 of the 55 such turns are not asks."""
    return bool(_FOR_INFORMATION.search(text)) and _speaks_for_nobody_here(text)


def sums_up_others(text: str) -> bool:
    """A recap opened with "So" that speaks for nobody in the first person: it sums up the others'
    asks and makes none of its own. In the training meetings none of the 20 such turns is an ask
    (nor any of the 27 recaps opened with "So")."""
    return bool(_OPENS_WITH_SO.match(text)) and is_recap(text) and not _FIRST_PERSON.search(text)


# "<name> wants / needs / can't …" and "<name>, you need / want …"; not "needs to" nor "you need to",
# which tell someone what to do ("Raj, you need to send the SOW" is the speaker's own ask)
_NAMED_WANT = (r"(?:'s)?\s+(?:wants|needs(?!\s+to\b)|requires|insists\s+on|is\s+asking\s+for|asked\s+for|"
               r"can't|cannot|won't|would\s+like|'d\s+like|is\s+holding\s+out\s+for)\b"
               r"|,\s+you\s+(?:need(?!\s+to\b)|want|can't|won't|'d\s+like|would\s+like)\b")


def recaps_named_others(doc, others: list[str]) -> bool:
    """The turn gives two or more of `others` (the call names of the meeting's other speakers) their
    wants by name, and every ask frame lies in a sentence that names one of them, without a first
    person just before it. In the training meetings all 6 turns that name two or more others' wants
    are not asks (indie: 1 of 1)."""
    from .features import ASK_FRAMES, SENTENCE_END

    if len(others) < 2:
        return False
    text = doc.text
    named = [n for n in others if n and re.search(rf"\b{re.escape(n)}(?:{_NAMED_WANT})", text, re.IGNORECASE)]
    if len(named) < 2:
        return False
    naming = re.compile(r"\b(?:%s)\b" % "|".join(map(re.escape, others)), re.IGNORECASE)
    spans, start = [], 0
    for m in SENTENCE_END.finditer(text):
        spans.append((start, m.start(), bool(naming.search(text[start:m.start()]))))
        start = m.end()
    spans.append((start, len(text), bool(naming.search(text[start:]))))
    frames = [s for label, s in doc._.ask_frames or [] if label in ASK_FRAMES]
    first = lexicon.FIRST_PERSON_SG | lexicon.FIRST_PERSON_PL

    def own(f) -> bool:   # "…, and I need the board's approval" is the speaker's ask, recap or not
        return any(t.lower_ in first for t in doc[max(0, f.start - 3): f.start])

    return not any(own(f) or not named_here for a, b, named_here in spans for f in frames if a <= f.start_char < b)


def not_own_ask(doc, others: list[str] = ()) -> bool:
    """The turn reports or sums up others' asks and makes none of its own (above); `others`: the call
    names of the meeting's other speakers."""
    return (ask_only_quoted(doc) or sums_up_others(doc.text) or passed_on_for_information(doc.text)
            or recaps_named_others(doc, list(others)))
