"""What an emotional label names and about whom: the feeling words as said, their category, and
the participant labelled. The head decides *whether* an utterance labels a feeling; this fills in
`said`, `emotion` and `target` from the spaCy annotations."""

from __future__ import annotations

import re

from . import lexicon

_TITLES = {"dr", "mr", "mrs", "ms", "mx", "prof", "professor", "sir", "dame"}


def call_name(name: str) -> str:
    """The word people address a participant by, lower-cased: the first word of the name, a title
    skipped ("Dr. Okonkwo, you sound worried" names "Dr. Okonkwo")."""
    words = name.split()
    while len(words) > 1 and words[0].lower().rstrip(".") in _TITLES:
        words = words[1:]
    return words[0].lower() if words else ""


_FRAME_ORDER = ("second_person", "sensing", "third_person", "first_person")
_AFTER_PERCEPTION = re.compile(
    r"\b(?:you|you're|you are|your \w+)\s+(?:seem|sound|look|appear|feel|are|'re)(?:s)?\s+"
    r"(?:(?:a bit|a little|kind of|kinda|pretty|really|quite|very|so|super|rather|somewhat)\s+)?"
    r"((?:\w+ed|\w+ing)(?:\s+(?:out|in|off|up|down|thin))?)", re.I)


def said_and_category(doc) -> tuple[str | None, str | None]:
    """The named feeling: preferably one framed on someone else, else any feeling word, else the
    participle after "you seem/sound/look"."""
    framed = doc._.framed_feelings or {}
    for frame in _FRAME_ORDER:
        if framed.get(frame):
            return _negated(doc, *framed[frame][0])
    if doc._.feelings:
        return _negated(doc, *doc._.feelings[0])
    m = _AFTER_PERCEPTION.search(doc.text)
    if m:
        return m.group(1), None
    return _framed_words(doc.text)


def _framed_words(text: str) -> tuple[str | None, str | None]:
    """A feeling the lexicon lacks ("that sounds exhausting", "you look gutted", "I can tell this
    is stressing you out"): the words the label's frame points at, read by `normalise`. Joy is
    left out: the joys labels name are in the lexicon, and the classifier reads joy into fragments."""
    m = _FRAMED_WORDS.search(text)
    if not m:
        return None, None
    words = re.split(r"\s+(?:about|with|over|by|for|if|when|here|and|but|because|since|given|that|which|is|are|"
                     r"to\s+(?!you\b)|on\s+(?!you\b))\b", m.group("x").strip(), maxsplit=1, flags=re.I)[0].split()
    while words and words[-1].lower() in _NOT_FEELINGS:
        words.pop()
    if not words or words[0].lower() in _NOT_FEELINGS:
        return None, None
    said = " ".join(words)
    cat = normalise(said, None)
    return (said, cat) if cat not in ("joy", "neutral") else (None, None)


# The frames a label hangs its feeling on ("you sound like you're …", "that must be …", "I can tell
# this is …"), and up to five words after them, to the next punctuation
_YOU = r"(?:\s+(?:you're|you are|you've|you have|you feel|you))"
_FRAMED_WORDS = re.compile(
    r"\b(?:(?:you|you're|you are)\s+(?:seem|sound|look|appear|feel)s?"
    r"|(?:(?:that|this|it)\s+)?(?:sounds|seems|looks|must\s+(?:be|have\s+been))"
    r"|you\s+must\s+(?:be|feel)"
    r"|(?:I|we)\s+(?:can\s+)?(?:sense|hear|tell|see|get\s+the\s+(?:sense|feeling))(?:\s+(?:that|how\s+much))?"
    rf"(?:\s+(?:this|it|that)(?:\s+(?:is|was|has|'s))?)?)(?:\s+like)?{_YOU}?"
    r"\s+(?:(?:really|pretty|quite|so|very|a\s+bit|a\s+little|kind\s+of|properly|absolutely|clearly|still|feeling)\s+)*"
    r"(?P<x>[a-z][\w'’-]*(?:\s+[a-z][\w'’-]*){0,4})", re.I)
_NOT_FEELINGS = {"it", "that", "this", "these", "those", "a", "an", "the", "like", "you", "your", "my", "his", "her",
                 "their", "our", "of", "in", "at", "about", "what", "really", "so", "fine", "good", "right", "sure",
                 "okay", "ok", "bit", "one's", "thing", "whole"}


_NEGATIONS = {"not", "n't", "never", "hardly", "barely"}
_PERCEIVE = lexicon.PERCEPTION_VERBS | {"seems", "sounds", "looks", "feels"}
_DEGREE = {"a", "all", "that", "too", "very", "so", "exactly", "really", "quite", "entirely", "overly", "particularly"}


def _negated(doc, span, cat: str | None) -> tuple[str, str | None]:
    """The feeling as said, with its negation: "you don't seem thrilled", "not exactly happy" name
    disappointment (sadness, as GoEmotions groups it), not joy. A negated worry or anger keeps its
    category: "not worried, just busy" is rarely said as a label."""
    k = span.start - 1
    while k >= 0 and span.start - k <= 3 and doc[k].lower_ in _DEGREE:
        k -= 1
    words_from = k + 1
    if k >= 0 and doc[k].lower_ in _PERCEIVE:
        k -= 1
    if k >= 0 and doc[k].lower_ in _NEGATIONS:
        neg = "not" if doc[k].lower_ == "n't" else doc[k].lower_
        return f"{neg} {doc[words_from:span.end].text}", ("sadness" if cat == "joy" else cat)
    return span.text, cat


def names_own_feeling_only(doc) -> bool:
    """True when every framed feeling is the speaker's own and nobody is addressed or sensed."""
    framed = doc._.framed_feelings or {}
    if not framed.get("first_person"):
        return False
    if any(framed.get(f) for f in _FRAME_ORDER if f != "first_person"):
        return False
    return not any(t.lower_ in ("you", "you're", "your", "yours", "y'all") for t in doc)


# Who feels it, when the speaker names a third party's feeling: "the board seems nervous", "they're
# already unhappy", "the vendor's lead sounded burnt out" (tags.md: feelings of people not in the
# meeting are no label). A linking verb, a few words of adverb, then the feeling.
_THIRD_PARTY = {"he", "she", "they", "he's", "she's", "they're", "everyone", "everybody", "people", "folks",
                "the", "their", "his", "her"}
_LINKING = {"seem", "seems", "seemed", "sound", "sounds", "sounded", "look", "looks", "looked", "appear", "appears",
            "appeared", "feel", "feels", "felt", "is", "are", "was", "were", "'re", "'s", "be", "been", "get", "gets",
            "got", "getting", "became", "become", "remain", "remains", "stay", "stays"}
_PEOPLE_HERE = lexicon.SECOND_PERSON | lexicon.FIRST_PERSON_SG | lexicon.FIRST_PERSON_PL


def _felt_by_third_party(doc, span) -> bool:
    k = span.start - 1
    while k >= 0 and doc[k].lower_ not in _LINKING and span.start - k <= 4:
        if doc[k].is_punct:
            return False
        k -= 1
    if k < 0 or doc[k].lower_ not in _LINKING:
        return False
    for j in range(k - 1, max(0, k - 6) - 1, -1):   # the subject: a few words back, to its first word
        w = doc[j].lower_
        if doc[j].is_punct or w in _PEOPLE_HERE:
            return False
        if w in _THIRD_PARTY:
            return True
    return False


def names_absent_feeling_only(doc, present: list[str]) -> bool:
    """True when every feeling named is a third party's ("The board seems nervous about contractor
    spend") and nobody in the room is addressed or named (`present`: the others' call names).
    None of the 670 labels in data/dialogues has this shape."""
    if not doc._.feelings or any(t.lower_ in lexicon.SECOND_PERSON or t.lower_ in present for t in doc):
        return False
    return all(_felt_by_third_party(doc, span) for span, _ in doc._.feelings)


def normalise(said: str | None, category: str | None) -> str:
    """The 7-category emotion of a named feeling: the lexicon, then emotion.normalise_feeling (its
    own lexicon, then the GoEmotions classifier), else fear (what meeting-room labels most often name: stress, worry, pressure)."""
    if category:
        return category
    if not said:
        return "neutral"
    low = said.lower()
    for w, cat in lexicon.FEELINGS.items():
        if w in low:
            return cat
    try:
        from .emotion import normalise_feeling

        got = normalise_feeling(said)
        if got != "neutral":
            return got
    except Exception:  # noqa: BLE001 - the emotion model is optional here; never fail a label on it
        pass
    return "fear"


def target_speaker(doc, speaker_ids: list[str], names: dict[str, str], i: int) -> str | None:
    """Who is labelled: a participant named in the utterance, else the most recent other speaker."""
    me = speaker_ids[i]
    words = {t.lower_ for t in doc}
    for sid, name in names.items():
        if sid != me and name and call_name(name) in words:
            return sid
    for j in range(i - 1, -1, -1):
        if speaker_ids[j] != me:
            return speaker_ids[j]
    others = [s for s in names if s != me]
    return others[0] if others else None
