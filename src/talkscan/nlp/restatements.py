"""Which earlier utterance, if any, each utterance paraphrases or mirrors. `choose` is shared by the
analyzer and the trainer that tunes its thresholds, so both decide the same way; the analyzer then
applies `RULES`, decoding rules read off the training labels where the heads, which see
overlap, distance and wording, contradict them (the trainer's thresholds are tuned without them)."""

from __future__ import annotations

import re

from . import number_words
from .features import SENTENCE_END

KINDS = ((1, "paraphrase"), (2, "mirroring"))   # column of each kind in the pair head's output


def choose(pairs, p_pairs, restate, thresholds: dict, beta: dict, gate: float | None = None) -> dict:
    """{i: (relative score, kind, j, score)} from candidate pairs (i, j), the pair head's
    probabilities (none, paraphrase, mirroring) and each utterance's restate probability.

    A pair's score is `(1 - beta) * pair head + beta * restate`; an utterance takes the candidate
    and kind whose score beats that kind's threshold by the widest margin. Where no candidate
    passes but the utterance-level restate probability reaches `gate`, it is a paraphrase of the
    candidate the pair head ranks highest, if paraphrase is that candidate's likelier kind: the
    utterance model reads the whole turn and knows a restatement in new words, while the pair head,
    which sees overlap and distance, is good at picking the target but shy of far, reworded ones.
    """
    best: dict[int, tuple[float, str, int, float]] = {}
    fallback: dict[int, tuple[float, str, int, float]] = {}
    for (i, j), p in zip(pairs, p_pairs):
        for k, kind in KINDS:
            b = beta.get(kind, 0.0)
            score = float((1.0 - b) * p[k] + b * restate[i])
            rel = score / max(thresholds[kind], 1e-6)
            if score >= thresholds[kind] and rel > best.get(i, (0.0,))[0]:
                best[i] = (rel, kind, j, score)
            if gate is not None and restate[i] >= gate:
                rel_p = float(p[k]) / max(thresholds[kind], 1e-6)
                if rel_p > fallback.get(i, (-1.0,))[0]:
                    fallback[i] = (rel_p, kind, j, float(restate[i]))
    for i, v in fallback.items():
        if i not in best and v[1] == "paraphrase":
            best[i] = v
    return best


def echoes_a_question(text: str, target: str) -> bool:
    """Is the target a question? A mirror repeats someone's words to make them say more; repeating
    a question's words answers it ("Ninety days?" / "Ninety."). In the training meetings 2 of 809
    mirroring targets end with a question mark, while the pair head, which sees overlap and
    distance, takes such answers for mirrors."""
    return target.rstrip().endswith("?")


_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion half quarter".split())
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,]\d+)*")   # "p1" and "q4" are names, not figures
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")


def _figures(text: str) -> tuple[set, set]:
    tokens = _TOKEN.findall(text.lower())
    return {t for t in tokens if t in _NUMBER_WORDS}, {t for t in tokens if _DIGITS.fullmatch(t)}


def says_new_figure(text: str, target: str) -> bool:
    """Does the turn's first sentence say a figure its target never said ("Ten point three." after
    "…ten point five", "Twelve weeks?" after "two weeks a chamber, six chambers")? A mirror repeats
    the figure; a new one is a counter-offer or a sum. Figures are compared in the form the target
    writes them (words or digits; speech recognition writes digits), and not at all across forms. In
    the training meetings 2 of 476 mirrors with a figure in their first sentence bring a new one.
    Where one side writes only digits and the other only words ("Three hundred thousand?" after
    "340,000"), the values from 11 up are compared: speech recognition hears "managing four agencies"
    as "for agencies", and a mirror "4 agencies." must not count as a new figure then."""
    first = SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    words, digits = _figures(first)
    t_words, t_digits = _figures(target)
    if (words and not digits and t_digits and not t_words) or (digits and not words and t_words and not t_digits):
        return bool({v for v in _values(first) if float(v) >= 11} - _values(target))
    return bool((words - t_words and not t_digits) or (digits - t_digits and not t_words))


def _values(text: str) -> set[str]:
    return number_words.figures(_TOKEN.findall(text.lower()))


# "<party> wants/needs …": who a turn says wants what. Pronouns and quantifiers name no party.
_WANTS = re.compile(r"\b([A-Za-z&]+)(?:'s)? (?:wants|needs|requires|insists on)\b")
_NOT_A_PARTY = {"it", "he", "she", "who", "that", "this", "what", "which", "there", "one", "nobody", "everyone",
                "everybody", "someone", "anyone", "everything", "nothing", "something"}


def is_recap(text: str) -> bool:
    """Does the turn line up two or more parties' wants ("So sales wants May, IT wants June and
    legal wants its review")? That sums up the room, not one participant's point: in the training
    meetings 2 of 34 such turns are paraphrases, while the analyzer tagged 8 of the 38 in dev, new and
    brisk as paraphrases (a recap often opens with "So", as restatements do)."""
    parties = {w if w.isupper() else w.lower() for w in _WANTS.findall(text)}   # "IT wants", not "it needs"
    return len(parties - _NOT_A_PARTY) >= 2


# Acknowledgements and fillers: a turn of these alone ("Mm-hmm.", "Yeah, yeah. Okay.") restates
# nobody's words, even after someone who said the same, and has no substance to be restated. None of
# the 261 such training turns is a mirror or a paraphrase, nor the target of any of the 1,752 training
# restatements; in real meetings they are a good share of all turns. ("No?" can echo a "No." to ask
# for more, so it is not among them.)
_ACKS = frozenset("mm hmm mm-hmm mhm uh-huh uh um er erm yeah yes yep yup okay ok kay 'kay right sure oh ah "
                  "alright huh hm mm-mm fine good great cool thanks so well".split())
_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*|'[a-z]+")


def only_acknowledges(text: str) -> bool:
    words = _WORD.findall(re.sub(r"\ball right\b", "alright", text.lower()))
    return bool(words) and all(w in _ACKS for w in words)


# A question word opening a question, after discourse markers; not a free relative ("what you're
# saying is…", "how we'd do it"), where a pronoun follows the question word uninverted.
_WH_QUESTION = re.compile(r"(?:(?:so|okay|ok|and|but|well|right|alright|then|now|sorry)\W+)*"
                          r"(?:what|how|when|where|who|whose|which|why)\b(?!\s+(?:i|you|we|they|he|she)\b)"
                          r"(?=\S*\s+\w)")   # more than a bare "What?", which can open a mirror ("What? Ninety days?")
_SO_WHAT = re.compile(r"\W*so,? what\W*\?$")


def asks_something_new(text: str) -> bool:
    """Does the turn open with a question that opens with a question word ("So what's the plan for
    the procedures, Luis?", "How long's an audit?", "So what happens if we're late? Genuinely
    asking."), or with tags.md's dismissive "So what?"? It asks for what was not said, or waves it
    away: none of the 247 such training turns is a mirror or a paraphrase, while the pair head took
    some in each held-out split for one (models/moves.md). A mirror echoes with a rising tone
    ("Ninety days?", "What? Ninety days?"); a checking paraphrase is a yes/no question ("So you
    can't go above ten percent?") or a frame ("So what you're saying is … — when?")."""
    first = next((x for x in SENTENCE_END.split(text.strip()) if x), "").lower()
    return first.endswith("?") and bool(_WH_QUESTION.match(first) or _SO_WHAT.match(first))


_WH_WORD = re.compile(r"\b(?:what|when|where|who|whom|whose|which|why|how)\b")
SHORT_TURN_WORDS = 14
# "…, right?": a statement put up for confirmation, as a checking paraphrase is ("No renewal until
# they show you how they'll get current on patches, right?"), whatever question word it holds.
_CHECKING_TAG = re.compile(r",\s*(?:right|yes|yeah|correct|no|ok|okay|is that right|isn't it|don't you)\?$")


def asks_what_is_missing(text: str) -> bool:
    """Does a short turn (at most SHORT_TURN_WORDS words) end with a question that carries a question
    word after its start ("Sixteen weeks from when?", "June which year?", "Volunteered. Paid how
    much?", "Yuki, when do you need the DPIA?")? It echoes a word or two to ask for what is missing,
    not to make the speaker say more: 2 of the 57 such training turns are mirrors ("Four months from
    when?") and none a paraphrase (a checking "…, right?" is not such a question), while the analyzer
    tagged 10 of the 21 in dev, test, new, indie and brisk as one (1 rightly). A question that opens
    with its question word is `asks_something_new`'s."""
    if len(text.split()) > SHORT_TURN_WORDS:
        return False
    sentences = [x for x in SENTENCE_END.split(text.strip()) if x]
    if not sentences or not sentences[-1].endswith("?"):
        return False
    last = sentences[-1].lower()
    m = _WH_WORD.search(last)
    return bool(m) and m.start() > 0 and not _WH_QUESTION.match(last) and not _CHECKING_TAG.search(last)


# (kinds, rule(turn, target)): a pair of one of those kinds for which the rule holds is dropped. The
# turn then gets no restatement at all: the runner-up candidate would tag, say, an answer as a
# paraphrase of something else.
_BOTH = ("mirroring", "paraphrase")
RULES = ((("mirroring",), echoes_a_question), (("mirroring",), says_new_figure),
         (("paraphrase",), lambda text, _target: is_recap(text)),
         (_BOTH, lambda text, target: only_acknowledges(text) or only_acknowledges(target)),
         (_BOTH, lambda text, _target: asks_something_new(text) or asks_what_is_missing(text)))


def apply_rules(chosen: dict, texts: list[str]) -> dict:
    """`choose`'s result without the pairs a rule drops."""
    return {i: v for i, v in chosen.items()
            if not any(v[1] in kinds and rule(texts[i], texts[v[2]]) for kinds, rule in RULES)}
