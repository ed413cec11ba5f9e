"""Transcribers' sound marks ("[inaudible]", "(laughs)", "[crosstalk]") and the analyzer: a split's
meetings as written, with a mark put into a share of the turns at random, and the same marked
meetings read as the analyzer reads them (nlp/nonspeech.spoken_text).

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/sound_marks.py --split dev [--rate 0.4] [--json out.json]

Prints paraphrase, mirroring and ask F1, moves macro-F1, ask topic accuracy and conflict-pair F1
for each of the three readings.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import replace

from common import split_parser

MARKS = ["[inaudible]", "[crosstalk]", "(laughs)", "[laughter]", "[inaudible 00:12:31]", "(coughs)", "[pause]",
         "[background noise]", "(unintelligible)", "{disfmarker}"]


def marked(m, seed: int, rate: float):
    """The meeting with one mark inserted at a random word boundary of about `rate` of its turns."""
    rnd = random.Random(seed)
    turns = []
    for t in m.turns:
        text = t.text
        if rnd.random() < rate:
            words = text.split()
            words.insert(rnd.randint(0, len(words)), rnd.choice(MARKS))
            text = " ".join(words)
        turns.append(replace(t, text=text))
    return replace(m, turns=turns)


def main(argv: list[str] | None = None) -> int:
    ap = split_parser(__doc__)
    ap.add_argument("--rate", type=float, default=0.4, help="share of turns that get a mark")
    args = ap.parse_args(argv)
    from talkscan.nlp.analyzer import Analyzer
    from talkscan.nlp.dialogues import load_dir
    from talkscan.nlp.embed_cache import EmbeddingCache
    from talkscan.nlp.evaluate import evaluate
    from talkscan.nlp.nonspeech import spoken_text

    meetings = load_dir(args.data / args.split)
    if args.limit:
        meetings = meetings[: args.limit]
    with_marks = [marked(m, k, args.rate) for k, m in enumerate(meetings)]
    spoken = [replace(m, turns=[replace(t, text=spoken_text(t.text)) for t in m.turns]) for m in with_marks]
    analyzer, cache = Analyzer(), EmbeddingCache()
    rows = {}
    for name, data in (("as written", meetings), ("marked", with_marks), ("marked, read by the analyzer", spoken)):
        r = evaluate(analyzer, data, cache.encode)
        rows[name] = {"paraphrase": r["paraphrase"]["f1"], "mirroring": r["mirroring"]["f1"], "ask": r["ask"]["f1"],
                      "moves_macro_f1": r["moves_macro_f1"], "topic": r.get("ask_topic_accuracy"),
                      "conflicts": r["conflict"]["f1"]}
        print(f"{args.split} {name:30s} " + "  ".join(f"{k} {v:.3f}" for k, v in rows[name].items() if v is not None),
              flush=True)
    if args.json:
        args.json.write_text(json.dumps({"split": args.split, "rate": args.rate, "scores": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
