"""Paraphrase and mirroring on real meetings: the analyzer against blind labels of QMSum's transcripts.

    HF_HUB_OFFLINE=1 python benchmarks/real_restatements.py [--json FILE]

Every other score of the card comes from meetings the project's writers wrote. These five are real
(../shared/data/qmsum: ICSI research meetings, an AMI design meeting, two parliamentary committees),
disfluent, and not negotiations. `data/realspeech/qmsum_restatements.json` holds paraphrase and
mirroring labels for every turn, made by annotators who read only tags.md's definitions and the
transcript, never the analyzer's output (turn indices only: the text stays in ../shared/data).
Turns an annotator marked unsure are left out of the scores. Prints, per meeting and in all, the
tags found and F1 by type (and with the target right).
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
KINDS = ("paraphrase", "mirroring")


def load_labels(path: Path) -> dict:
    return json.loads(path.read_text())["meetings"]


def score(found: dict[int, tuple[str, int]], gold: dict[int, tuple[str, int]], unsure: set[int]) -> dict:
    """Counts per kind: true positives by type, by type and target, false positives, false negatives."""
    out = {}
    for kind in KINDS:
        f = {i: j for i, (k, j) in found.items() if k == kind and i not in unsure}
        g = {i: j for i, (k, j) in gold.items() if k == kind and i not in unsure}
        tp = len(f.keys() & g.keys())
        out[kind] = {"tp": tp, "tp_target": sum(f[i] == g[i] for i in f.keys() & g.keys()),
                     "fp": len(f) - tp, "fn": len(g) - tp}
    return out


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=None)
    ap.add_argument("--labels", type=Path, default=ROOT / "data" / "realspeech" / "qmsum_restatements.json")
    ap.add_argument("--qmsum", type=Path, default=ROOT.parent / "shared" / "data" / "qmsum")
    ap.add_argument("--json", type=Path, default=None, help="write the counts here")
    a = ap.parse_args(argv)
    if not a.qmsum.is_dir():
        print(f"{a.qmsum}: not found (the shared data folder)", file=sys.stderr)
        return 2

    from nlp_eval import qmsum_meetings
    from talkscan.nlp.analyzer import Analyzer
    from talkscan.nlp.embed_cache import EmbeddingCache

    labels = load_labels(a.labels)
    an, cache = Analyzer(a.models), EmbeddingCache()
    total = {k: {"tp": 0, "tp_target": 0, "fp": 0, "fn": 0} for k in KINDS}
    report = {"models": an.model_names, "meetings": {}}
    for name, speakers, texts in qmsum_meetings(a.qmsum):
        lab = labels[name]
        if lab["turns"] != len(texts):
            print(f"{name}: the labels cover {lab['turns']} turns, the transcript has {len(texts)}", file=sys.stderr)
            return 2
        res = an.analyze(speakers, texts, emb=cache.encode(texts), encode_fn=cache.encode)
        found = {i: (t.type, int(t.target)) for i, tags in enumerate(res.tags) for t in tags if t.type in KINDS}
        gold = {i: (k, j) for i, k, j in lab["tags"]}
        s = score(found, gold, {i for i, _, _ in lab["unsure"]})
        report["meetings"][name] = s
        line = []
        for k in KINDS:
            for c in total[k]:
                total[k][c] += s[k][c]
            line.append(f"{k} found {s[k]['tp'] + s[k]['fp']:3d} labelled {s[k]['tp'] + s[k]['fn']:3d} "
                        f"right {s[k]['tp']:3d}")
        print(f"{name:12s} {len(texts):5d} turns  " + "  ".join(line))
    for k in KINDS:
        c = total[k]
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        print(f"all: {k:10s} F1 {f1(c['tp'], c['fp'], c['fn']):.3f}  P {p:.3f}  R {r:.3f}  "
              f"with target F1 {f1(c['tp_target'], c['fp'] + c['tp'] - c['tp_target'], c['fn'] + c['tp'] - c['tp_target']):.3f}"
              f"  (found {c['tp'] + c['fp']}, labelled {c['tp'] + c['fn']})")
    report["all"] = total
    if a.json:
        a.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
