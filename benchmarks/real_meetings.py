"""The analyzer on real meetings: QMSum's transcripts against blind labels.

    HF_HUB_OFFLINE=1 python benchmarks/real_meetings.py [--json FILE]

Every other score of the card comes from meetings the project's writers wrote. These five are real
(../shared/data/qmsum: ICSI research meetings, an AMI design meeting, two parliamentary committees),
disfluent, and not negotiations. `data/realspeech/qmsum_labels.json` labels every turn, by
annotators who read only tags.md's definitions (and FORMAT.md's topic rules) and the transcript,
never the analyzer's output (turn indices only: the text stays in ../shared/data). Two passes, by
different annotators: `restatements` (paraphrase and mirroring, with their target) and `moves` (asks
with topic and direction, emotional labeling, similarity, future vision). A turn an annotator marked
unsure for a move is left out of that move's score. Prints, per meeting and in all, what was found
and labelled, F1 per move (restatements also with the target right) and, on the labelled asks that
were found, topic and direction accuracy.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
RESTATEMENTS = ("paraphrase", "mirroring")
MOVES = ("ask", "emotional_labeling", "similarity", "future_vision")


def score(found: dict[int, tuple[str, int]], gold: dict[int, tuple[str, int]], unsure: set[int]) -> dict:
    """Restatements: per kind, true positives by type, by type and target, false positives and
    negatives; `found` and `gold` map a turn to (kind, target)."""
    out = {}
    for kind in RESTATEMENTS:
        f = {i: j for i, (k, j) in found.items() if k == kind and i not in unsure}
        g = {i: j for i, (k, j) in gold.items() if k == kind and i not in unsure}
        tp = len(f.keys() & g.keys())
        out[kind] = {"tp": tp, "tp_target": sum(f[i] == g[i] for i in f.keys() & g.keys()),
                     "fp": len(f) - tp, "fn": len(g) - tp}
    return out


def score_moves(found: list[dict], gold: list[dict], unsure: list[dict]) -> dict:
    """The other moves, by turn: {"turn", "type", and for asks "topic", "direction"} records. An ask
    found on a labelled ask turn counts its topic (and direction) right when one of that turn's
    labelled asks has it."""
    out = {}
    for kind in MOVES:
        skip = {u["turn"] for u in unsure if u["type"] == kind}
        f = {t["turn"] for t in found if t["type"] == kind} - skip
        g = {t["turn"] for t in gold if t["type"] == kind} - skip
        out[kind] = {"tp": len(f & g), "fp": len(f - g), "fn": len(g - f)}
    asks_f = {}
    for t in found:
        if t["type"] == "ask":
            asks_f.setdefault(t["turn"], []).append(t)
    both = {t["turn"] for t in gold if t["type"] == "ask"} & asks_f.keys()
    both -= {u["turn"] for u in unsure if u["type"] == "ask"}
    right = {"topic": 0, "direction": 0}
    for i in both:
        labelled = [t for t in gold if t["type"] == "ask" and t["turn"] == i]
        for key in right:
            right[key] += any(f[key] == g[key] for f in asks_f[i] for g in labelled)
    out["ask_reading"] = {"asks": len(both), **right}
    return out


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _line(kind: str, c: dict) -> str:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    s = f"all: {kind:18s} F1 {f1(c['tp'], c['fp'], c['fn']):.3f}  P {p:.3f}  R {r:.3f}"
    if "tp_target" in c:
        wrong = c["tp"] - c["tp_target"]
        s += f"  with target F1 {f1(c['tp_target'], c['fp'] + wrong, c['fn'] + wrong):.3f}"
    return s + f"  (found {c['tp'] + c['fp']}, labelled {c['tp'] + c['fn']})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=None)
    ap.add_argument("--labels", type=Path, default=ROOT / "data" / "realspeech" / "qmsum_labels.json")
    ap.add_argument("--qmsum", type=Path, default=ROOT.parent / "shared" / "data" / "qmsum")
    ap.add_argument("--json", type=Path, default=None, help="write the counts here")
    a = ap.parse_args(argv)
    if not a.qmsum.is_dir():
        print(f"{a.qmsum}: not found (the shared data folder)", file=sys.stderr)
        return 2

    from nlp_eval import qmsum_meetings
    from talkscan.nlp.analyzer import Analyzer
    from talkscan.nlp.embed_cache import EmbeddingCache

    labels = json.loads(a.labels.read_text())["meetings"]
    an, cache = Analyzer(a.models), EmbeddingCache()
    total: dict[str, dict] = {}   # the meetings' counts, summed
    report = {"models": an.model_names, "meetings": {}}
    for name, speakers, texts in qmsum_meetings(a.qmsum):
        lab = labels[name]
        if lab["turns"] != len(texts):
            print(f"{name}: the labels cover {lab['turns']} turns, the transcript has {len(texts)}", file=sys.stderr)
            return 2
        res = an.analyze(speakers, texts, emb=cache.encode(texts), encode_fn=cache.encode)
        found = {i: (t.type, int(t.target)) for i, tags in enumerate(res.tags) for t in tags if t.type in RESTATEMENTS}
        rs = lab["restatements"]
        s = score(found, {i: (k, j) for i, k, j in rs["tags"]}, {i for i, _, _ in rs["unsure"]})
        moves = [{"turn": i, "type": t.type, "topic": t.topic, "direction": t.direction or "null"}
                 for i, tags in enumerate(res.tags) for t in tags if t.type in MOVES]
        s |= score_moves(moves, lab["moves"]["tags"], lab["moves"]["unsure"])
        report["meetings"][name] = s
        for k, c in s.items():
            t = total.setdefault(k, dict.fromkeys(c, 0))
            for key in c:
                t[key] += c[key]
        print(f"{name:12s} {len(texts):5d} turns  " + "  ".join(
            f"{k} {s[k]['tp'] + s[k]['fp']}/{s[k]['tp'] + s[k]['fn']}/{s[k]['tp']}" for k in RESTATEMENTS + MOVES)
            + "  (found/labelled/both)")
    for k in RESTATEMENTS + MOVES:
        print(_line(k, total[k]))
    r = total["ask_reading"]
    if r["asks"]:
        print(f"all: on {r['asks']} labelled asks found: topic accuracy {r['topic'] / r['asks']:.3f}, "
              f"direction accuracy {r['direction'] / r['asks']:.3f}")
    report["all"] = total
    if a.json:
        a.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
