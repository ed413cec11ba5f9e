"""How the shape of a turn changes what the analyzer finds: turns cut into subtitle cues, and long turns.

    .venv/bin/python benchmarks/turn_shape.py --split dev cues --words 14   # analysed cue by cue, as Zoom/Teams cut them
    .venv/bin/python benchmarks/turn_shape.py --split dev long              # every third turn ~110 words, whole vs cut

`cues`: every turn of the labelled meetings is cut at sentence ends into cues of at most --words
words (a longer sentence is cut inside), each cue analysed as an utterance of its own, and the cues'
tags gathered back onto their turn. Compare with nlp_eval.py on the same split (the turns whole):
that gap is why the readers join one speaker's cues (readers/common.join_cues).

`long`: every third turn gets about --pre words of untagged training turns (from every seventh
training meeting) put before it, then the meeting is analysed with those turns whole and with them
cut by talkscan.long_turns. Scored on the lengthened turns alone: ask precision, recall and F1 at the
turn level and topic accuracy of the asks found.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import split_parser, write_json  # noqa: E402


def cue_texts(text: str, words: int) -> list[str]:
    """A turn as a captioner cuts it: sentences, a long one cut every `words` words, short ones run together."""
    pieces: list[list[str]] = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        w = sentence.split()
        while len(w) > words:
            pieces.append(w[:words])
            w = w[words:]
        if w:
            pieces.append(w)
    out: list[list[str]] = []
    for p in pieces:
        if out and len(out[-1]) + len(p) <= words:
            out[-1] = out[-1] + p
        else:
            out.append(list(p))
    return [" ".join(p) for p in out]


def analysed_in_pieces(analyzer, speakers, pieces_of, encode_fn):
    """Analyse each turn as the pieces `pieces_of(turn index, text)` gives, and gather the tags,
    asks and conflicts back onto turns."""
    sp, tx, owner = [], [], []
    for i, (s, pieces) in enumerate(zip(speakers, pieces_of)):
        for p in pieces:
            sp.append(s)
            tx.append(p)
            owner.append(i)
    res = analyzer.analyze(sp, tx, {s: s for s in sp}, encode_fn=encode_fn)
    per_turn: list[list] = [[] for _ in speakers]
    for j, tags in enumerate(res.tags):
        for t in tags:
            if t.type in ("paraphrase", "mirroring") and t.target is not None:
                t = replace(t, target=str(owner[int(t.target)]))
            if t.type != "ask" and any(x.type == t.type for x in per_turn[owner[j]]):
                continue
            per_turn[owner[j]].append(t)
    pairs = {tuple(sorted((owner[res.asks[a].index], owner[res.asks[b].index]))) for a, b, _ in res.conflicts}
    return per_turn, {p for p in pairs if p[0] != p[1]}


def run_cues(analyzer, meetings, words: int, encode_fn) -> dict:
    from talkscan.nlp.evaluate import Tally

    tally = Tally()
    n_cues = 0
    for m in meetings:
        pieces = [cue_texts(t, words) for t in m.texts]
        n_cues += sum(map(len, pieces))
        per_turn, pairs = analysed_in_pieces(analyzer, m.speakers, pieces, encode_fn)
        tally.turns(m, per_turn)
        tally.pairs("conflict", {tuple(sorted(p)) for p in m.conflicts}, pairs)
    s = tally.scores(meetings)
    keep = ("paraphrase", "mirroring", "emotional_labeling", "similarity", "future_vision", "ask", "conflict")
    return {"cue_words": words, "cues": n_cues, "turns": s["turns"], "moves_macro_f1": s["moves_macro_f1"],
            "ask_topic_accuracy": s["ask_topic_accuracy"], "ask_direction_accuracy": s["ask_direction_accuracy"],
            **{k: s[k]["f1"] for k in keep}}


def run_long(analyzer, meetings, filler: list[str], pre: int, encode_fn) -> dict:
    from talkscan.long_turns import piece_sizes

    counts = {"whole": Counter(), "cut": Counter()}
    for m in meetings:
        texts = list(m.texts)
        lengthened = [i for i in range(len(texts)) if i % 3 == 2]
        for i in lengthened:
            before, k = [], 0
            while sum(len(b.split()) for b in before) < pre:
                before.append(filler[(i + k + len(m.id)) % len(filler)])
                k += 1
            texts[i] = " ".join(before + [texts[i]])
        for mode, c in counts.items():
            def pieces(t: str) -> list[str]:
                w = t.split()
                sizes, out, k = (piece_sizes(w) if mode == "cut" else [len(w)]), [], 0
                for z in sizes:
                    out.append(" ".join(w[k:k + z]))
                    k += z
                return out

            per_turn, _ = analysed_in_pieces(analyzer, m.speakers, [pieces(t) for t in texts], encode_fn)
            for i in lengthened:
                gold = [g["topic"] for g in m.turns[i].tags if g["type"] == "ask"]
                found = [t.topic for t in per_turn[i] if t.type == "ask"]
                c["tp"] += bool(gold and found)
                c["fp"] += bool(found and not gold)
                c["fn"] += bool(gold and not found)
                c["topic_ok"] += bool(gold and found and found[-1] in gold)
                c["words"] += len(texts[i].split())
                c["turns"] += 1
    out = {}
    for mode, c in counts.items():
        p = c["tp"] / max(1, c["tp"] + c["fp"])
        r = c["tp"] / max(1, c["tp"] + c["fn"])
        out[mode] = {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / max(1e-9, p + r), 3),
                     "topic_accuracy": round(c["topic_ok"] / max(1, c["tp"]), 3), **dict(c)}
    out["mean_words"] = round(counts["whole"]["words"] / max(1, counts["whole"]["turns"]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = split_parser(__doc__)
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("cues", help="turns cut into subtitle cues, analysed cue by cue")
    c.add_argument("--words", type=int, default=14, help="longest cue, in words")
    lo = sub.add_parser("long", help="every third turn lengthened, analysed whole and cut")
    lo.add_argument("--pre", type=int, default=90, help="words put before each lengthened turn")
    a = ap.parse_args(argv)

    from talkscan.nlp.analyzer import Analyzer
    from talkscan.nlp.dialogues import load_dir
    from talkscan.nlp.embed_cache import EmbeddingCache

    meetings = load_dir(a.data / a.split)[: a.limit or None]
    analyzer, cache = Analyzer(), EmbeddingCache()
    if a.what == "cues":
        out = run_cues(analyzer, meetings, a.words, cache.encode)
    else:
        filler = [t.text for m in load_dir(a.data / "train")[::7] for t in m.turns
                  if not t.tags and 12 <= len(t.text.split()) <= 40 and "?" not in t.text]
        out = run_long(analyzer, meetings, filler, a.pre, cache.encode)
    out = {"split": a.split, "meetings": len(meetings), "what": a.what, **out}
    print(out)
    write_json(a.json, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
