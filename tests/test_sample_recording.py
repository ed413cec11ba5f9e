"""The project's own sample meeting (espeak-ng voices, 4 speakers) through the real pipeline:
bundled Whisper, bundled speaker encoder, network blocked."""

from __future__ import annotations

import json
import os

import pytest

from conftest import SAMPLES
from textnorm import normalise

pytestmark = pytest.mark.slow

RECORDING = SAMPLES / "pricing-sync.m4a"
REFERENCE = SAMPLES / "pricing-sync.reference.json"


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads(REFERENCE.read_text())


@pytest.fixture(scope="module")
def sample_run():
    """(transcript, progress events) of one real run on the sample recording."""
    from talkscan.pipeline import RunOptions, load_transcript

    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    events: list[tuple[str, float, float | None]] = []
    t = load_transcript(RECORDING, RunOptions(), lambda s, d, n: events.append((s, d, n)))
    return t, events


def test_word_error_rate(sample_run, reference):
    import jiwer

    t, _ = sample_run
    ref = normalise(" ".join(turn["text"] for turn in reference["turns"]))
    hyp = normalise(" ".join(u.text for u in t.utterances))
    wer = jiwer.wer(ref, hyp)
    assert wer <= 0.15, f"WER {wer:.3f}\nREF {ref}\nHYP {hyp}"


def test_number_of_speakers(sample_run, reference):
    t, _ = sample_run
    assert len(t.speakers) == len(reference["speakers"]) == 4


def _reference_speakers(w, reference: dict) -> list[str]:
    """The reference turns' speakers at the middle of word `w` (0.15 s of slack), in turn order."""
    mid = (w.start + w.end) / 2
    return [x["speaker"] for x in reference["turns"] if x["start"] - 0.15 <= mid <= x["end"] + 0.15]


def _majority_mapping(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Each estimated speaker → the reference speaker most of its (estimated, reference) pairs name."""
    votes: dict[str, dict[str, int]] = {}
    for got, ref in pairs:
        votes.setdefault(got, {}).setdefault(ref, 0)
        votes[got][ref] += 1
    return {s: max(v, key=v.get) for s, v in votes.items()}


def test_speaker_of_each_reference_turn(sample_run, reference):
    """Map each estimated speaker to the reference speaker it overlaps most; most turns, short ones
    included, must then carry the right speaker."""
    t, _ = sample_run
    words = [w for u in t.utterances for w in u.words]
    mapping = _majority_mapping([(w.speaker, refs[0]) for w in words if (refs := _reference_speakers(w, reference))])
    right = total = 0
    short_right = short_total = 0
    for turn in reference["turns"]:
        inside = [w for w in words if turn["start"] - 0.15 <= (w.start + w.end) / 2 <= turn["end"] + 0.15]
        if not inside:
            continue
        got = max({mapping.get(w.speaker) for w in inside}, key=lambda s: sum(mapping.get(w.speaker) == s for w in inside))
        total += 1
        right += got == turn["speaker"]
        if len(turn["text"].split()) <= 3:
            short_total += 1
            short_right += got == turn["speaker"]
    assert right / total >= 0.85, f"{right}/{total} turns with the right speaker"
    # Measured 4–5 of the 6 short turns (1–3 words): resemblyzer on under a second of espeak speech
    # sometimes picks the neighbour's voice (Priya's "Twelve weeks?" between two of Tom's turns).
    assert short_total and short_right / short_total >= 0.6, f"short turns: {short_right}/{short_total}"


def test_speaker_of_each_word(sample_run, reference):
    """Words at a turn change keep their sentence's speaker: diarization alone gave 225 of 228
    ("…it takes three | weeks. Can we start…", "Look, | we both want…", "Yes, of | course.");
    moving those pieces to their sentence's speaker (speaker_edges) gives all 228.

    Whisper's int8 kernels and the encoder's float sums differ between CPUs, and so do the words
    and their times: on an AMD EPYC machine Whisper heard 236 words, ran Greg's "We do." into
    Tom's "Yes, of course.", and ended Maya's "…back to the | board" without a full stop, and
    before diarize's step 6, Priya's "Twelve weeks?" went into Tom's turn too: 5 words (2.1%) on
    another speaker there. Hence 3%."""
    t, _ = sample_run
    rows = [(w.speaker, refs[0], w.text) for u in t.utterances for w in u.words
            if len(refs := _reference_speakers(w, reference)) == 1]
    mapping = _majority_mapping([(got, ref) for got, ref, _ in rows])
    wrong = [(text, ref) for got, ref, text in rows if mapping[got] != ref]
    assert len(rows) > 200 and len(wrong) / len(rows) <= 0.03, wrong


def test_a_short_mirror_is_its_own_turn(sample_run, reference):
    """Priya's "Twelve weeks?" lasts 0.8 s and Tom answers 0.34 s later, so Whisper's word times
    can put it in one speech span with his answer, where every diarization window hears mostly Tom
    (an AMD EPYC machine wrote "12 weeks, at least, moving…"). Embedded alone as a clause
    (diarize step 6), it is Priya's own turn, and can be read as the mirror it is."""
    t, _ = sample_run
    words = [w for u in t.utterances for w in u.words]
    mapping = _majority_mapping([(w.speaker, refs[0]) for w in words if (refs := _reference_speakers(w, reference))])
    turn = next(x for x in reference["turns"] if x["text"] == "Twelve weeks?")
    said = [u for u in t.utterances if turn["start"] <= (u.start + u.end) / 2 <= turn["end"]]
    assert len(said) == 1 and normalise(said[0].text) == normalise(turn["text"]), [u.text for u in said]
    assert mapping[said[0].speaker] == "Priya"


def test_progress_reports_each_stage(sample_run):
    _, events = sample_run
    stages = {s for s, _, _ in events}
    assert {"decode", "asr", "diarize"} <= stages
    asr = [(d, n) for s, d, n in events if s == "asr"]
    assert asr[-1][0] == pytest.approx(asr[-1][1]) and all(n and 0 <= d <= n for d, n in asr)


def test_transcript_files_from_the_cli(tmp_path, reference):
    from conftest import run_cli
    from talkscan.readers import read_transcript

    r = run_cli("transcribe", str(RECORDING), "--out", str(tmp_path), "--quiet", "--names", "Greg,Maya,Tom,Priya")
    assert r.returncode == 0, r.stderr
    vtt = tmp_path / "pricing-sync" / "transcript.vtt"
    assert r.stdout.strip().endswith(str(vtt))
    back = read_transcript(vtt)
    assert {s.name for s in back.speakers} <= {"Greg", "Maya", "Tom", "Priya"}
    assert (tmp_path / "pricing-sync" / "transcript.srt").read_text().startswith("1\n00:00:")


def test_the_readmes_first_report_walkthrough(sample_run, reference):
    """The README tells a new user what the first report shows and how to correct it: Whisper hears
    "goes live" as "goes out", so only the price clash is found; with the word corrected (what
    `talkscan update` then analyses) the timeline clash appears; the speakers are S0=Greg S1=Maya
    S2=Tom S3=Priya. If Whisper, the diarization or the analyzer change any of this, the README must."""
    import copy

    from talkscan.pipeline import RunOptions, analyze

    t, _ = sample_run
    said = {u.speaker: [] for u in t.utterances}
    for u in t.utterances:
        for w in u.words:
            said[u.speaker] += _reference_speakers(w, reference)[:1]
    assert {s: max(set(v), key=v.count) for s, v in said.items()} == {"S0": "Greg", "S1": "Maya", "S2": "Tom", "S3": "Priya"}

    first = analyze(copy.deepcopy(t), RunOptions())
    (out,) = [u for u in first.utterances if "goes out on August" in u.text]
    assert [sorted(c.speakers) for c in first.conflicts] == [["S0", "S1"]]
    out.text = out.text.replace("goes out", "goes live")
    fixed = analyze(first, RunOptions())
    assert sorted(sorted(c.speakers) for c in fixed.conflicts) == [["S0", "S1"], ["S2", "S3"]]
