"""How far two people agree on the test split, and how far the analyzer agrees with each (issue 3).

    HF_HUB_OFFLINE=1 python benchmarks/agreement.py            # annotators, then the analyzer
    HF_HUB_OFFLINE=1 python benchmarks/agreement.py --no-model # annotators only (instant)
    HF_HUB_OFFLINE=1 python benchmarks/agreement.py --split dev    # the training writers' dev meetings

data/dialogues/test is writer w10's annotation; data/agreement/test_second_annotator.json is a second
annotator's, made blind to w10's topics, conflicts and emotions (given only which turns are asks).
The train and dev splits have second annotations of topics, directions and conflicts made the same way
(data/agreement/{train,dev}_second_annotator.json).
Their agreement is the ceiling a model can show on this split: where two careful people differ,
neither label is an error. Measures, with A as the reference:
- ask topic and direction: on turns both call asks, B's label is right if it matches one of A's
  asks of that turn (evaluate.match_asks, as the analyzer is scored);
- conflict pairs: F1 of B's pairs against A's;
- utterance emotion: macro-F1 over the categories present in A.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Labels:
    asks: dict[tuple[str, int], list]          # (meeting, turn) -> [(topic, direction)]
    conflicts: set[tuple[str, int, int]]
    emotions: list[str]


def from_meetings(meetings) -> Labels:
    asks = {(m.id, i): [(t["topic"], t.get("direction")) for t in turn.tags if t["type"] == "ask"]
            for m in meetings for i, turn in enumerate(m.turns)}
    return Labels({k: v for k, v in asks.items() if v},
                  {(m.id, *sorted(c)) for m in meetings for c in m.conflicts},
                  [t.emotion for m in meetings for t in m.turns])


def from_second(doc: dict, meetings) -> Labels:
    asks, conflicts, emotions = {}, set(), []
    for m in meetings:
        r = doc["meetings"][m.id]
        # one ask per turn ({...}), or a list where a turn makes two
        asks.update({(m.id, int(i)): [(x["topic"], x["direction"]) for x in (a if isinstance(a, list) else [a])]
                     for i, a in r["asks"].items()})
        conflicts |= {(m.id, *sorted(c)) for c in r["conflicts"]}
        emotions += r.get("emotions", [])   # the train and dev annotations label asks and conflicts only
    return Labels(asks, conflicts, emotions)


def from_analyzer(meetings) -> Labels:
    from talkscan.nlp.analyzer import Analyzer

    an = Analyzer()
    asks, conflicts, emotions = {}, set(), []
    for m in meetings:
        res, emos = an.analyze_with_emotions(m.speakers, m.texts)
        for a in res.asks:
            asks.setdefault((m.id, a.index), []).append((a.topic, a.direction))
        conflicts |= {(m.id, *sorted((res.asks[x].index, res.asks[y].index))) for x, y, _ in res.conflicts}
        emotions += [e.label for e in emos]
    return Labels(asks, conflicts, emotions)


def compare(ref: Labels, other: Labels) -> dict:
    from talkscan.nlp.evaluate import _f1, match_asks, per_class_f1
    from talkscan.transcript import Tag

    n = topic = direction = 0
    for key, gold in ref.asks.items():
        pred = [Tag(type="ask", topic=t, direction=d) for t, d in other.asks.get(key, [])]
        for g, p in match_asks([{"topic": t, "direction": d} for t, d in gold], pred):
            n += 1
            topic += g["topic"] == p.topic
            direction += g["direction"] == p.direction
    tp = len(ref.conflicts & other.conflicts)
    return {"ask_turns_compared": n,
            "topic_agreement": round(topic / n, 4) if n else None,
            "direction_agreement": round(direction / n, 4) if n else None,
            "conflict_f1": _f1(tp, len(other.conflicts) - tp, len(ref.conflicts) - tp)["f1"],
            "emotion_macro_f1": per_class_f1(ref.emotions, other.emotions)[1] if ref.emotions and other.emotions else None,
            "neutral_share": round(other.emotions.count("neutral") / len(other.emotions), 3) if other.emotions else None}


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from talkscan.nlp.dialogues import load_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="test", help="test (w10), or dev / train (the training writers)")
    ap.add_argument("--second", type=Path, default=None, help="default: data/agreement/SPLIT_second_annotator.json")
    ap.add_argument("--no-model", action="store_true", help="compare the two annotations only")
    ap.add_argument("--json", type=Path, help="write the figures here")
    a = ap.parse_args(argv)
    meetings = load_dir(ROOT / "data" / "dialogues" / a.split)
    path = a.second or ROOT / "data" / "agreement" / f"{a.split}_second_annotator.json"
    writer = from_meetings(meetings)
    second = from_second(json.loads(path.read_text()), meetings)
    name = "w10" if a.split == "test" else "writers"
    rows = {f"second annotator vs {name}": compare(writer, second), f"{name} vs second annotator": compare(second, writer)}
    if not a.no_model:
        model = from_analyzer(meetings)
        rows[f"analyzer vs {name}"] = compare(writer, model)
        rows["analyzer vs second annotator"] = compare(second, model)
    print(f"{'':32} {'topic':>6} {'dir':>6} {'confl':>6} {'emotion':>8} {'neutral':>8}")
    for name, r in rows.items():
        cells = [str("-" if r[k] is None else r[k]) for k in
                 ("topic_agreement", "direction_agreement", "conflict_f1", "emotion_macro_f1", "neutral_share")]
        print(f"{name:32} " + " ".join(f"{c:>{w}}" for c, w in zip(cells, (6, 6, 6, 8, 8))))
    if a.json:
        a.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
