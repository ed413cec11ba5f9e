"""Conflicting asks: pairs of asks by different speakers that cannot both be granted.

Two signals, combined by a small trained head (`asks_conflicts` in models/): the rule of tags.md
(same topic, opposite directions) as features, and the asks' embeddings for exclusions across topics
("kick off Monday" against "no kickoff before the four-week review"). Heads trained with
`--cross-encoder` mix in one that reads both asks' words (conflict_model.py; not shipped: it did
no better end to end). Asks are few per meeting, so all pairs of asks get the cheap head (quadratic in
asks, linear in utterances for any realistic meeting); a cross-encoder reads only the pairs its
verdict could lift over the threshold.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..transcript import TOPICS

CONFLICT_SCALARS = ("same_topic", "opposite", "same_direction", "any_null", "cos", "log_dist", "both_number")


@dataclass
class AskInfo:
    index: int               # utterance index in the meeting
    speaker: str
    topic: str
    direction: str | None
    text: str
    has_number: bool = False
    # the analyzer's probabilities over TOPICS and DIRECTIONS (more, less, null); None for gold asks
    topic_p: np.ndarray | None = None
    direction_p: np.ndarray | None = None

    def topics(self) -> np.ndarray:
        if self.topic_p is not None:
            return np.asarray(self.topic_p, dtype=np.float64)
        return np.eye(len(TOPICS))[TOPICS.index(self.topic)]

    def directions(self) -> np.ndarray:
        """P(more), P(less), P(none)."""
        if self.direction_p is not None:
            return np.asarray(self.direction_p, dtype=np.float64)
        return np.eye(3)[_dir_index(self.direction)]


def _dir_index(direction: str | None) -> int:
    """Column of a direction in the features' (more, less, none) order."""
    return {"more": 0, "less": 1}.get(direction, 2)


def read_ask(index: int, speaker: str, text: str, has_number: bool, pt: np.ndarray, pd: np.ndarray,
             topic_labels: list[str], direction_labels: list[str]) -> AskInfo:
    """An ask as the analyzer reads it from its topic and direction probabilities (`pt`, `pd`, in the
    heads' label order): the likeliest of each, and both distributions for the conflict head, which
    weighs what the ask might be, not only the likeliest. Where the words say which way a price or
    timeline ask points, the direction rule wins over the heads and is certain."""
    from .direction_rules import rule_direction

    topic = topic_labels[int(np.argmax(pt))]
    direction = direction_labels[int(np.argmax(pd))]
    ruled = rule_direction(text, topic)
    direction = ruled or (None if direction == "null" else direction)
    topic_p = np.asarray(pt, dtype=np.float64)[[topic_labels.index(t) for t in TOPICS]]
    direction_p = None if ruled else np.asarray(pd, dtype=np.float64)[[direction_labels.index(d) for d in ("more", "less", "null")]]
    return AskInfo(index, speaker, topic, direction, text, has_number, topic_p=topic_p, direction_p=direction_p)


def opposite(a: str | None, b: str | None) -> bool:
    return {a, b} == {"more", "less"}


def rule_conflict(a: AskInfo, b: AskInfo) -> bool:
    """tags.md's plain case: same topic pushed in opposite directions by different people."""
    return a.speaker != b.speaker and a.topic == b.topic and opposite(a.direction, b.direction)


# Which way an ask pushes the deal's cost and its calendar. Most conflicts in internal negotiations
# cross topics (procurement's lower rate against operations' weekend shift, which costs money), so
# two asks pulling these the opposite way is a signal beyond "same topic, opposite direction".
_PRESSURE = {
    "price": (1.0, 0.0), "timeline": (0.0, 1.0), "scope": (1.0, 0.5), "compliance": (0.3, 1.0),
    "documentation": (0.2, 0.6), "process": (0.2, 0.8), "resources": (1.0, 0.3), "other": (0.3, 0.3),
}
_TOKENS = [(t, d) for t in TOPICS for d in ("more", "less", None)]
_CROSS = {(i, j): k for k, (i, j) in enumerate((i, j) for i in range(len(_TOKENS)) for j in range(i, len(_TOKENS)))}
_CROSS_I, _CROSS_J = (np.asarray(v) for v in zip(*_CROSS))   # row and column of each pair, in _CROSS order
# for the expected features: each topic's pressure, and each token's topic and direction column
_PRESSURE_M = np.asarray([_PRESSURE[t] for t in TOPICS])
_TOKEN_TOPIC = np.asarray([TOPICS.index(t) for t, _ in _TOKENS])
_TOKEN_DIR = np.asarray([_dir_index(d) for _, d in _TOKENS])


def pressure(a: AskInfo) -> np.ndarray:
    sign = {"more": 1.0, "less": -1.0}.get(a.direction, 0.0)
    return sign * np.asarray(_PRESSURE[a.topic], dtype=np.float32)


def conflict_dim() -> int:
    return len(CONFLICT_SCALARS) + 2 + 2 * len(TOPICS) + 3 + len(_CROSS) + 2 * 384


def conflict_features(a: AskInfo, b: AskInfo, ea: np.ndarray, eb: np.ndarray) -> np.ndarray:
    """Symmetric in a and b, so the head never depends on which ask came first. Where the asks carry
    the analyzer's topic and direction probabilities, the features are their expectation under
    those (the head's logit is linear in them): an ask that is 45% price and 40% scope is not
    judged as if it were surely price."""
    if a.topic_p is not None or a.direction_p is not None or b.topic_p is not None or b.direction_p is not None:
        return _expected_features(a, b, ea, eb)
    onehot = np.zeros(len(TOPICS), dtype=np.float32)
    onehot[TOPICS.index(a.topic)] += 1
    onehot[TOPICS.index(b.topic)] += 1
    dirs = np.zeros(3, dtype=np.float32)
    for d in (a.direction, b.direction):
        dirs[_dir_index(d)] += 1
    sc = [
        float(a.topic == b.topic), float(opposite(a.direction, b.direction)),
        float(a.direction == b.direction and a.direction is not None), float(a.direction is None or b.direction is None),
        float(ea @ eb), float(np.log1p(abs(a.index - b.index))), float(a.has_number and b.has_number),
    ]
    pair_topic = np.zeros(len(TOPICS), dtype=np.float32)
    if a.topic == b.topic:
        pair_topic[TOPICS.index(a.topic)] = 1
    pa, pb = pressure(a), pressure(b)
    push = np.asarray([float(pa @ pb), float(np.minimum(pa * pb, 0).sum())], dtype=np.float32)
    cross = np.zeros(len(_CROSS), dtype=np.float32)
    i, j = sorted((_TOKENS.index((a.topic, a.direction)), _TOKENS.index((b.topic, b.direction))))
    cross[_CROSS[i, j]] = 1.0
    return np.concatenate([np.asarray(sc, dtype=np.float32), push, onehot, pair_topic, dirs, cross,
                           ea * eb, np.abs(ea - eb)]).astype(np.float32)


def _expected_features(a: AskInfo, b: AskInfo, ea: np.ndarray, eb: np.ndarray) -> np.ndarray:
    ta, tb, da, db = a.topics(), b.topics(), a.directions(), b.directions()
    sc = [
        float(ta @ tb), float(da[0] * db[1] + da[1] * db[0]), float(da[0] * db[0] + da[1] * db[1]),
        float(1.0 - (1.0 - da[2]) * (1.0 - db[2])),
        float(ea @ eb), float(np.log1p(abs(a.index - b.index))), float(a.has_number and b.has_number),
    ]
    pa, pb = (da[0] - da[1]) * (ta @ _PRESSURE_M), (db[0] - db[1]) * (tb @ _PRESSURE_M)
    push = np.asarray([float(pa @ pb), float(np.minimum(pa * pb, 0).sum())])
    tok_a = ta[_TOKEN_TOPIC] * da[_TOKEN_DIR]
    tok_b = tb[_TOKEN_TOPIC] * db[_TOKEN_DIR]
    outer = np.outer(tok_a, tok_b)
    cross = outer[_CROSS_I, _CROSS_J] + np.where(_CROSS_I != _CROSS_J, outer[_CROSS_J, _CROSS_I], 0.0)
    return np.concatenate([np.asarray(sc), push, ta + tb, ta * tb, da + db, cross,
                           ea * eb, np.abs(ea - eb)]).astype(np.float32)


def candidate_pairs(asks: list[AskInfo]) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(asks)) for j in range(i + 1, len(asks)) if asks[i].speaker != asks[j].speaker]


def first_stated(found: list[tuple[int, int, float]], asks: list[AskInfo]) -> list[tuple[int, int, float]]:
    """Each ask conflicts with at most one ask of each other speaker: the earliest of theirs that the
    scores put against it. People restate and rephrase their asks, and a restatement conflicts with
    whatever the first statement did; listing the same clash once per restatement buries the report.
    In the labelled meetings an ask has two conflicting asks from one other speaker in under 3% of
    conflicts, and data/dialogues/FORMAT.md judges conflicts "on the asks as first stated"."""
    hits = {(a, b) for a, b, _ in found} | {(b, a) for a, b, _ in found}

    def shadowed(x: int, y: int) -> bool:   # an earlier ask by x's speaker already conflicts with y
        return any((u, y) in hits for u in range(len(asks))
                   if asks[u].speaker == asks[x].speaker and asks[u].index < asks[x].index)

    return [(a, b, p) for a, b, p in found if not shadowed(a, b) and not shadowed(b, a)]


# In the training meetings 88% of the asks in a conflict are in exactly one and 99% in at most two
# (2,495 of 2,520), while the head, scoring pairs one by one, put some asks in three or four.
MAX_PER_ASK = 2


def strongest_per_ask(found: list[tuple[int, int, float]], k: int = MAX_PER_ASK) -> list[tuple[int, int, float]]:
    """At most `k` conflicts per ask, the highest-scoring ones (ties: the earlier listed); the
    rest keep their order."""
    deg: Counter = Counter()
    keep = set()
    for n, (a, b, _) in sorted(enumerate(found), key=lambda x: -x[1][2]):
        if deg[a] < k and deg[b] < k:
            keep.add(n)
            deg[a] += 1
            deg[b] += 1
    return [f for n, f in enumerate(found) if n in keep]


_FIGURE = re.compile(r"\d+(?:[.,]\d+)*\s*(?:k|m|bn|%|percent)?\b|\b(?:zero|one|two|three|four|five|six|seven|eight|"
                     r"nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|"
                     r"thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|half)\b")


def figures(text: str) -> frozenset:
    return frozenset(re.sub(r"\s+", "", f) for f in _FIGURE.findall(text.lower()))


def same_position(a: AskInfo, b: AskInfo) -> bool:
    """Both asks read as the same topic pushed the same way, in the same figures ("I need the price
    under 400k" said by two people): they agree, whatever the head made of two near-identical asks."""
    if a.topic != b.topic or not a.direction or a.direction != b.direction:
        return False
    fa = figures(a.text)
    return bool(fa) and fa == figures(b.text)


def decide(found: list[tuple[int, int, float]], asks: list[AskInfo]) -> list[tuple[int, int, float]]:
    """The analyzer's decision rule over the pairs that cleared the threshold: no pair of asks that
    want the same, each clash once, for the first-stated asks, then at most MAX_PER_ASK per ask."""
    found = [f for f in found if not same_position(asks[f[0]], asks[f[1]])]
    return strongest_per_ask(first_stated(found, asks))


_WANTS = {
    ("price", "less"): "a lower price", ("price", "more"): "a higher price or a larger contract",
    ("timeline", "more"): "more time", ("timeline", "less"): "a faster timeline",
    ("scope", "more"): "more scope", ("scope", "less"): "less scope",
    ("compliance", "more"): "stricter compliance", ("compliance", "less"): "lighter compliance",
    ("documentation", "more"): "more documentation", ("documentation", "less"): "less paperwork",
    ("process", "more"): "more process", ("process", "less"): "a lighter process",
    ("resources", "more"): "more resources", ("resources", "less"): "fewer resources",
    ("other", "more"): "more", ("other", "less"): "less",
}


def _gist(text: str, limit: int = 110) -> str:
    """The ask as said: the turn's ask sentences, not its opening ("Thanks for coming." or the reasons
    given first). Where they are long, the last of them that fit (a turn sets the scene, then asks),
    cut at a word where even the last is too long."""
    from .features import SENTENCE_END, ask_span

    sents = [x for x in SENTENCE_END.split(ask_span(" ".join(text.split()))) if x.strip()] or [""]
    t = sents.pop().strip()
    while sents and len(sents[-1]) + 1 + len(t) <= limit:
        t = f"{sents.pop().strip()} {t}"
    return t if len(t) <= limit else t[: limit - 1].rsplit(" ", 1)[0] + "…"


def wants(a: AskInfo) -> str:
    return _WANTS.get((a.topic, a.direction or ""), f"something on {a.topic}")


def reason(a: AskInfo, b: AskInfo, name_a: str, name_b: str) -> str:
    """One line naming both people and what each wants."""
    if a.topic == b.topic and opposite(a.direction, b.direction):
        return f'{name_a} wants {wants(a)} ("{_gist(a.text)}") while {name_b} wants {wants(b)} ("{_gist(b.text)}")'
    if a.topic == b.topic and a.direction == b.direction:
        # "a lower price, which clashes with … wanting a lower price" reads as nonsense: the head saw a
        # clash the read directions do not explain (one is misread, or two figures both "lower"), so
        # the asks' own words carry it
        return (f'{name_a} and {name_b} want different things on {a.topic}: "{_gist(a.text)}" against '
                f'"{_gist(b.text)}"')
    return (f'{name_a} wants {wants(a)} ("{_gist(a.text)}"), which clashes with {name_b} wanting '
            f'{wants(b)} ("{_gist(b.text)}")')
