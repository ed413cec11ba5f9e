"""Scores and speed of the analyzer (issue 3).

    HF_HUB_OFFLINE=1 python benchmarks/nlp_eval.py                 # dev split, clean + ASR-degraded
    HF_HUB_OFFLINE=1 python benchmarks/nlp_eval.py --qmsum         # + speed on ../shared/data/qmsum
    HF_HUB_OFFLINE=1 python benchmarks/nlp_eval.py --split test    # the independent writer's held-out meetings
    HF_HUB_OFFLINE=1 python benchmarks/nlp_eval.py --split train   # sanity check on training meetings

Dev scores: per-move F1 (type only, and type + target for paraphrase, mirroring, labeling), ask
topic and direction accuracy on the asks found, conflict-pair F1 (also against the second
annotator's conflicts where data/agreement has them for the split); the ASR rendering lowercases,
strips punctuation, runs sentences together and makes small word errors (talkscan.nlp.augment).
Speed: wall time of Analyzer.analyze (encoder included, no embedding cache) per qmsum meeting, and
on the first half of the longest one, to show that doubling the turns at most doubles the time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]


def qmsum_meetings(folder: Path) -> list[tuple[str, list[str], list[str]]]:
    out = []
    for p in sorted(folder.glob("*.json")):
        turns = json.loads(p.read_text())["meeting_transcripts"]
        speakers = [t["speaker"] for t in turns]
        texts = [re.sub(r"\{\w+\}", "", t["content"]).strip() or "…" for t in turns]
        out.append((p.stem, speakers, texts))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=Path, default=None)
    ap.add_argument("--data", type=Path, default=ROOT / "data" / "dialogues")
    ap.add_argument("--split", default="dev")
    ap.add_argument("--qmsum", action="store_true", help="also time the analyzer on ../shared/data/qmsum")
    ap.add_argument("--json", type=Path, default=None, help="write the scores here")
    a = ap.parse_args(argv)

    from talkscan.nlp.analyzer import Analyzer
    from talkscan.nlp.dialogues import load_dir, load_second_annotation
    from talkscan.nlp.embed_cache import EmbeddingCache
    from talkscan.nlp.evaluate import evaluate

    an = Analyzer(a.models)
    meetings = load_dir(a.data / a.split)
    # where a second annotator labelled the split, conflicts are scored against both annotations
    second = a.data.parent / "agreement" / f"{a.split}_second_annotator.json"
    if second.is_file():
        load_second_annotation(meetings, second)
    cache = EmbeddingCache()
    report: dict = {"models": an.model_names, "split": a.split}
    if meetings:
        report["clean"] = evaluate(an, meetings, cache.encode)
        report["asr"] = evaluate(an, meetings, cache.encode, degrade=True)
        for kind in ("clean", "asr"):
            r = report[kind]
            print(f"[{kind}] {r['meetings']} meetings, {r['turns']} turns")
            for k, v in r.items():
                if isinstance(v, dict) and "f1" in v:
                    print(f"  {k:28s} F1 {v['f1']:.3f}  P {v['precision']:.3f}  R {v['recall']:.3f}  n={v['support']}")
            print(f"  moves macro-F1 {r['moves_macro_f1']:.3f}  ask topic acc {r['ask_topic_accuracy']}  "
                  f"direction acc {r['ask_direction_accuracy']}  utterance emotion macro-F1 {r['emotion_macro_f1']}")
    else:
        print(f"no meetings in {a.data / a.split}", file=sys.stderr)
    if a.qmsum:
        folder = ROOT.parent / "shared" / "data" / "qmsum"
        if not folder.is_dir():
            print(f"skipping speed: {folder} is absent", file=sys.stderr)
        else:
            speed = []
            an.analyze(["A", "B"], ["warm up the encoder", "and spaCy"])
            for name, speakers, texts in qmsum_meetings(folder):
                t0 = time.perf_counter()
                res = an.analyze(speakers, texts)
                dt = time.perf_counter() - t0
                speed.append({"meeting": name, "turns": len(texts), "seconds": round(dt, 2),
                              "pair_evaluations": res.pair_evaluations})
                print(f"  {name:14s} {len(texts):5d} turns  {dt:6.2f} s  pairs {res.pair_evaluations}")
            name, speakers, texts = max(qmsum_meetings(folder), key=lambda m: len(m[2]))
            h = len(texts) // 2
            t0 = time.perf_counter()
            an.analyze(speakers[:h], texts[:h])
            half = time.perf_counter() - t0
            full = next(s["seconds"] for s in speed if s["meeting"] == name)
            print(f"  {name} half ({h} turns) {half:.2f} s, full {full:.2f} s: ratio {full / half:.2f}")
            report["speed"] = {"meetings": speed, "half": {"meeting": name, "turns": h, "seconds": round(half, 2)}}
    if a.json:
        a.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
