"""The analyzer on real speech recognition: labelled meetings (data/dialogues) spoken by espeak-ng
voices, run through what `talkscan run` runs on a recording (decode, Whisper, diarization,
analyzer), and scored against their gold labels the way benchmarks/nlp_eval.py scores text.

    .venv/bin/python benchmarks/asr_nlp_eval.py --split test                # all 30 test meetings
    .venv/bin/python benchmarks/asr_nlp_eval.py --split dev --limit 10
    .venv/bin/python benchmarks/asr_nlp_eval.py --known-speakers   # as `talkscan run --speakers N`
    .venv/bin/python benchmarks/asr_nlp_eval.py --split dev --held-words [--no-clause-check]
                                              # Whisper's words held fixed, to compare what follows it

Each meeting becomes an .m4a under $TALKSCAN_BENCH_DIR/asr_nlp/<split>/ (cached) with the exact
start and end of every turn: one voice per speaker (espeak-ng voice, pitch and speed from a fixed
pool), 0.2-0.8 s between turns, AAC as in data/samples. Every recognised utterance is mapped to
the gold turn it overlaps most, and every diarized speaker to the gold speaker it overlaps most;
a gold turn takes the tags of the utterances mapped to it (paraphrase and mirroring targets mapped
to turns, labeling targets to speakers), its emotion from the utterance that covers most of it, and
a conflict counts when its two asks land on a gold conflict's two turns. So this scores recognition,
sentence splitting and diarization errors together with the analyzer's own. For comparison it also
prints the same meetings' scores on the clean text and on the simulated ASR rendering (nlp/augment.py).

Needs espeak-ng on PATH (as data/samples/make_samples.py does).
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, WORK, largest_share, report_on_turns, split_parser  # noqa: E402

sys.path.insert(0, str(REPO / "data" / "samples"))
import make_samples as ms  # noqa: E402  (espeak-ng turns and the AAC writer of the sample meeting)

# Distinct enough for diarization, as in the sample meeting; assigned in order of first appearance.
VOICE_POOL = [
    ms.Voice("en-us+f3", pitch=45, speed=150, gain=1.0),
    ms.Voice("en-us+m3", pitch=30, speed=158, gain=1.0),
    ms.Voice("en-us+edward", pitch=30, speed=150, gain=1.0),
    ms.Voice("en-us+Andrea", pitch=50, speed=138, gain=1.0),
    ms.Voice("en-gb+m1", pitch=40, speed=150, gain=1.0),
    ms.Voice("en-us+f2", pitch=60, speed=145, gain=1.0),
]
SEED = 20261127


def synthesise(m, folder: Path) -> tuple[Path, list[dict]]:
    """The meeting as <id>.m4a plus <id>.times.json (speaker, start, end of every turn); cached."""
    audio_path, times_path = folder / f"{m.id}.m4a", folder / f"{m.id}.times.json"
    if audio_path.exists() and times_path.exists():
        return audio_path, json.loads(times_path.read_text())
    voices: dict[str, ms.Voice] = {}
    for t in m.turns:
        voices.setdefault(t.speaker, VOICE_POOL[len(voices) % len(VOICE_POOL)])
    audio, spans = ms.speak([(t.text, voices[t.speaker]) for t in m.turns], random.Random(f"{SEED}:{m.id}"))
    times = [{"speaker": t.speaker, "start": a, "end": b} for t, (a, b) in zip(m.turns, spans)]
    folder.mkdir(parents=True, exist_ok=True)
    ms.encode_m4a(audio, audio_path)
    times_path.write_text(json.dumps(times))
    return audio_path, times


def onto_turns(t, times: list[dict]) -> tuple[list[list], list[str], set, dict]:
    """The report of a recording mapped onto the gold turns: tags per turn, emotion per turn, conflict
    pairs as turn pairs, and utterance id -> turn index."""
    from talkscan.stats import time_overlap

    turn_of: dict[str, int] = {}
    cover: dict[int, tuple[float, str]] = {}
    spk_time: dict[tuple[str, str], float] = {}
    for u in t.utterances:
        ov = [time_overlap(u.start, u.end, g["start"], g["end"]) for g in times]
        k = max(range(len(times)), key=ov.__getitem__)
        if ov[k] <= 0:
            continue
        turn_of[u.id] = k
        if ov[k] > cover.get(k, (0.0, ""))[0]:
            cover[k] = (ov[k], u.emotion.label if u.emotion else "neutral")
        for g, o in zip(times, ov):
            spk_time[u.speaker, g["speaker"]] = spk_time.get((u.speaker, g["speaker"]), 0.0) + o
    name_of = largest_share(spk_time)
    tags, pairs = report_on_turns(t, turn_of, name_of, len(times))
    emotions = [cover.get(k, (0.0, "neutral"))[1] for k in range(len(times))]
    return tags, emotions, pairs, turn_of


_HELD: dict = {}


def hold_words(key: str, path: Path) -> None:
    """The pipeline's next transcription returns the cached words for this recording; Whisper itself
    (the real transcribe, kept aside) runs only to fill the cache."""
    import talkscan.asr as asr
    from speaker_words import cached_words
    from talkscan.audio import decode

    if "real" not in _HELD:
        _HELD["real"] = asr.transcribe
        asr.transcribe = lambda audio, options=None, progress=None: asr.AsrResult(
            words=list(_HELD["words"]), language="en", duration_s=len(audio) / 16000, speech_s=0.0,
            model="tiny.en (held)")
    _HELD["words"] = cached_words(key, decode(path), _HELD["real"])


def word_error_rate(m, t) -> float:
    import jiwer

    ref = ms.normalise(" ".join(m.texts))
    hyp = ms.normalise(" ".join(u.text for u in t.utterances))
    return jiwer.wer(ref, hyp)


def main(argv: list[str] | None = None) -> int:
    ap = split_parser(__doc__)
    ap.add_argument("--known-speakers", action="store_true",
                    help="give diarization each meeting's speaker count (talkscan run --speakers N)")
    ap.add_argument("--held-words", action="store_true",
                    help="Whisper's words from benchmarks/speaker_words.py's cache (made there when absent), so "
                         "that two runs differ only after recognition")
    ap.add_argument("--no-clause-check", action="store_true",
                    help="diarize without the ASR's clauses (diarize step 6), for comparison")
    a = ap.parse_args(argv)
    if not shutil.which("espeak-ng"):
        sys.exit("espeak-ng not found (apt-get install espeak-ng)")

    from talkscan import pipeline
    from talkscan.nlp.dialogues import load_dir
    from talkscan.nlp.embed_cache import EmbeddingCache
    from talkscan.nlp.evaluate import Tally, evaluate, gold_pairs

    if a.no_clause_check:
        from talkscan import speaker_edges

        speaker_edges.clause_spans = lambda words: []  # read by the pipeline at each call
    meetings = load_dir(a.data / a.split)[: a.limit or None]
    folder = WORK / "asr_nlp" / a.split
    tally, wers, t0 = Tally(), [], time.perf_counter()
    for i, m in enumerate(meetings, 1):
        audio, times = synthesise(m, folder)
        if a.held_words:
            hold_words(f"{a.split}/{m.id}", audio)
        opts = pipeline.RunOptions(speakers=pipeline.SpeakerOptions(
            num_speakers=len(set(m.speakers)) if a.known_speakers else None))
        t = pipeline.analyze(pipeline.load_transcript(audio, opts), opts)
        tags, emotions, pairs, _ = onto_turns(t, times)
        tally.turns(m, tags)
        tally.emotions([x.emotion for x in m.turns], emotions)
        tally.pairs("conflict", gold_pairs(m), pairs)
        wers.append(word_error_rate(m, t))
        print(f"{i}/{len(meetings)} {m.id}: {len(m.turns)} turns -> {len(t.utterances)} utterances, "
              f"{len(t.speakers)} speakers (gold {len(set(m.speakers))}), WER {wers[-1]:.3f} "
              f"({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    report = {"split": a.split, "known_speakers": a.known_speakers, "meetings": [m.id for m in meetings],
              "wer_mean": round(sum(wers) / len(wers), 4), "recorded": tally.scores(meetings)}
    an, cache = pipeline._analyzer(), EmbeddingCache()
    report["clean"] = evaluate(an, meetings, cache.encode)
    report["simulated_asr"] = evaluate(an, meetings, cache.encode, degrade=True)
    rows = ["paraphrase", "mirroring", "emotional_labeling", "similarity", "future_vision", "ask",
            "paraphrase+target", "mirroring+target", "emotional_labeling+target", "conflict"]
    print(f"{len(meetings)} {a.split} meetings, {sum(len(m.turns) for m in meetings)} turns; "
          f"Whisper word error rate {report['wer_mean']:.3f} (mean per meeting)")
    print(f"  {'':28} {'recorded':>9} {'clean':>9} {'sim. ASR':>9}")
    for k in rows:
        print(f"  {k:28} " + " ".join(f"{report[v][k]['f1']:9.3f}" for v in ("recorded", "clean", "simulated_asr")))
    for k in ("moves_macro_f1", "ask_topic_accuracy", "ask_direction_accuracy", "emotion_macro_f1"):
        print(f"  {k:28} " + " ".join(f"{report[v][k]:9.3f}" for v in ("recorded", "clean", "simulated_asr")))
    if a.json:
        a.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
