"""Batch throughput: `run_batch` on a folder of recordings with 1 and with 2 local workers.

    .venv/bin/python benchmarks/batch.py --json /tmp/talkscan-bench/batch.json
    .venv/bin/python benchmarks/batch.py --quick

The folder (in /tmp/talkscan-bench/batch-in) holds the sample meeting and meetings of a few minutes
built from public clips (common.built_meeting, different shuffles). Each worker count runs in a
fresh process with force=True, so both pay their own model loading (workers=1 loads in-process,
workers=N in each spawned worker): the wall time is what a user waits for. Memory is the summed
RSS of the process tree, sampled every 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    SAMPLE,
    LoadSampler,
    WORK,
    TreeRssSampler,
    audio_seconds,
    encode_m4a,
    machine,
    meeting_audio,
    progress_to_stderr,
    run_child,
    table,
    write_json,
)


def build_folder(n_built: int, minutes: float) -> Path:
    folder = WORK / f"batch-in-{n_built}x{minutes:g}"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / SAMPLE.name).is_file():
        shutil.copyfile(SAMPLE, folder / SAMPLE.name)
    for k in range(n_built):
        p = folder / f"meeting-{k + 1}.m4a"
        if not p.is_file():
            encode_m4a(meeting_audio(minutes, seed=k + 1), p)
    return folder


def child(folder: Path, workers: int, threads: int) -> dict:
    from talkscan.asr import AsrOptions
    from talkscan.batch import BatchOptions, run_batch
    from talkscan.pipeline import RunOptions, collect_inputs

    from talkscan.nlp.analyzer import default_models_dir

    files = collect_inputs(folder)
    # Until the trained heads land, time everything else rather than fail every file.
    nlp = (default_models_dir() / "moves.safetensors").is_file() and (default_models_dir() / "emotion.json").is_file()
    out = WORK / f"batch-out-w{workers}"
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    with TreeRssSampler() as mem:
        result = run_batch(files, out, RunOptions(asr=AsrOptions(threads=threads), analyze=nlp),
                           BatchOptions(workers=workers, force=True))
    wall = time.perf_counter() - t0
    audio = sum(audio_seconds(f) for f in files)
    return {
        "workers": workers,
        "threads": threads,
        "nlp": nlp,
        "files": len(files),
        "done": len(result.done),
        "failed": [[str(p), m] for p, m in result.failed],
        "audio_s": round(audio, 1),
        "wall_s": round(wall, 2),
        "files_per_min": 60 * len(result.done) / wall,
        "rtf": audio / wall,
        "peak_tree_rss_mb": round(mem.peak_mb, 1),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: the sample and one 1-minute meeting")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--workers", type=int, nargs="*", default=[1, 2])
    ap.add_argument("--files", type=int, default=2, help="built meetings besides the sample (default 2)")
    ap.add_argument("--minutes", type=float, default=2.0, help="length of each built meeting (default 2)")
    ap.add_argument("--threads", type=int, default=0, help="Whisper threads per worker (0: CTranslate2 default)")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(Path(args.folder), args.child, args.threads)))
        return 0

    say = progress_to_stderr(not args.quiet)
    n, minutes = (1, 1.0) if args.quick else (args.files, args.minutes)
    say(f"building the folder: the sample + {n} x {minutes:g} min …")
    folder = build_folder(n, minutes)
    env = machine()
    say(f"machine: {env}")
    rows = []
    for w in args.workers:
        say(f"workers={w} …")
        with LoadSampler() as load:
            r = run_child(Path(__file__), ["--child", str(w), "--folder", str(folder), "--threads", str(args.threads)])
        r["load"], r["loadavg"] = load.summary(), load.text()
        if r["failed"]:
            say(f"  failed: {r['failed']}")
        rows.append(r)
        say(f"  {r['wall_s']:.1f} s, {r['rtf']:.2f}x real time" + ("" if r["nlp"] else " (NLP skipped: models/ lacks the heads)"))
    base = rows[0]["wall_s"] if rows else None
    for r in rows:
        r["speedup"] = base / r["wall_s"] if base else None
    print(table(rows, [("workers", "workers"), ("files", "files"), ("done", "done"), ("audio_s", "audio s"),
                       ("wall_s", "wall s"), ("files_per_min", "files/min"), ("rtf", "x real time"),
                       ("speedup", "speedup"), ("peak_tree_rss_mb", "peak MiB (tree)"), ("loadavg", "load avg")],
                "run_batch throughput (model loading included, force=True)"))
    write_json(args.json, {"benchmark": "batch", "machine": env, "machine_after": machine(), "folder": str(folder),
                           "results": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
