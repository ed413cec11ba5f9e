"""How much of the conflict-pair F1 is lost to ask topic and direction errors.

    HF_HUB_OFFLINE=1 python benchmarks/conflict_oracle.py [--split dev]

Runs the analyzer on each labelled meeting, then finds conflicts again among the asks it found,
with each found ask's topic (then also its direction) replaced by the gold ask's on that turn.
Prints end-to-end conflict-pair F1 for the three: what better topics and directions could buy.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "dialogues")
    ap.add_argument("--split", default="dev")
    a = ap.parse_args(argv)

    from talkscan.nlp.analyzer import Analyzer
    from talkscan.nlp.dialogues import load_dir
    from talkscan.nlp.embed_cache import EmbeddingCache
    from talkscan.nlp.evaluate import Tally, gold_pairs

    an, cache = Analyzer(), EmbeddingCache()
    meetings = load_dir(a.data / a.split)
    runs = {"as predicted": Tally(), "gold topic": Tally(), "gold topic and direction": Tally()}
    for m in meetings:
        emb = cache.encode(m.texts)
        res = an.analyze(m.speakers, m.texts, {s: s for s in m.speakers}, emb=emb, encode_fn=cache.encode)
        gold = gold_pairs(m)
        for name, tally in runs.items():
            asks = res.asks
            if name != "as predicted":
                asks = []
                for ask in res.asks:
                    g = [t for t in m.turns[ask.index].tags if t["type"] == "ask"]
                    if g:   # the gold ask of the same topic where the turn has two
                        g0 = next((t for t in g if t["topic"] == ask.topic), g[0])
                        gold_dir = name.endswith("direction")
                        # a gold label is certain: its probabilities go (the other's stay)
                        ask = dataclasses.replace(ask, topic=g0["topic"], topic_p=None, direction=(
                            g0.get("direction") if gold_dir else ask.direction),
                            direction_p=None if gold_dir else ask.direction_p)
                    asks.append(ask)
            found = {tuple(sorted((asks[x].index, asks[y].index))) for x, y, _ in an.find_conflicts(asks, emb)}
            tally.pairs("conflict", gold, found)
    print(f"{len(meetings)} {a.split} meetings, {sum(len(m.conflicts) for m in meetings)} gold conflicts")
    for name, tally in runs.items():
        f = tally.scores(meetings)["conflict"]
        print(f"  {name:<26} F1 {f['f1']:.3f}  P {f['precision']:.3f}  R {f['recall']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
