"""Which conflicts the conflict head finds: same topic pushed both ways, or asks on different topics.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/conflict_kinds.py --split test [--split dev …]

On each split's gold asks (gold topics and directions, as `nlp_eval.py`'s "conflicts on gold asks"),
the head's pairs and the labelled ones are grouped by the two asks: the same topic in opposite
directions, the same topic otherwise, or different topics (tags.md's "kick off Monday" against "no
kickoff before the four-week review"). Prints, per kind, the labelled conflicts, those found, and
the pairs found that are not labelled.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
KINDS = ("same topic, opposite", "same topic, other", "different topics")


def kind(a: list, b: list) -> str:
    if any(x.topic == y.topic and x.direction and y.direction and x.direction != y.direction for x in a for y in b):
        return KINDS[0]
    return KINDS[1] if any(x.topic == y.topic for x in a for y in b) else KINDS[2]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "dialogues")
    ap.add_argument("--split", action="append", default=None, help="repeatable; default test")
    a = ap.parse_args(argv)

    from talkscan.nlp.analyzer import Analyzer
    from talkscan.nlp.conflicts import AskInfo
    from talkscan.nlp.dialogues import load_dir
    from talkscan.nlp.embed_cache import EmbeddingCache
    from talkscan.nlp.evaluate import gold_pairs

    an, cache = Analyzer(), EmbeddingCache()
    print(f"{'split':<8} {'kind':<22} {'labelled':>8} {'found':>6} {'extra':>6}")
    for split in a.split or ["test"]:
        c: Counter = Counter()
        for m in load_dir(a.data / split):
            asks = [AskInfo(i, t.speaker, g["topic"], g.get("direction"), m.texts[i])
                    for i, t in enumerate(m.turns) for g in t.tags if g["type"] == "ask"]
            on_turn: dict[int, list] = {}
            for ask in asks:
                on_turn.setdefault(ask.index, []).append(ask)
            found = {tuple(sorted((asks[x].index, asks[y].index)))
                     for x, y, _ in an.find_conflicts(asks, cache.encode(m.texts))}
            gold = gold_pairs(m)
            for p in gold | found:
                k = kind(on_turn.get(p[0], []), on_turn.get(p[1], []))
                c[k, "labelled"] += p in gold
                c[k, "found"] += p in gold and p in found
                c[k, "extra"] += p in found and p not in gold
        for k in KINDS:
            print(f"{split:<8} {k:<22} {c[k, 'labelled']:>8} {c[k, 'found']:>6} {c[k, 'extra']:>6}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
