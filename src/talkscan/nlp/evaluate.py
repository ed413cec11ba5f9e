"""Scores of an Analyzer on labelled meetings, by the definitions of tags.md: per-move F1 (type,
and type + target for the moves that point at someone), ask topic and direction accuracy on the
asks found, and conflict-pair F1. Shared by the trainer (threshold tuning, dev metrics) and
benchmarks/nlp_eval.py."""

from __future__ import annotations

import random
from collections import Counter

from ..transcript import MOVES
from .augment import asr_degrade
from .conflicts import AskInfo
from .dialogues import Meeting


def degrade_meeting(m: Meeting, seed: int, strength: float = 1.0) -> list[str]:
    rng = random.Random(seed)
    return [asr_degrade(t, rng, strength) for t in m.texts]


def ask_cut_meeting(m: Meeting) -> list[str]:
    """The meeting's text with every turn that is only an ask cut to its ask sentences
    (features.ask_span). The training writers state nearly every ask in a long turn with its reasons
    (3,431 of 3,852 training asks run past 14 words), so models learnt that a short turn is no ask;
    people in meetings often say the ask alone ("IT needs twelve weeks.")."""
    from .features import ask_span

    return [ask_span(text) if {t.get("type") for t in turn.tags} == {"ask"} else text
            for turn, text in zip(m.turns, m.texts)]


def renderings(meetings: list[Meeting], copies: int, seed: int, ask_cuts: bool = False) -> list[list[list[str]]]:
    """Per meeting: its clean text, its ask-cut text (`ask_cuts`: ask_cut_meeting), then `copies`
    ASR renderings seeded by meeting index and copy. Training rows (train.build_rows) and the
    fine-tuning rows (utterance_data) both come from here, so the fine-tuned model's probabilities
    line up with the rows the trainer tunes on."""
    return [[m.texts] + ([ask_cut_meeting(m)] if ask_cuts else [])
            + [degrade_meeting(m, seed * 1000 + 7 * k + c) for c in range(copies)]
            for k, m in enumerate(meetings)]


def match_asks(gold: list[dict], pred: list) -> list[tuple[dict, object]]:
    """Pairs the predicted asks of one turn with its gold asks, same topic first: a turn may carry
    two asks ("all six depots, and before the January peak"), and a predicted ask is judged
    against the gold ask it names, not against whichever gold ask happens to be listed last."""
    left = list(gold)
    pairs, unmatched = [], []
    for p in pred:
        hit = next((g for g in left if g.get("topic") == p.topic), None)
        if hit is None:
            unmatched.append(p)
            continue
        left.remove(hit)
        pairs.append((hit, p))
    for p in unmatched:
        if left:
            pairs.append((left.pop(0), p))
    return pairs


def _f1(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def per_class_f1(gold: list[str], pred: list[str]) -> tuple[dict, float | None]:
    """F1 of each category present in `gold`, and their mean (macro-F1)."""
    per = {e: _f1(sum(g == e == p for g, p in zip(gold, pred)), sum(p == e != g for g, p in zip(gold, pred)),
                  sum(g == e != p for g, p in zip(gold, pred)))["f1"] for e in sorted(set(gold))}
    return per, (round(sum(per.values()) / len(per), 4) if per else None)


EVAL_SEED = 13


class Tally:
    """Counts behind the scores, filled one meeting at a time: by `evaluate` from the analyzer's
    output on text, and by benchmarks/asr_nlp_eval.py from a recording's report mapped onto the
    gold turns."""

    def __init__(self) -> None:
        self.c: Counter = Counter()
        self.topic_ok = self.topic_n = self.dir_ok = self.dir_n = 0
        self.emo_gold: list[str] = []
        self.emo_pred: list[str] = []

    def turns(self, m: Meeting, pred_tags: list[list]) -> None:
        """`pred_tags[i]`: the predicted tags (with .type, .target, .topic, .direction) of gold turn
        i; targets as the gold labels write them (turn index, speaker name)."""
        c = self.c
        for turn, tags in zip(m.turns, pred_tags):
            gold = {t["type"]: t for t in turn.tags}
            pred = {t.type: t for t in tags}
            for move in MOVES:
                g, p = move in gold, move in pred
                c[move, "tp"] += g and p
                c[move, "fp"] += p and not g
                c[move, "fn"] += g and not p
                if move in ("paraphrase", "mirroring", "emotional_labeling"):
                    hit = g and p and str(gold[move].get("target")) == str(pred[move].target)
                    c[move + "+target", "tp"] += hit
                    c[move + "+target", "fp"] += p and not hit
                    c[move + "+target", "fn"] += g and not hit
            for g, p in match_asks([t for t in turn.tags if t["type"] == "ask"], [t for t in tags if t.type == "ask"]):
                self.topic_n += 1
                self.topic_ok += g.get("topic") == p.topic
                self.dir_n += 1
                self.dir_ok += g.get("direction") == p.direction

    def pairs(self, key: str, gold: set, pred: set) -> None:
        self.c[key, "tp"] += len(gold & pred)
        self.c[key, "fp"] += len(pred - gold)
        self.c[key, "fn"] += len(gold - pred)

    def emotions(self, gold: list[str], pred: list[str]) -> None:
        self.emo_gold += gold
        self.emo_pred += pred

    @classmethod
    def merged(cls, tallies: list["Tally"]) -> "Tally":
        """One tally of several (a bootstrap resample of per-meeting tallies, say)."""
        out = cls()
        for t in tallies:
            out.c.update(t.c)
            out.topic_ok += t.topic_ok
            out.topic_n += t.topic_n
            out.dir_ok += t.dir_ok
            out.dir_n += t.dir_n
            out.emo_gold += t.emo_gold
            out.emo_pred += t.emo_pred
        return out

    def scores(self, meetings: list[Meeting]) -> dict:
        keys = list(MOVES) + [m + "+target" for m in ("paraphrase", "mirroring", "emotional_labeling")] + [
            "conflict", "conflict_given_gold_asks"]
        keys += [k for k in ("conflict_second_annotator", "conflict_given_gold_asks_second_annotator")
                 if any(self.c[k, x] for x in ("tp", "fp", "fn"))]
        out = {k: _f1(self.c[k, "tp"], self.c[k, "fp"], self.c[k, "fn"]) for k in keys}
        out["moves_macro_f1"] = round(sum(out[m]["f1"] for m in MOVES) / len(MOVES), 4)
        out["ask_topic_accuracy"] = round(self.topic_ok / self.topic_n, 4) if self.topic_n else None
        out["ask_direction_accuracy"] = round(self.dir_ok / self.dir_n, 4) if self.dir_n else None
        out["emotion_f1"], out["emotion_macro_f1"] = per_class_f1(self.emo_gold, self.emo_pred)
        out["meetings"] = len(meetings)
        out["turns"] = sum(len(m.turns) for m in meetings)
        return out


def gold_pairs(m: Meeting) -> set:
    return {tuple(sorted(p)) for p in m.conflicts}


def evaluate(analyzer, meetings: list[Meeting], encode_fn, degrade: bool = False, seed: int = EVAL_SEED) -> dict:
    """`encode_fn(texts) -> embeddings` lets callers use the embedding cache."""
    tally = Tally()
    for k, m in enumerate(meetings):
        texts = degrade_meeting(m, seed + k) if degrade else m.texts
        emb = encode_fn(texts)
        # one encoder pass gives the moves, asks and emotions (analyze, then emotions, took two)
        res, emotions = analyzer.analyze_with_emotions(m.speakers, texts, {s: s for s in m.speakers},
                                                       encode_fn=encode_fn)
        tally.turns(m, res.tags)
        tally.emotions([t.emotion for t in m.turns], [e.label for e in emotions])
        # The conflict head alone: scored on the gold asks with their gold topic and direction.
        gold_asks = [AskInfo(i, t.speaker, g["topic"], g.get("direction"), texts[i])
                     for i, t in enumerate(m.turns) for g in t.tags if g["type"] == "ask"]
        found = {tuple(sorted((gold_asks[a].index, gold_asks[b].index)))
                 for a, b, _ in analyzer.find_conflicts(gold_asks, emb)}
        gold = gold_pairs(m)
        pred = {tuple(sorted((res.asks[a].index, res.asks[b].index))) for a, b, _ in res.conflicts}
        tally.pairs("conflict_given_gold_asks", gold, found)
        tally.pairs("conflict", gold, pred)
        if m.second_conflicts is not None:   # the same, against a second annotator's conflicts
            second = {tuple(sorted(p)) for p in m.second_conflicts}
            tally.pairs("conflict_second_annotator", second, pred)
            tally.pairs("conflict_given_gold_asks_second_annotator", second, found)
    return tally.scores(meetings)
