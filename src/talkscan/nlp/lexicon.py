"""Word lists the spaCy components match on. They feed features and fill `said`/`emotion` of a
label; they never decide a move alone (the trained heads do)."""

from __future__ import annotations

# Feeling words people name, normalised to the seven categories of tags.md. Multi-word entries are
# matched as phrases on lower-cased text.
FEELINGS: dict[str, str] = {}
_GROUPS = {
    "fear": """worried worry worries anxious anxiety nervous stressed stress stressed out under pressure
        pressured overstretched overstreched stretched stretched thin overwhelmed overloaded swamped
        uneasy concerned concern concerns apprehensive afraid scared scary fearful tense on edge
        hesitant hesitation hesitancy reluctant reluctance cautious wary uncertain unsure insecure
        exposed vulnerable panicked panicky jittery rattled burned out burnt out burnout worn out
        exhausted drained stuck cornered trapped squeezed nervy uncomfortable torn doubtful doubts
        skeptical sceptical unsettled spooked boxed in alarmed frazzled shaken dreading dread""",
    "anger": """frustrated frustrating frustration angry anger annoyed annoyance irritated irritation
        fed up upset mad furious livid resentful resentment cross aggravated exasperated impatient
        impatience bothered put out ticked off pissed off sidelined ignored blindsided undermined
        steamrolled hostile defensive indignant outraged wound up""",
    "sadness": """disappointed disappointment discouraged disheartened down sad sadness let down
        deflated demoralized demoralised dejected hurt defeated hopeless gloomy low unhappy
        regretful sorry bummed crushed heartbroken lonely tired weary resigned worn down""",
    "joy": """excited excitement happy glad pleased relieved relief enthusiastic enthusiasm thrilled
        delighted optimistic hopeful proud satisfied comfortable confident energized energised
        eager keen grateful thankful content upbeat positive reassured encouraged""",
    "surprise": """surprised surprise shocked startled caught off guard taken aback astonished
        amazed stunned blindsided puzzled confused confusion baffled""",
    "disgust": """disgusted disgust appalled revolted sickened grossed out repulsed""",
}
_PHRASES = {
    "stressed out", "under pressure", "boxed in", "stretched thin", "on edge", "burned out", "burnt out", "worn out", "worn down",
    "fed up", "put out", "ticked off", "pissed off", "let down", "caught off guard",
    "taken aback", "grossed out", "wound up",
}


def _build() -> None:
    # Phrases first, so "worn out" is one entry and never leaves a stray "out".
    for cat, words in _GROUPS.items():
        text = " ".join(words.split())
        for phrase in sorted(_PHRASES, key=len, reverse=True):
            if phrase in text:
                FEELINGS.setdefault(phrase, cat)
                text = text.replace(phrase, " ")
        for w in text.split():
            FEELINGS.setdefault(w, cat)


_build()

# Words between "under" and "pressure" in "under a lot of pressure", "under so much strain".
PRESSURE_FILLERS = {"a", "lot", "lots", "of", "so", "such", "much", "real", "serious", "huge", "heavy", "enormous",
                    "intense", "massive", "some", "tremendous", "great", "the", "this", "that", "all", "constant",
                    "extra", "more", "too", "immense", "severe", "big", "quite", "bit"}

SECOND_PERSON = {"you", "your", "you're", "youre", "yours", "ya", "y'all", "yall"}
FIRST_PERSON_SG = {"i", "i'm", "im", "me", "my", "mine", "myself", "i've", "i'd", "i'll"}
FIRST_PERSON_PL = {"we", "us", "our", "ours", "we're", "we've", "we'd", "we'll", "ourselves"}
THIRD_PERSON = {"he", "she", "they", "them", "his", "her", "their", "he's", "she's", "they're"}

PERCEPTION_VERBS = {"seem", "sound", "look", "appear", "feel"}      # "you seem …"
SENSING_VERBS = {"sense", "hear", "detect", "notice", "get", "pick", "see", "gather"}   # "I sense …"

# Cue phrases: features only (tags.md: "common but neither necessary nor sufficient").
PARAPHRASE_CUES = [
    "so what you're saying", "what you're saying", "what i'm hearing", "if i hear you right",
    "if i understand", "if i'm following", "in other words", "you mean", "let me make sure",
    "correct me if", "so you're", "so you", "so your", "so for you", "so basically", "to recap",
    "if i've got", "let me play that back", "just to check", "to make sure i", "sounds like you",
    "what i hear",
]
SIMILARITY_CUES = [
    "we both", "both of us", "same here", "me too", "like you", "we all", "all of us", "common ground",
    "in common", "same page", "shared", "same boat", "same goal", "we share", "as well", "too", "also",
    "just like", "same thing", "i've been there", "been there", "same as you", "you and i", "neither of us",
]
VISION_CUES = [
    "picture", "imagine", "envision", "a year from now", "six months from now", "by then", "end state",
    "when this is done", "once this is", "once we", "we'll have", "we will have", "will be", "going to be",
    "think about where", "fast forward", "the day we", "by the end of", "by next", "going forward",
    "the future", "looks like", "done right",
]
ASK_CUES = [
    "need", "needs", "have to", "has to", "must", "require", "requires", "want", "wants", "insist",
    "expect", "at least", "no more than", "at most", "can't go", "cannot go", "won't sign", "can't accept",
    "could you", "can you", "would you", "i'd like", "we'd like", "i would like", "we would like",
    "please", "should", "non-negotiable", "no later than", "before",
]
OFFER_CUES = [
    "we can give", "i can give", "we could give", "i could give", "we can offer", "i can offer",
    "happy to", "i'll send", "we'll send", "i can send", "we can do", "i can do", "we could do",
    "i'll take", "we'll cover", "i can throw in", "we can throw in", "how about i",
]
LOGISTICS_CUES = [
    "meet", "meeting", "calendar", "invite", "tuesday", "monday", "wednesday", "thursday", "friday",
    "tomorrow", "next week", "send", "follow up", "schedule a", "call", "email", "agenda",
]
QUOTE_CUES = ["said", "says", "told", "wrote", "quote", "according to", "the email", "the contract says"]
ABSENT_PARTY = [
    "the vendor", "the supplier", "the client", "the customer", "the board", "legal", "the ceo", "the cfo",
    "the market", "they", "he", "she", "them", "the other side", "their team",
]
