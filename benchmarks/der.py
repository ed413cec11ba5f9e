"""Diarization error rate (DER) of talkscan.diarize on the public references in ../shared/data/diarization.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python benchmarks/der.py [--set train|dev|sample|all] [--json out.json]

Files: sample.wav (+ sample.rttm, 2 speakers, scored over the whole file) and the AMI clips
ami/trn00–09 (train list, the only ones to tune on) and ami/dev00–01 (development list), scored
inside their .uem regions. Speech regions come from Silero VAD (faster-whisper's), or, with
`--speech oracle`, from the reference itself (isolates the clustering from the VAD).

DER with pyannote.metrics, overlap scored (not skipped), at two collars: none, and the NIST
±0.25 s around every reference boundary (pyannote `collar=0.5`, its collar being the total width).
Speaker count: estimated speakers against reference speakers inside the scored region.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict, fields
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "diarization"

# Silero VAD settings for diarization: faster-whisper's defaults (2 s min silence, 400 ms pad)
# glue different speakers' turns together, and its 0.5 threshold misses far-field AMI speech
# (no speech at all found in trn01, trn02); these were chosen on the train clips.
VAD = dict(threshold=0.3, min_silence_duration_ms=300, speech_pad_ms=100, min_speech_duration_ms=100)


def load_wav(path: Path) -> np.ndarray:
    """16 kHz mono float32, any WAV subtype (the AMI clips are 32-bit float)."""
    import soundfile as sf

    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    audio = audio.mean(1)
    if sr != 16000:
        from scipy.signal import resample_poly

        audio = resample_poly(audio, 16000, sr).astype(np.float32)
    return audio


def read_rttm(path: Path) -> dict:
    from pyannote.core import Annotation, Segment

    refs: dict[str, Annotation] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        p = line.split()
        if not p or p[0] != "SPEAKER":
            continue
        uri, start, dur, spk = p[1], float(p[3]), float(p[4]), p[7]
        ann = refs.setdefault(uri, Annotation(uri=uri))
        ann[Segment(start, start + dur), len(ann)] = spk
    return refs


def read_uem(path: Path) -> dict:
    from pyannote.core import Segment, Timeline

    uems: dict[str, Timeline] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        p = line.split()
        if len(p) >= 4:
            uems.setdefault(p[0], Timeline(uri=p[0])).add(Segment(float(p[2]), float(p[3])))
    return uems


def vad_speech(audio: np.ndarray) -> list[tuple[float, float]]:
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return [(c["start"] / 16000, c["end"] / 16000) for c in get_speech_timestamps(audio, VadOptions(**VAD))]


def corpus(which: str) -> list[tuple[str, str, Path, object, object]]:
    """(split, uri, wav, reference Annotation, uem Timeline or None)."""
    from pyannote.core import Segment, Timeline

    items = []
    if which in ("sample", "all"):
        ref = read_rttm(DATA / "sample.rttm")["sample"]
        uem = Timeline([Segment(0, len(load_wav(DATA / "sample.wav")) / 16000)], uri="sample")
        items.append(("sample", "sample", DATA / "sample.wav", ref, uem))
    for split, stem in (("train", "debug.train"), ("dev", "debug.development")):
        if which not in (split, "all"):
            continue
        refs = read_rttm(DATA / "ami" / f"{stem}.rttm")
        uems = read_uem(DATA / "ami" / f"{stem}.uem")
        for uri in (DATA / "ami" / f"{stem}.lst").read_text().split():
            items.append((split, uri, DATA / "ami" / f"{uri}.wav", refs[uri], uems.get(uri)))
    return items


def parse_overrides(pairs: list[str]):
    from talkscan.diarize import DiarizeOptions

    types = {f.name: f.type for f in fields(DiarizeOptions)}
    kw = {}
    for p in pairs:
        k, v = p.split("=", 1)
        if k not in types:
            raise SystemExit(f"unknown DiarizeOptions field {k!r}")
        kw[k] = None if v == "None" else (int(v) if "int" in str(types[k]) else float(v))
    return DiarizeOptions(**kw)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", default="all", choices=["train", "dev", "sample", "all"])
    ap.add_argument("--speech", default="vad", choices=["vad", "oracle"])
    ap.add_argument("--oracle-k", action="store_true", help="give diarize the reference number of speakers")
    ap.add_argument("--opt", action="append", default=[], metavar="FIELD=VALUE", help="DiarizeOptions override")
    ap.add_argument("--json", type=Path, help="write per-file results and totals here")
    args = ap.parse_args(argv)

    if not DATA.is_dir():
        print(f"no reference data at {DATA}", file=sys.stderr)
        return 2
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    from talkscan.diarize import diarize
    from talkscan.errors import AudioError

    options = parse_overrides(args.opt)
    collars = {"c0": 0.0, "c25": 0.5}  # pyannote collar = total width: 0.5 -> ±0.25 s
    totals: dict[str, dict[str, DiarizationErrorRate]] = {}
    rows = []
    header = f"{'split':6} {'file':7} {'ref k':>5} {'est k':>5} {'DER c0':>7} {'DER ±.25':>8} {'miss':>6} {'fa':>6} {'conf':>6}"
    print(header)
    print("-" * len(header))
    for split, uri, wav, ref, uem in corpus(args.set):
        audio = load_wav(wav)
        ref_k = len(ref.crop(uem).labels()) if uem is not None else len(ref.labels())
        if args.speech == "oracle":
            speech = [(s.start, s.end) for s in ref.get_timeline().support()]
        else:
            speech = vad_speech(audio)
        opts = options
        if args.oracle_k:
            opts = type(options)(**{**asdict(options), "num_speakers": ref_k})
        t0 = time.perf_counter()
        try:
            turns = diarize(audio, speech, opts)
        except AudioError:  # the VAD heard nothing: an empty hypothesis, scored as all missed
            turns = []
        elapsed = time.perf_counter() - t0
        hyp = Annotation(uri=uri)
        for i, t in enumerate(turns):
            hyp[Segment(t.start, t.end), i] = t.speaker
        est_k = len(hyp.crop(uem).labels()) if uem is not None else len(hyp.labels())
        row = {"split": split, "file": uri, "ref_speakers": ref_k, "est_speakers": est_k, "seconds": round(elapsed, 2)}
        for name, collar in collars.items():
            for group in (split, "all"):
                totals.setdefault(group, {}).setdefault(name, DiarizationErrorRate(collar=collar, skip_overlap=False))
            comp = DiarizationErrorRate(collar=collar, skip_overlap=False)(ref, hyp, uem=uem, detailed=True)
            for group in (split, "all"):
                totals[group][name](ref, hyp, uem=uem)
            row[f"der_{name}"] = round(comp["diarization error rate"], 4)
            if name == "c0":
                total = comp["total"] or 1.0
                row["missed"] = round(comp["missed detection"] / total, 4)
                row["false_alarm"] = round(comp["false alarm"] / total, 4)
                row["confusion"] = round(comp["confusion"] / total, 4)
        rows.append(row)
        print(
            f"{split:6} {uri:7} {ref_k:5d} {est_k:5d} {row['der_c0']:7.1%} {row['der_c25']:8.1%} "
            f"{row['missed']:6.1%} {row['false_alarm']:6.1%} {row['confusion']:6.1%}",
            flush=True,
        )

    summary = {}
    print("-" * len(header))
    for group in ["sample", "train", "dev", "all"]:
        if group not in totals:
            continue
        members = [r for r in rows if group == "all" or r["split"] == group]
        right = sum(r["est_speakers"] == r["ref_speakers"] for r in members)
        summary[group] = {
            "files": len(members),
            "der_c0": round(abs(totals[group]["c0"]), 4),
            "der_c25": round(abs(totals[group]["c25"]), 4),
            "speaker_count_accuracy": round(right / len(members), 4),
            "speaker_count_mae": round(float(np.mean([abs(r["est_speakers"] - r["ref_speakers"]) for r in members])), 3),
        }
        s = summary[group]
        print(
            f"{group:14} DER c0 {s['der_c0']:6.1%}  DER ±.25 {s['der_c25']:6.1%}  "
            f"k right {right}/{len(members)}  k MAE {s['speaker_count_mae']:.2f}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "speech": args.speech,
                    "vad": VAD if args.speech == "vad" else None,
                    "oracle_k": args.oracle_k,
                    "options": asdict(options),
                    "collars": {"c0": "none", "c25": "±0.25 s (pyannote collar=0.5)"},
                    "skip_overlap": False,
                    "files": rows,
                    "totals": summary,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
