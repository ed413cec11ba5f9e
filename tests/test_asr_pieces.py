"""Long recordings are transcribed in pieces cut between VAD speech chunks (asr.py): the pieces'
plan, the block-wise VAD, and a real multi-piece transcription against whole-file faster-whisper."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import SAMPLES
from talkscan import asr
from textnorm import normalise

SR = 16000


def _chunks(*spans_s: tuple[float, float]) -> list[dict]:
    return [{"start": int(a * SR), "end": int(b * SR)} for a, b in spans_s]


def test_pieces_hold_at_most_the_limit_in_order_and_meet_between_chunks():
    chunks = _chunks((0, 20), (21, 50), (52, 90), (95, 100), (101, 260), (261, 262))
    pieces = asr.plan_pieces(chunks, 60 * SR)
    assert [c for p in pieces for c in p] == chunks  # every chunk once, in order
    for p in pieces:
        assert sum(c["end"] - c["start"] for c in p) <= 60 * SR or len(p) == 1
    assert [len(p) for p in pieces] == [2, 2, 1, 1]  # 20+29, 38+5, 159 alone (longer than a piece), 1
    assert asr.plan_pieces([], 60 * SR) == []
    # one piece when everything fits: what faster-whisper itself would transcribe
    assert asr.plan_pieces(chunks, 10_000 * SR) == [chunks]


def test_blockwise_vad_equals_faster_whispers(shared_data):
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    from talkscan.audio import decode

    jfk = decode(shared_data / "speech" / "jfk.flac")
    audio = np.concatenate([jfk, np.zeros(SR, np.float32), decode(SAMPLES / "pricing-sync.m4a"), jfk])
    for o in (VadOptions(), VadOptions(max_speech_duration_s=30), VadOptions(threshold=0.3, min_silence_duration_ms=300)):
        expected = get_speech_timestamps(audio, o)
        assert len(expected) >= 2
        assert asr.speech_chunks(audio, o) == expected
        assert asr.speech_chunks(audio, o, block_windows=777) == expected  # state carried across blocks
    assert asr.speech_chunks(np.zeros(512 * 40, np.float32)) == []


@pytest.fixture(scope="module")
def long_recording(request):
    """5.5 minutes of speech with reference text: the sample meeting, jfk, the sample twice more."""
    from conftest import SHARED_DATA

    from talkscan.audio import decode

    if not SHARED_DATA.is_dir():
        pytest.skip(f"public test data not found at {SHARED_DATA}")
    sample = decode(SAMPLES / "pricing-sync.m4a")
    jfk = decode(SHARED_DATA / "speech" / "jfk.flac")
    ref_sample = " ".join(t["text"] for t in json.loads((SAMPLES / "pricing-sync.reference.json").read_text())["turns"])
    ref_jfk = (SHARED_DATA / "speech" / "jfk.reference.txt").read_text()
    gap = np.zeros(int(1.2 * SR), np.float32)
    audio = np.concatenate([sample, gap, jfk, gap, sample, gap, sample])
    reference = " ".join([ref_sample, ref_jfk, ref_sample, ref_sample])
    return audio, normalise(reference)


@pytest.mark.slow
def test_pieces_transcribe_as_well_as_the_whole_file(long_recording, monkeypatch):
    import difflib

    import jiwer

    audio, reference = long_recording
    monkeypatch.setattr(asr, "PIECE_S", 60.0)  # 5 minutes of speech: several pieces, long chunks split
    from faster_whisper.vad import VadOptions

    pieces = asr.plan_pieces(asr.speech_chunks(audio, VadOptions(max_speech_duration_s=60.0)), 60 * SR)
    assert len(pieces) >= 4

    result = asr.transcribe(audio, asr.AsrOptions())
    model = asr.load_model(None)
    segments, _ = model.transcribe(audio, beam_size=5, word_timestamps=True, vad_filter=True, condition_on_previous_text=False)
    whole: list = []
    asr._collect(segments, whole, [], len(audio) / SR, lambda *a: None)

    got = [w for w in result.words]
    wer_pieces = jiwer.wer(reference, normalise(" ".join(w.text for w in got)))
    wer_whole = jiwer.wer(reference, normalise(" ".join(w.text for w in whole)))
    assert wer_pieces <= max(0.15, wer_whole + 0.02), (wer_pieces, wer_whole)

    # word times: in recording time, ordered, and where both runs heard the same word, the same time
    assert [w.start for w in got] == sorted(w.start for w in got)
    assert all(0 <= w.start <= w.end <= len(audio) / SR + 0.5 for w in got)
    a = [normalise(w.text) for w in whole]
    b = [normalise(w.text) for w in got]
    pairs = [
        (whole[i], got[j])
        for blk in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks()
        for i, j in zip(range(blk.a, blk.a + blk.size), range(blk.b, blk.b + blk.size))
    ]
    assert len(pairs) >= 0.9 * len(whole)
    diffs = np.array([abs(x.start - y.start) for x, y in pairs] + [abs(x.end - y.end) for x, y in pairs])
    assert np.median(diffs) <= 0.02 and np.mean(diffs <= 0.3) >= 0.95, np.percentile(diffs, [50, 90, 99])

    # every cut between pieces lies in silence (so no word is cut), and no word crosses one.
    # (Whisper's own word times may stretch a last word over a following pause: checked on the audio.)
    speech_rms = np.sqrt(np.mean(np.concatenate([audio[c["start"] : c["end"]] for p in pieces for c in p]) ** 2))
    for left, right in zip(pieces, pieces[1:]):
        lo, hi = left[-1]["end"], right[0]["start"]  # the same sample when VAD split a long chunk
        mid = (lo + hi) // 2
        around = audio[mid - int(0.05 * SR) : mid + int(0.05 * SR)]
        assert 20 * np.log10((np.sqrt(np.mean(around**2)) + 1e-9) / speech_rms) < -25, (lo / SR, hi / SR)
        for w in got:
            assert not (w.start < lo / SR - 0.05 and w.end > hi / SR + 0.05), (w, lo / SR, hi / SR)


def test_words_whisper_gives_no_length_get_some():
    """A zero-length word ("Exactly." at a segment's edge) gets 0.2 s, never past the next word or
    the recording's end; longer words keep their times."""
    from talkscan.asr import _give_words_length
    from talkscan.transcript import Word

    ws = [Word("Exactly.", 22.02, 22.02), Word("We", 22.10, 22.10), Word("do.", 22.5, 22.9), Word("Bye.", 23.0, 23.0)]
    _give_words_length(ws, duration=23.1)
    assert [(w.start, w.end) for w in ws] == [(22.02, 22.1), (22.1, 22.3), (22.5, 22.9), (23.0, 23.1)]
