"""Speaker identification across recordings with talkscan.voiceprints, on the AMI clips.

    HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python benchmarks/voice_id.py [--regions reference|diarized] [--json out.json]

Data: ../shared/data/diarization/ami (twelve 30 s clips, reference RTTM with AMI speaker ids that
recur across clips). Every speaker heard in two or more clips is enrolled from the clip where it
has the most speech (its reference turns minus overlapped speech; at least 2 s, as
`talkscan voices add` demands). Every other (clip, speaker) with at least MIN_MATCH_SPEECH_S of
clean speech is a trial: *genuine* when the speaker is enrolled, *impostor* when not. In each
clip the speakers are matched against the whole gallery at once, as `talkscan run` does
(assignment + threshold), except the enrolment audio itself, which never is a trial.

Regions: `reference` embeds each trial speaker over its reference turns (identification alone);
`diarized` runs talkscan.diarize on Silero VAD speech first and scores each diarized speaker as
the reference speaker it overlaps most (identification after real diarization).

Metrics at a threshold: identification accuracy (genuine trials named correctly), false-accept
rate (impostor trials given any name), and misnames (genuine trials given someone else's name).
The threshold is chosen leave-one-clip-out: for each clip, the threshold that maximises
(correct − misnamed) / genuine − false-accept rate on the other
clips' trials is applied to it, so the headline numbers are
held out. A sweep over fixed thresholds is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
AMI = ROOT.parent / "shared" / "data" / "diarization" / "ami"
CACHE = Path(os.environ.get("TALKSCAN_BENCH_DIR", "/tmp/talkscan-bench")) / "voice_id"
CLIPS = [f"trn{i:02d}" for i in range(10)] + ["dev00", "dev01"]
THRESHOLDS = np.round(np.arange(0.60, 0.951, 0.01), 2)
VAD = dict(threshold=0.5, min_silence_duration_ms=300, speech_pad_ms=100, min_speech_duration_ms=100)


def load_wav(path: Path) -> np.ndarray:
    import soundfile as sf

    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    assert sr == 16000, sr
    return audio.mean(1)


def read_rttm() -> dict[str, list[tuple[float, float, str]]]:
    turns: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for f in ("debug.train.rttm", "debug.development.rttm"):
        for line in (AMI / f).read_text(encoding="utf-8").splitlines():
            p = line.split()
            if p and p[0] == "SPEAKER":
                turns[p[1]].append((float(p[3]), float(p[3]) + float(p[4]), p[7]))
    return turns


def subtract(spans, others):
    """spans minus the union of others (both lists of (a, b))."""
    out = []
    for a, b in spans:
        cur = [(a, b)]
        for c, d in others:
            nxt = []
            for x, y in cur:
                if d <= x or c >= y:
                    nxt.append((x, y))
                else:
                    if c > x:
                        nxt.append((x, c))
                    if d < y:
                        nxt.append((d, y))
            cur = nxt
        out.extend(cur)
    return [(a, b) for a, b in out if b - a > 1e-3]


def clean_regions(turns) -> dict[str, list[tuple[float, float]]]:
    """Each speaker's reference turns without the parts where someone else speaks too."""
    by = defaultdict(list)
    for a, b, s in turns:
        by[s].append((a, b))
    return {s: subtract(spans, [(a, b) for a, b, o in turns if o != s]) for s, spans in by.items()}


def diarized_regions(audio, turns) -> dict[str, list[tuple[float, float]]]:
    """Diarize the clip; each diarized speaker's turns, keyed by the reference speaker it overlaps most."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from talkscan.diarize import diarize
    from talkscan.errors import AudioError

    speech = [(c["start"] / 16000, c["end"] / 16000) for c in get_speech_timestamps(audio, VadOptions(**VAD))]
    try:
        hyp = diarize(audio, speech)
    except AudioError:  # the VAD heard no speech: every reference speaker goes unheard
        return {}
    by = defaultdict(list)
    for t in hyp:
        by[t.speaker].append((t.start, t.end))
    out: dict[str, list[tuple[float, float]]] = {}
    for spk, spans in by.items():
        overlap = defaultdict(float)
        for a, b in spans:
            for c, d, ref in turns:
                overlap[ref] += max(0.0, min(b, d) - max(a, c))
        ref = max(overlap, key=overlap.get) if overlap and max(overlap.values()) > 0 else f"?{spk}"
        # two diarized speakers on one reference speaker: keep them apart, the second as a duplicate
        key = ref if ref not in out else f"{ref}#{spk}"
        out[key] = spans
    return out


def embeddings(regions: str) -> dict[str, dict[str, tuple[list[float] | None, float]]]:
    """clip -> speaker -> (embedding, seconds). Cached in CACHE (the encoder is the slow part)."""
    from talkscan.voiceprints import embed_spans, voice_model_id

    CACHE.mkdir(parents=True, exist_ok=True)
    cache = CACHE / f"{regions}-{voice_model_id().replace('/', '_')}.json"
    if cache.is_file():
        return json.loads(cache.read_text())
    rttm = read_rttm()
    out: dict[str, dict] = {}
    for clip in CLIPS:
        audio = load_wav(AMI / f"{clip}.wav")
        ref = clean_regions(rttm[clip])
        out[clip] = {}
        test = ref if regions == "reference" else diarized_regions(audio, rttm[clip])
        for spk, spans in ref.items():  # enrolment always from the reference regions
            v, sec = embed_spans(audio, spans)
            out[clip][f"enrol:{spk}"] = (None if v is None else v.tolist(), sec)
        for spk, spans in test.items():
            v, sec = embed_spans(audio, spans)
            out[clip][spk] = (None if v is None else v.tolist(), sec)
        print(f"  embedded {clip}", file=sys.stderr)
    cache.write_text(json.dumps(out))
    return out


def gallery(emb) -> dict[str, tuple[str, np.ndarray, float]]:
    """speaker -> (enrolment clip, vector, seconds) for speakers heard in two or more clips."""
    from talkscan.voiceprints import MIN_ENROL_SPEECH_S

    seen = defaultdict(list)
    for clip, d in emb.items():
        for k, (v, sec) in d.items():
            if k.startswith("enrol:") and v is not None:
                seen[k[6:]].append((sec, clip, np.array(v, dtype=np.float32)))
    out = {}
    for spk, items in seen.items():
        if len({c for _, c, _ in items}) < 2:
            continue
        sec, clip, v = max(items, key=lambda x: x[0])
        if sec >= MIN_ENROL_SPEECH_S:
            out[spk] = (clip, v, sec)
    return out


def trials(emb, gal):
    """Per clip: the speakers to identify, as (true id or None for impostors, vector, seconds)."""
    from talkscan.voiceprints import MIN_MATCH_SPEECH_S

    out = {}
    for clip, d in emb.items():
        items = []
        for k, (v, sec) in d.items():
            if k.startswith("enrol:") or v is None or sec < MIN_MATCH_SPEECH_S:
                continue
            ref = k.split("#")[0]
            if ref in gal and gal[ref][0] == clip:
                continue  # the enrolment audio itself
            truth = ref if ref in gal and "#" not in k else None
            if "#" in k and ref in gal:
                truth = "dup:" + ref  # a diarization split: naming it the true speaker is right, but counts once
            items.append((k, truth, np.array(v, dtype=np.float32), sec))
        out[clip] = items
    return out


def decide(clip, items, gal, threshold):
    """(clip, truth, name given, score, best voice) per trial speaker of one clip."""
    from talkscan.voiceprints import Voiceprint, match_speakers, voice_model_id

    voices = [Voiceprint(s, v, voice_model_id(), sec) for s, (_, v, sec) in gal.items()]
    m = match_speakers({k: (v, sec) for k, _, v, sec in items}, voices, threshold)
    return [(clip, truth, m[k].name, m[k].score, m[k].best) for k, truth, _, _ in items]


def score(results):
    """Genuine: one decision per (clip, enrolled speaker), right when any of its diarized parts
    gets its name, misnamed when any gets another; impostor: each unenrolled speaker's part."""
    gen: dict = defaultdict(list)
    imp = []
    for clip, truth, name, *_ in results:
        if truth is None:
            imp.append(name)
        else:
            gen[(clip, truth.removeprefix("dup:"))].append(name)
    correct = sum(any(n == ref for n in names) for (_, ref), names in gen.items())
    misnamed = sum(any(n is not None and n != ref for n in names) for (_, ref), names in gen.items())
    fa = sum(n is not None for n in imp)
    return dict(genuine=len(gen), correct=correct, misnamed=misnamed, impostors=len(imp), false_accepts=fa,
                accuracy=correct / len(gen) if gen else float("nan"), far=fa / len(imp) if imp else float("nan"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", choices=["reference", "diarized"], default="reference")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if not AMI.is_dir():
        print(f"no AMI clips at {AMI}", file=sys.stderr)
        return 2
    from talkscan.voiceprints import MATCH_THRESHOLD

    emb = embeddings(args.regions)
    gal = gallery(emb)
    tri = trials(emb, gal)
    print(f"enrolled: " + ", ".join(f"{s} ({c}, {sec:.1f} s)" for s, (c, _, sec) in sorted(gal.items())))

    print(f"\n{'threshold':>9} {'accuracy':>9} {'misnamed':>9} {'false acc.':>10}")
    sweep = {}
    for th in THRESHOLDS:
        r = score([x for clip in tri for x in decide(clip, tri[clip], gal, th)])
        sweep[float(th)] = r
        print(f"{th:9.2f} {r['correct']:>3}/{r['genuine']:<5} {r['misnamed']:>9} {r['false_accepts']:>4}/{r['impostors']:<5}")

    # leave-one-clip-out: choose on the other clips, apply to this one
    held: list = []
    chosen = {}
    for clip in tri:
        others = [c for c in tri if c != clip]

        def objective(th):
            r = score([x for c in others for x in decide(c, tri[c], gal, th)])
            # a wrong name (misnamed or impostor accepted) costs as much as a right one gains
            g, i = max(r["genuine"], 1), max(r["impostors"], 1)
            return (r["correct"] - r["misnamed"]) / g - r["false_accepts"] / i

        values = [objective(t) for t in THRESHOLDS]
        best = [t for t, v in zip(THRESHOLDS, values) if v >= max(values) - 1e-9]
        th = best[len(best) // 2]  # the middle of the best plateau: the widest margin both ways
        chosen[clip] = float(th)
        held += decide(clip, tri[clip], gal, th)
    loo = score(held)
    fixed = score([x for clip in tri for x in decide(clip, tri[clip], gal, MATCH_THRESHOLD)])

    print("\nper trial at the shipped threshold %.2f:" % MATCH_THRESHOLD)
    for clip in tri:
        for (k, truth, _, sec), (_, t, name, sc, best) in zip(tri[clip], decide(clip, tri[clip], gal, MATCH_THRESHOLD)):
            print(f"  {clip} {k:16} {sec:5.1f} s  truth={truth or '-':10} named={name or '-':10} best={best} {sc:.3f}")
    print(f"\nleave-one-clip-out thresholds: {chosen}")
    for label, r in (("held out (leave-one-clip-out)", loo), (f"shipped threshold {MATCH_THRESHOLD:.2f}", fixed)):
        print(f"{label}: accuracy {r['correct']}/{r['genuine']} = {r['accuracy']:.2f}, misnamed {r['misnamed']}, "
              f"false accepts {r['false_accepts']}/{r['impostors']} = {r['far']:.2f}")
    if args.json:
        args.json.write_text(json.dumps(dict(regions=args.regions, gallery={s: [c, sec] for s, (c, _, sec) in gal.items()},
                                             sweep=sweep, loo=loo, loo_thresholds=chosen, shipped=fixed), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
