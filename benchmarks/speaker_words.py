"""Words on the right speaker: what `talkscan run` does to a recording's words between Whisper and
the analyzer (diarization, then speaker_edges), scored with Whisper's output held fixed.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speaker_words.py --set ami     # AMI clips + sample.wav
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speaker_words.py --set dev     # espeak-ng meetings
    ... --set brisk --opt recheck_margin=0.03
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/speaker_words.py --set 60min   # cost only

`--set ami`: the real far-field clips of benchmarks/der.py with their RTTM references (a word's
speakers are those talking at its middle, inside the .uem). `--set dev|test|brisk|new`: the labelled
meetings spoken as benchmarks/asr_nlp_eval.py speaks them (needs espeak-ng); a word's speaker is
the gold turn's it falls in, and a short turn (at most three words) is right when most of its words
are. Each diarized speaker is named after the reference speaker it shares most words with.

Whisper runs once per file and its words are kept under $TALKSCAN_BENCH_DIR/speaker_words/, so
every column compares the same words: diarization over the speech spans alone, and with the
ASR's clauses (diarize step 6: a short clause run into the next speaker's words is embedded
alone), with the given DiarizeOptions. Each column also prints its cost: seconds of audio the
voice encoder read and diarization's CPU seconds. `--set 15min|60min`: the long meeting that
benchmarks/e2e.py builds from public clips, which has no reference; cost only.
"""

from __future__ import annotations

import pickle
import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, WORK, built_meeting, largest_share  # noqa: E402
from der import DATA, corpus, load_wav, parse_overrides  # noqa: E402


def cached_words(key: str, audio: np.ndarray, transcribe=None):
    """Whisper's words for this file, from the cache or from `transcribe` (default: talkscan's)."""
    from talkscan.asr import AsrOptions

    f = WORK / "speaker_words" / f"{key}.pkl"
    if f.exists():
        return pickle.loads(f.read_bytes())
    if transcribe is None:
        from talkscan.asr import transcribe
    words = transcribe(audio, AsrOptions()).words
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(pickle.dumps(words))
    return words


COST = {"audio_s": 0.0, "cpu_s": 0.0}


def speakers_of(audio, words, options, with_clauses: bool) -> list[str]:
    import time

    from talkscan import diarize as dz
    from talkscan import voice
    from talkscan.speaker_edges import clause_spans, snap_to_sentences

    embed = voice.embed_windows

    def counted(audio, windows, **kw):
        COST["audio_s"] += sum(b - a for a, b in windows) / 16000
        return embed(audio, windows, **kw)

    voice.embed_windows, t0 = counted, time.process_time()
    try:
        speech = dz.speech_from_words(words, max_gap=0.25)  # as the pipeline does
        turns = dz.diarize(audio, speech, options, clauses=clause_spans(words) if with_clauses else None)
    finally:
        voice.embed_windows = embed
        COST["cpu_s"] += time.process_time() - t0
    return [w.speaker for w in snap_to_sentences(dz.assign_speakers(words, turns))]


def right(got: list[str], ref: list[set[str] | None]) -> list[bool | None]:
    """Per word: on the right speaker (None where the reference has nobody)."""
    shares: Counter = Counter()
    for g, r in zip(got, ref):
        for s in r or ():
            shares[g, s] += 1 / len(r)
    name = largest_share(shares)
    return [None if not r else name.get(g) in r for g, r in zip(got, ref)]


def ami_items():
    for _, uri, wav, ann, uem in corpus("all"):
        audio = load_wav(wav)
        words = cached_words(f"ami/{uri}", audio)
        if not words:  # Whisper heard nothing (far-field trn01, trn02): nothing to place
            continue
        scored = uem.extent() if uem else None
        ref = []
        for w in words:
            mid = (w.start + w.end) / 2
            inside = scored is None or scored.start <= mid <= scored.end
            ref.append({str(label) for seg, _, label in ann.itertracks(yield_label=True) if seg.start <= mid <= seg.end}
                       if inside else None)
        yield uri, audio, words, ref, []


def meeting_items(split: str):
    from asr_nlp_eval import synthesise
    from talkscan.audio import decode
    from talkscan.nlp.dialogues import load_dir

    for m in load_dir(REPO / "data" / "dialogues" / split):
        path, times = synthesise(m, WORK / "asr_nlp" / split)
        audio = decode(path)
        words = cached_words(f"{split}/{m.id}", audio)
        starts, ends = np.array([t["start"] for t in times]), np.array([t["end"] for t in times])
        turn = []
        for w in words:  # the gold turn at the word's middle, else the nearest
            mid = (w.start + w.end) / 2
            turn.append(int(np.argmin(np.maximum(np.maximum(starts - mid, mid - ends), 0))))
        short = [[i for i, k in enumerate(turn) if k == j] for j, t in enumerate(m.turns) if len(t.text.split()) <= 3]
        yield m.id, audio, words, [{times[k]["speaker"]} for k in turn], [s for s in short if s]


def long_items(minutes: float):
    from talkscan.audio import decode

    audio = decode(built_meeting(minutes))
    words = cached_words(f"built-{minutes:g}min", audio)
    yield f"{minutes:g} min", audio, words, [None] * len(words), []


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="ami", help="ami, or a split of data/dialogues (dev, test, brisk, new)")
    ap.add_argument("--opt", action="append", default=[], metavar="FIELD=VALUE", help="DiarizeOptions override")
    a = ap.parse_args(argv)
    if a.set == "ami" and not DATA.is_dir():
        sys.exit(f"needs {DATA}")
    options = parse_overrides(a.opt)
    if a.set == "ami":
        items = ami_items()
    elif a.set.endswith("min"):
        items = long_items(float(a.set[:-3]))
    else:
        items = meeting_items(a.set)
    cols = {"spans only": False, "with clauses": True}
    tot = {c: [0, 0, 0] for c in cols}
    cost = {c: dict(COST) for c in cols}
    n_words = n_short = 0
    for name, audio, words, ref, short in items:
        line = []
        for c, flag in cols.items():
            before = dict(COST)
            got = speakers_of(audio, words, options, flag)
            cost[c] = {k: cost[c][k] + COST[k] - before[k] for k in COST}
            ok = right(got, ref)
            r = sum(1 for x in ok if x)
            s = sum(1 for idx in short if sum(1 for i in idx if ok[i]) * 2 > len(idx))
            tot[c] = [tot[c][0] + r, tot[c][1] + s, tot[c][2] + 1]
            line.append(f"{r}")
        n = sum(1 for x in ref if x)
        n_words += n
        n_short += len(short)
        print(f"{name}: words right {' -> '.join(line)} of {n}", file=sys.stderr, flush=True)
    print(f"{a.set}: {tot['spans only'][2]} files, {n_words} words, {n_short} short turns; {options}")
    for c in cols:
        w, s, _ = tot[c]
        print(f"  {c:15} " + (f"words on the right speaker {w / n_words:.4f} ({w})" if n_words else "")
              + (f", short turns {s}/{n_short}" if n_short else "")
              + f"; encoder read {cost[c]['audio_s']:.0f} s of audio, diarization CPU {cost[c]['cpu_s']:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
