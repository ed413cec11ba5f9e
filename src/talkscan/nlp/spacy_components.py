"""The spaCy pipeline: blank English (or en_core_web_sm when installed) with the lookup lemmatizer
and three custom components that annotate each utterance:

- `talkscan_lemmas`: lower-cased lookup lemmas (the lookup table is case-sensitive) and content words;
- `talkscan_feelings`: feeling words (lexicon.FEELINGS) and who they are framed on: second person
  ("you seem frustrated"), a sensing frame ("I sense some hesitation"), first or third person;
- `talkscan_frames`: modal frames of asks, offers, wishes, requests and the cue phrases of each move.

`Doc._.features` is the numeric vector (FEATURE_NAMES) the trained heads take next to the sentence
embedding. Rules here are features only: the heads decide.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from . import lexicon

FEATURE_NAMES = (
    "log_tokens", "question", "has_number", "n_sentences",
    "second_person", "first_person_sg", "first_person_pl", "third_person",
    "feeling_word", "feeling_second_person", "feeling_sensing", "feeling_first_person", "feeling_third_person",
    "ask_need", "ask_obligation", "ask_limit", "ask_request", "ask_like", "ask_bound",
    "offer", "wish", "future_tense", "lets",
    "cue_paraphrase", "cue_similarity", "cue_vision", "cue_ask", "cue_offer", "cue_logistics", "cue_quote",
    "cue_absent", "starts_so", "short", "time_expr", "money_expr",
)

_NUMBER_WORDS = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred",
    "thousand", "million", "k", "percent", "half", "dozen",
}
_TIME_WORDS = {
    "week", "weeks", "day", "days", "month", "months", "quarter", "q1", "q2", "q3", "q4", "deadline",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "date", "launch",
    "go-live", "golive", "kickoff", "kick", "timeline", "schedule", "year", "years", "sprint", "sprints",
}
_MONEY_WORDS = {"price", "cost", "costs", "rate", "rates", "discount", "budget", "k", "grand", "dollars",
                "euros", "pounds", "$", "€", "£", "fee", "fees", "spend", "savings", "margin"}


def _setup_extensions() -> None:
    from spacy.tokens import Doc, Token

    for name, default in (("llemma", ""), ("content", False), ("feeling", False)):
        if not Token.has_extension(name):
            Token.set_extension(name, default=default)
    for name in ("feelings", "framed_feelings", "ask_frames", "cues", "features", "content_lemmas"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


def _register() -> None:
    from spacy.language import Language
    from spacy.matcher import Matcher, PhraseMatcher

    if "talkscan_lemmas" in Language.factories:
        return

    @Language.factory("talkscan_lemmas")
    def make_lemmas(nlp, name):
        table = None
        try:
            table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
        except Exception:  # noqa: BLE001 - en_core_web_sm has a rule lemmatizer without this table
            table = None
        stop = nlp.Defaults.stop_words

        def lemmas(doc):
            content = []
            for t in doc:
                low = t.lower_
                lem = table.get(low, low) if table is not None else (t.lemma_ or low).lower()
                t._.llemma = lem
                t._.content = (t.is_alpha or t.like_num) and low not in stop and lem not in stop
                if t._.content:
                    content.append(lem)
            doc._.content_lemmas = content
            return doc

        return lemmas

    @Language.factory("talkscan_feelings")
    def make_feelings(nlp, name):
        phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        for cat in set(lexicon.FEELINGS.values()):
            words = [w for w, c in lexicon.FEELINGS.items() if c == cat]
            phrases.add(cat, [nlp.make_doc(w) for w in words])
        # "under a lot of pressure", "under real strain": the phrase with its intensifiers in between
        pressed = Matcher(nlp.vocab)
        pressed.add("fear", [[{"LOWER": "under"}, {"LOWER": {"IN": sorted(lexicon.PRESSURE_FILLERS)}, "OP": "{1,4}"},
                              {"LOWER": {"IN": ["pressure", "strain", "stress"]}}]])
        frames = Matcher(nlp.vocab)
        gap = {"IS_PUNCT": False, "OP": "{0,4}"}
        feel = {"_": {"feeling": True}}
        frames.add("second_person", [[{"LOWER": {"IN": ["you", "your", "y'all", "yall", "youre"]}}, gap, feel]])
        frames.add("sensing", [[{"LOWER": {"IN": ["i", "we"]}}, {"IS_PUNCT": False, "OP": "{0,2}"},
                                {"_": {"llemma": {"IN": sorted(lexicon.SENSING_VERBS)}}}, gap, feel],
                               [{"LOWER": {"IN": ["sounds", "seems", "looks", "feels"]}}, {"IS_PUNCT": False, "OP": "{0,3}"}, feel]])
        frames.add("first_person", [[{"LOWER": {"IN": ["i", "i'm", "im", "we", "me", "my", "our"]}}, gap, feel]])
        frames.add("third_person", [[{"LOWER": {"IN": sorted(lexicon.THIRD_PERSON | {"the", "everyone", "team"})}}, gap, feel]])

        def feelings(doc):
            spans = []
            for match_id, start, end in sorted([*phrases(doc), *pressed(doc)], key=lambda m: (m[1], -(m[2] - m[1]))):
                if spans and start < spans[-1][0].end:
                    continue  # overlapping shorter match ("worn" inside "worn out")
                spans.append((doc[start:end], nlp.vocab.strings[match_id]))
                for t in doc[start:end]:
                    t._.feeling = True
            doc._.feelings = spans
            framed: dict[str, list] = {}
            for match_id, start, end in frames(doc):
                label = nlp.vocab.strings[match_id]
                # The frame must end on the feeling it frames; record which feeling span that is.
                for span, cat in spans:
                    if span.start <= end - 1 < span.end:
                        framed.setdefault(label, []).append((span, cat))
            doc._.framed_feelings = framed
            return doc

        return feelings

    @Language.factory("talkscan_frames")
    def make_frames(nlp, name):
        m = Matcher(nlp.vocab)
        m.add("ask_need", [[{"_": {"llemma": {"IN": ["need", "require", "want", "insist", "demand", "expect"]}}}]])
        m.add("ask_obligation", [[{"LOWER": {"IN": ["have", "has", "got", "gotta", "needs", "need"]}}, {"LOWER": "to"}],
                                 [{"LOWER": {"IN": ["must", "should", "shall", "gotta"]}}],
                                 [{"LOWER": "non"}, {"LOWER": "-", "OP": "?"}, {"LOWER": "negotiable"}]])
        m.add("ask_limit", [[{"LOWER": {"IN": ["ca", "can", "cannot", "wo", "won't", "cant", "wont", "not"]}},
                             {"LOWER": {"IN": ["n't", "not"]}, "OP": "?"},
                             {"LOWER": {"IN": ["go", "accept", "sign", "live", "agree", "approve", "budge", "move",
                                               "afford", "start", "commit", "support", "allow", "take"]}}]])
        m.add("ask_request", [[{"LOWER": {"IN": ["could", "can", "would", "will"]}}, {"LOWER": {"IN": ["you", "we", "someone"]}}],
                              [{"LOWER": "please"}]])
        m.add("ask_like", [[{"LOWER": {"IN": ["i", "we"]}}, {"LOWER": {"IN": ["'d", "would", "d"]}},
                            {"LOWER": {"IN": ["like", "love", "prefer", "want", "need", "rather"]}}]])
        m.add("ask_bound", [[{"LOWER": {"IN": ["at", "no"]}}, {"LOWER": {"IN": ["least", "most", "more", "less", "later", "earlier", "sooner"]}}],
                            [{"LOWER": {"IN": ["under", "below", "above", "within", "over", "max", "maximum", "minimum", "cap", "capped"]}}]])
        m.add("offer", [[{"LOWER": {"IN": ["i", "we"]}}, {"LOWER": {"IN": ["can", "could", "'ll", "will", "ll"]}},
                         {"LOWER": {"IN": ["give", "offer", "throw", "cover", "provide", "add", "absorb", "include", "drop", "waive", "extend"]}}],
                        [{"LOWER": {"IN": ["happy", "willing", "prepared", "able"]}}, {"LOWER": "to"}],
                        [{"LOWER": "how"}, {"LOWER": "about"}, {"LOWER": {"IN": ["i", "we"]}}]])
        m.add("wish", [[{"LOWER": {"IN": ["i", "we"]}}, {"LOWER": {"IN": ["wish", "hope"]}}], [{"LOWER": "if"}, {"LOWER": "only"}]])
        m.add("future_tense", [[{"LOWER": {"IN": ["will", "'ll", "ll"]}}], [{"LOWER": "going"}, {"LOWER": "to"}],
                               [{"LOWER": {"IN": ["picture", "imagine", "envision"]}}]])
        m.add("lets", [[{"LOWER": "let"}, {"LOWER": {"IN": ["'s", "us"]}}], [{"LOWER": "lets"}]])
        cues = PhraseMatcher(nlp.vocab, attr="LOWER")
        for label, phrases in (("cue_paraphrase", lexicon.PARAPHRASE_CUES), ("cue_similarity", lexicon.SIMILARITY_CUES),
                               ("cue_vision", lexicon.VISION_CUES), ("cue_ask", lexicon.ASK_CUES),
                               ("cue_offer", lexicon.OFFER_CUES), ("cue_logistics", lexicon.LOGISTICS_CUES),
                               ("cue_quote", lexicon.QUOTE_CUES), ("cue_absent", lexicon.ABSENT_PARTY)):
            # Apostrophes tokenise apart ("you're" -> "you", "'re"), so the patterns go through the tokenizer.
            cues.add(label, [nlp.make_doc(p) for p in phrases])

        def frames(doc):
            found = [(nlp.vocab.strings[i], doc[s:e]) for i, s, e in m(doc)]
            doc._.ask_frames = found
            counts: dict[str, int] = {}
            for i, s, e in cues(doc):
                k = nlp.vocab.strings[i]
                counts[k] = counts.get(k, 0) + 1
            doc._.cues = counts
            doc._.features = _features(doc)
            return doc

        return frames


def _features(doc) -> list[float]:
    words = [t.lower_ for t in doc if not t.is_punct]
    lows = set(words)
    frames: dict[str, int] = {}
    for label, _ in doc._.ask_frames:
        frames[label] = frames.get(label, 0) + 1
    framed = doc._.framed_feelings or {}
    cues = doc._.cues or {}
    text = doc.text.strip()
    n_sent = max(1, len(re.findall(r"[.!?]+(\s|$)", text)))
    f = {
        "log_tokens": math.log1p(len(words)),
        "question": float("?" in text),
        "has_number": float(any(t.like_num for t in doc) or bool(lows & _NUMBER_WORDS)),
        "n_sentences": math.log1p(n_sent),
        "second_person": float(bool(lows & lexicon.SECOND_PERSON)),
        "first_person_sg": float(bool(lows & lexicon.FIRST_PERSON_SG)),
        "first_person_pl": float(bool(lows & lexicon.FIRST_PERSON_PL)),
        "third_person": float(bool(lows & lexicon.THIRD_PERSON)),
        "feeling_word": float(bool(doc._.feelings)),
        "feeling_second_person": float(bool(framed.get("second_person"))),
        "feeling_sensing": float(bool(framed.get("sensing"))),
        "feeling_first_person": float(bool(framed.get("first_person"))),
        "feeling_third_person": float(bool(framed.get("third_person"))),
        "starts_so": float(bool(words) and words[0] in ("so", "sounds", "okay", "ok")),
        "short": float(len(words) <= 6),
        "time_expr": float(bool(lows & _TIME_WORDS)),
        "money_expr": float(bool(lows & _MONEY_WORDS) or "$" in text),
    }
    for k in ("ask_need", "ask_obligation", "ask_limit", "ask_request", "ask_like", "ask_bound", "offer", "wish",
              "future_tense", "lets"):
        f[k] = float(min(frames.get(k, 0), 3))
    for k in ("cue_paraphrase", "cue_similarity", "cue_vision", "cue_ask", "cue_offer", "cue_logistics",
              "cue_quote", "cue_absent"):
        f[k] = float(min(cues.get(k, 0), 3))
    return [f[k] for k in FEATURE_NAMES]


@lru_cache(maxsize=1)
def get_nlp():
    """The shared pipeline, built once per process."""
    import spacy

    _setup_extensions()
    _register()
    try:
        nlp = spacy.load("en_core_web_sm", exclude=["ner", "parser"])
    except OSError:
        nlp = spacy.blank("en")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    nlp.add_pipe("talkscan_lemmas")
    nlp.add_pipe("talkscan_feelings")
    nlp.add_pipe("talkscan_frames")
    return nlp


def annotate(texts: list[str], batch_size: int = 256) -> list:
    """Docs for many utterances in one pass."""
    nlp = get_nlp()
    return list(nlp.pipe(texts, batch_size=batch_size))
