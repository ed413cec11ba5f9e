"""The analyzer judged the way issue 3's acceptance judges it: labelled meetings written out as
`.txt` transcripts (`Name: text`, one turn per line), run through the `talkscan run` command on
the folder, and each report.json scored against the gold labels.

    .venv/bin/python benchmarks/txt_eval.py                 # the test split (the independent writer)
    .venv/bin/python benchmarks/txt_eval.py --split dev --limit 10

This covers what nlp_eval.py skips: the .txt reader, the batch runner, the report writer and the
JSON round trip (tags, targets as utterance and speaker ids, asks, conflicts by ask id). It also
scores the same meetings in-process (nlp_eval.py's `evaluate`) and says whether the two agree;
they should, to the last turn, since a .txt turn is one utterance (a turn over 90 words would be
cut into several that share its `turn`: talkscan.long_turns; the labelled turns are all shorter). With 30 or 40 meetings a score
moves a few points with the meetings drawn, so each `talkscan run` score comes with a 90% interval
from resampling the meetings (`--bootstrap`, 1,000 draws).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import report_on_turns, split_parser  # noqa: E402

ROWS = ["paraphrase", "mirroring", "emotional_labeling", "similarity", "future_vision", "ask",
        "paraphrase+target", "mirroring+target", "emotional_labeling+target", "conflict"]
TOTALS = ["moves_macro_f1", "ask_topic_accuracy", "ask_direction_accuracy", "emotion_macro_f1"]


def write_txt(m, folder: Path) -> Path:
    path = folder / f"{m.id}.txt"
    path.write_text("".join(f"{t.speaker}: {' '.join(t.text.split())}\n" for t in m.turns))
    return path


def onto_turns(t) -> tuple[list[list], list[str], set]:
    """A report of a .txt transcript as gold-turn tags (targets as turn index and speaker name),
    emotions, and conflict pairs as turn pairs."""
    turn_of = {u.id: u.turn for u in t.utterances}
    n_turns = max(turn_of.values(), default=-1) + 1
    tags, pairs = report_on_turns(t, turn_of, {s.id: s.name for s in t.speakers}, n_turns)
    emotions = {}
    for u in t.utterances:   # a cut turn's emotion is its first piece's
        emotions.setdefault(u.turn, u.emotion.label if u.emotion else "neutral")
    return tags, [emotions[k] for k in range(n_turns)], pairs


def intervals(per_meeting: list, meetings: list, draws: int, seed: int = 0) -> dict[str, tuple[float, float]]:
    """5th and 95th percentile of each score over resamples of the meetings (with replacement)."""
    from talkscan.nlp.evaluate import Tally

    if draws <= 0:
        return {}
    rng = random.Random(seed)
    got: dict[str, list[float]] = {k: [] for k in ROWS + TOTALS}
    for _ in range(draws):
        pick = [rng.randrange(len(meetings)) for _ in meetings]
        s = Tally.merged([per_meeting[i] for i in pick]).scores([meetings[i] for i in pick])
        for k in got:
            v = s[k] if k in TOTALS else s[k]["f1"]
            if v is not None:
                got[k].append(v)
    out = {}
    for k, v in got.items():
        if v:
            v.sort()
            out[k] = (round(v[int(0.05 * (len(v) - 1))], 4), round(v[int(0.95 * (len(v) - 1))], 4))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = split_parser(__doc__)
    ap.add_argument("--bootstrap", type=int, default=1000, help="meeting resamples for the 90%% intervals (0: none)")
    a = ap.parse_args(argv)

    from talkscan.nlp.analyzer import Analyzer
    from talkscan.nlp.dialogues import load_dir
    from talkscan.nlp.embed_cache import EmbeddingCache
    from talkscan.nlp.evaluate import Tally, evaluate, gold_pairs
    from talkscan.transcript import Transcript

    meetings = load_dir(a.data / a.split)[: a.limit or None]
    with tempfile.TemporaryDirectory(prefix="talkscan-txt-eval-") as tmp:
        src, out = Path(tmp) / "in", Path(tmp) / "out"
        src.mkdir()
        for m in meetings:
            write_txt(m, src)
        cli = Path(sys.executable).with_name("talkscan")
        t0 = time.perf_counter()
        done = subprocess.run([str(cli), "run", str(src), "-o", str(out)], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            sys.exit(f"talkscan run failed ({done.returncode}):\n{done.stderr[-2000:]}")
        per_meeting = []
        for m in meetings:
            t = Transcript.from_dict(json.loads((out / m.id / "report.json").read_text()))
            said = {}
            for u in t.utterances:
                said[u.turn] = f"{said[u.turn]} {u.text}" if u.turn in said else u.text
            if [said.get(k) for k in range(len(m.texts))] != [" ".join(x.split()) for x in m.texts]:
                sys.exit(f"{m.id}: the report's utterances are not the .txt turns")
            tags, emotions, pairs = onto_turns(t)
            one = Tally()
            one.turns(m, tags)
            one.emotions([x.emotion for x in m.turns], emotions)
            one.pairs("conflict", gold_pairs(m), pairs)
            per_meeting.append(one)
    report = {"split": a.split, "meetings": [m.id for m in meetings], "talkscan_run_s": round(wall, 1),
              "talkscan_run": Tally.merged(per_meeting).scores(meetings),
              "interval_90": intervals(per_meeting, meetings, a.bootstrap)}
    cache = EmbeddingCache()
    report["in_process"] = evaluate(Analyzer(), meetings, cache.encode)
    differ = [k for k in ROWS if report["talkscan_run"][k] != report["in_process"][k]] + [
        k for k in TOTALS if report["talkscan_run"][k] != report["in_process"][k]]
    print(f"{len(meetings)} {a.split} meetings, {sum(len(m.turns) for m in meetings)} turns; "
          f"`talkscan run` on the folder took {wall:.0f} s")
    ci = report["interval_90"]
    print(f"  {'':28} {'talkscan run':>12} {'90% interval':>14} {'in-process':>11}")
    for k in ROWS + TOTALS:
        r, p = report["talkscan_run"][k], report["in_process"][k]
        r, p, extra = (r, p, "") if k in TOTALS else (r["f1"], p["f1"], f"P {r['precision']:.3f} R {r['recall']:.3f} n={r['support']}")
        band = f"{ci[k][0]:.3f}-{ci[k][1]:.3f}" if k in ci else ""
        print(f"  {k:28} {r:12.3f} {band:>14} {p:11.3f}   {extra}")
    print("the two agree" if not differ else f"the two differ on: {', '.join(differ)}")
    if a.json:
        a.json.write_text(json.dumps(report, indent=1))
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
