"""Recordings with one speaker per channel (--channels split): the logic on hand-made words and
signals, then the real Whisper model on real stereo files decoded by PyAV."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import run_cli
from talkscan.channels import channel_turns, drop_bleed, separate_channels
from talkscan.transcript import Word

SR = 16000


def words(*spec: tuple[str, float, float]) -> list[Word]:
    return [Word(t, a, b) for t, a, b in spec]


def test_another_channel_speaking_in_a_pause_starts_a_new_utterance():
    a = words(("We", 0.0, 0.3), ("need", 0.3, 0.6), ("June.", 0.6, 1.0), ("And", 1.4, 1.6), ("July.", 1.6, 2.0))
    b = words(("No.", 1.1, 1.3))
    us = channel_turns([a, b], ["S0", "S1"])
    assert [(u.speaker, u.text) for u in us] == [("S0", "We need June."), ("S1", "No."), ("S0", "And July.")]
    assert [u.turn for u in us] == [0, 1, 2]
    assert all(w.speaker == u.speaker for u in us for w in u.words)


def test_a_backchannel_over_a_sentence_follows_it_and_does_not_cut_it():
    a = words(("We", 0.0, 0.4), ("need", 0.4, 0.9), ("twelve", 0.9, 1.4), ("weeks.", 1.4, 2.0))
    b = words(("Mm-hmm.", 1.0, 1.3))  # said while "twelve" was being said: no pause of A's in which it starts
    us = channel_turns([a, b], ["S0", "S1"])
    assert [(u.speaker, u.text) for u in us] == [("S0", "We need twelve weeks."), ("S1", "Mm-hmm.")]


def test_a_long_pause_after_a_sentence_splits_one_channel_and_keeps_the_turn():
    a = words(("Fine.", 0.0, 0.5), ("Next", 3.0, 3.3), ("item.", 3.3, 3.6))
    us = channel_turns([a, []], ["S0", "S1"])
    assert [u.text for u in us] == ["Fine.", "Next item."]
    assert [u.turn for u in us] == [0, 0]


def test_a_word_of_another_voice_on_the_same_line_is_a_turn_however_short():
    # two people in one room on channel 0 (told apart by channel_voices), one person on channel 1
    a = words(("So", 0.0, 0.2), ("the", 0.2, 0.3), ("risk", 0.3, 0.6), ("is", 0.6, 0.7), ("moving.", 0.7, 1.0),
              ("One", 1.1, 1.3), ("more", 1.3, 1.5), ("thing.", 1.5, 1.8))
    b = words(("Exactly.", 1.0, 1.06))   # 0.06 s: across lines, a backchannel; on the same line, a turn
    c = words(("Hmm.", 1.02, 1.08))
    us = channel_turns([a, b, c], ["S0", "S1", "S2"], lines=[0, 0, 1])
    assert [(u.speaker, u.text) for u in us] == [("S0", "So the risk is moving."), ("S1", "Exactly."),
                                                 ("S2", "Hmm."), ("S0", "One more thing.")]
    # on lines of their own, neither reply cuts the sentence
    assert [u.speaker for u in channel_turns([a, b, c], ["S0", "S1", "S2"])] == ["S0", "S1", "S2"]


def test_speech_less_what_another_line_says_over_it():
    from talkscan.channels import _without

    spans = [(0.0, 2.0), (3.0, 4.0), (5.0, 6.0)]
    cut = [(1.5, 3.2), (1.0, 1.6), (3.5, 3.6), (7.0, 8.0)]
    assert _without(spans, cut) == [(0.0, 1.0), (3.2, 3.5), (3.6, 4.0), (5.0, 6.0)]
    assert _without(spans, [(-1.0, 9.0)]) == [] and _without(spans, []) == spans


def tone(seconds: float, freq: float, level: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_words_heard_only_as_the_other_channels_leak_are_dropped():
    # 0-1 s: left speaks, right hears it 30 dB down; 1-2 s: right speaks
    left = np.concatenate([tone(1, 220, 0.3), tone(1, 0, 0)])
    right = np.concatenate([tone(1, 220, 0.3 * 10 ** (-30 / 20)), tone(1, 330, 0.2)])
    chans = np.stack([left, right])
    kept = drop_bleed([words(("Hello", 0.1, 0.9)), words(("Hello", 0.1, 0.9), ("Yes", 1.1, 1.9))], chans)
    assert [w.text for w in kept[0]] == ["Hello"]
    assert [w.text for w in kept[1]] == ["Yes"]
    # overlapping speech at levels 8 dB apart is two people talking at once: both kept
    both = np.stack([tone(1, 220, 0.1), tone(1, 330, 0.25)])
    kept = drop_bleed([words(("a", 0.1, 0.9)), words(("b", 0.1, 0.9))], both)
    assert [len(k) for k in kept] == [1, 1]


def test_leaks_are_silenced_before_transcription_but_talking_at_once_is_kept():
    from talkscan.channels import gate_leaks

    left = np.concatenate([tone(1, 220, 0.3), tone(1, 0, 0), tone(1, 220, 0.2)])
    right = np.concatenate([tone(1, 220, 0.3 * 10 ** (-28 / 20)), tone(1, 330, 0.2), tone(1, 330, 0.25)])
    chans = np.stack([left, right])
    gate_leaks(chans)
    assert not chans[1, : SR - 800].any()                      # the leak of the left voice: gone
    assert np.abs(chans[0, :SR]).max() > 0.25                   # the left voice itself: kept
    assert np.abs(chans[1, SR + 800: 2 * SR - 800]).max() > 0.15  # the right voice alone: kept
    assert np.abs(chans[:, 2 * SR + 800:]).max(axis=1).min() > 0.15  # both at once: both kept


def test_which_recordings_have_a_voice_per_channel():
    from scipy.signal import lfilter

    rng = np.random.default_rng(0)
    a = rng.standard_normal(SR * 2).astype(np.float32) * 0.1      # one person, then the other
    b = rng.standard_normal(SR * 2).astype(np.float32) * 0.1
    quiet = np.zeros(SR * 2, np.float32)
    left, right = np.concatenate([a, quiet]), np.concatenate([quiet, b])
    assert separate_channels(np.stack([left, right]))
    assert separate_channels(np.stack([left + 0.01 * right, right + 0.01 * left]))   # with -40 dB leaks
    both = left + right
    assert not separate_channels(both[None, :])                                      # mono
    assert not separate_channels(np.stack([both, both]))                             # dual mono
    assert not separate_channels(np.stack([both, np.zeros_like(both)]))              # one dead channel
    assert not separate_channels(np.stack([both, rng.standard_normal(len(both)).astype(np.float32) * 0.002]))  # hiss
    # a room on two spaced microphones: each hears everyone, delayed and reverberant, about as loud
    ir = [np.r_[1.0, rng.standard_normal(1599) * np.exp(-np.arange(1, 1600) / 300) * 0.3] for _ in range(2)]
    pair = np.stack([lfilter(ir[0], 1, both), 0.8 * np.roll(lfilter(ir[1], 1, both), 10)]).astype(np.float32)
    assert abs(np.corrcoef(pair)[0, 1]) < 0.5   # the waveforms barely correlate, yet it is one room
    assert not separate_channels(pair)


def _transcript(out: Path, stem: str) -> dict:
    return json.loads((out / stem / "transcript.json").read_text(encoding="utf-8"))


def _by_speaker(t: dict) -> dict[str, str]:
    said: dict[str, str] = {}
    for u in t["utterances"]:
        said[u["speaker"]] = (said.get(u["speaker"], "") + " " + u["text"].lower()).strip()
    return said


def test_overlapping_voices_on_two_channels_are_transcribed_apart(tmp_path, shared_data):
    """The two sentences of stereo_diarization.wav overlap for 2.5 s: mixed, Whisper garbles them
    into one; split, each channel's sentence comes back whole under its own speaker."""
    src = shared_data / "speech" / "stereo_diarization.wav"
    # --speakers 3 on two channels: each channel is diarized, and each still holds one voice
    r = run_cli("transcribe", str(src), "--channels", "split", "--speakers", "3", "--out", str(tmp_path), "--quiet")
    assert r.returncode == 0, r.stderr
    assert "--speakers 3: 2 voices were heard on the 2 channel(s)" in r.stderr
    t = _transcript(tmp_path, "stereo_diarization")
    said = _by_speaker(t)
    assert len(said) == 2, said
    left, right = said["S0"], said["S1"]  # both start at 0: the left channel comes first
    assert "wizard" in left and "curtain" in left and "horizon" not in left
    assert "horizon" in right and "distant" in right and "wizard" not in right
    assert t["models"]["diarization"].startswith("one speaker per channel")
    assert (tmp_path / "stereo_diarization" / "transcript.vtt").read_text().count("<v S") == 2
    r = run_cli("transcribe", str(src), "--channels", "split", "--speakers", "1", "--out", str(tmp_path / "one"),
                "--quiet")
    assert r.returncode == 0 and "--speakers 1 was not used" in r.stderr   # a channel is never less than one
    r = run_cli("transcribe", str(src), "--channels", "split", "--min-speakers", "3", "--out", str(tmp_path / "min"),
                "--quiet")
    assert r.returncode == 0 and "--min-speakers 3: 2 voices were heard" in r.stderr


def test_a_channel_that_several_people_share_is_diarized_when_there_are_more_people(tmp_path, shared_data):
    """A meeting room on one line of a call: jfk alone on the left, the four voices of the pricing
    sample on the right. With --speakers 5 the right channel is diarized (the left stays one
    speaker, S0, channel order kept), and a one-word reply said between two sentences of another
    voice on that line is a turn of its own."""
    from itertools import permutations

    import soundfile as sf

    from talkscan.audio import decode

    jfk = decode(shared_data / "speech" / "jfk.flac")
    sample = Path(__file__).resolve().parents[1] / "data" / "samples"
    room = decode(sample / "pricing-sync.m4a")
    ref = json.loads((sample / "pricing-sync.reference.json").read_text(encoding="utf-8"))["turns"]
    lag = 12.0
    n = int(lag * SR) + len(room)
    left, right = np.zeros(n, np.float32), np.zeros(n, np.float32)
    left[: len(jfk)] = jfk
    right[int(lag * SR):] = room
    path = tmp_path / "room.wav"
    sf.write(str(path), np.stack([left, right], 1), SR)
    r = run_cli("transcribe", str(path), "--channels", "split", "--speakers", "5", "--out", str(tmp_path / "out"),
                "--quiet")
    assert r.returncode == 0, r.stderr
    t = _transcript(tmp_path / "out", "room")
    assert [s["id"] for s in t["speakers"]] == ["S0", "S1", "S2", "S3", "S4"] and not t["notes"]
    assert "each diarized" in t["models"]["diarization"]
    assert {u["speaker"] for u in t["utterances"] if u["start"] < lag} == {"S0"}
    assert all(u["speaker"] != "S0" for u in t["utterances"] if u["start"] >= lag)
    # each reference turn of the room: the speaker of most of its words; one id per person
    said: dict[int, str] = {}
    for k, turn in enumerate(ref):
        a, b = turn["start"] + lag, turn["end"] + lag
        ws = [w["speaker"] for u in t["utterances"] for w in u["words"] if a <= (w["start"] + w["end"]) / 2 <= b]
        if ws:
            said[k] = max(set(ws), key=ws.count)
    people = sorted({turn["speaker"] for turn in ref})
    best = max((dict(zip(people, p)) for p in permutations(["S1", "S2", "S3", "S4"])),
               key=lambda m: sum(said[k] == m[ref[k]["speaker"]] for k in said))
    right = sum(said[k] == best[ref[k]["speaker"]] for k in said)
    assert len(said) >= 24 and right >= len(said) - 3, (best, said)
    exactly = next(u for u in t["utterances"] if u["text"].strip(" .").lower() == "exactly")
    assert exactly["speaker"] == said[14] and said[14] != said[13]   # Tom's "Exactly." after Priya's paraphrase


def test_echo_of_one_voice_on_the_other_channel_is_not_a_second_speaker(tmp_path, shared_data):
    """jfk speaks first on the right channel and leaks into the left 30 dB down; Maya answers on
    the left. The leak is dropped, and --names follows the channels (left first), not who spoke first."""
    import soundfile as sf

    from talkscan.audio import decode

    jfk = decode(shared_data / "speech" / "jfk.flac")
    sample = Path(__file__).resolve().parents[1] / "data" / "samples" / "pricing-sync.m4a"
    maya = decode(sample)[int(6.8 * SR): int(13 * SR)]  # "…procurement needs the total price under…"
    n = len(jfk) + len(maya) + SR
    left, right = np.zeros(n, np.float32), np.zeros(n, np.float32)
    right[: len(jfk)] = jfk
    left[480: len(jfk) + 480] = 0.03 * jfk       # the right voice leaking in 30 dB down, 30 ms late
    start = len(jfk) + SR // 2
    left[start: start + len(maya)] = maya
    path = tmp_path / "call.wav"
    sf.write(str(path), np.stack([left, right], 1), SR)
    r = run_cli("transcribe", str(path), "--channels", "split", "--names", "Left,Right",
                "--out", str(tmp_path / "out"), "--quiet")
    assert r.returncode == 0, r.stderr
    t = _transcript(tmp_path / "out", "call")
    names = {s["id"]: s["name"] for s in t["speakers"]}
    said = {names[k]: v for k, v in _by_speaker(t).items()}
    assert set(said) == {"Left", "Right"} and names["S0"] == "Left"
    assert "country" in said["Right"] and "procurement" not in said["Right"]
    assert "procurement" in said["Left"] and "country" not in said["Left"] and "americans" not in said["Left"]
    assert t["utterances"][0]["speaker"] == "S1"  # the right channel spoke first


def test_dual_mono_is_mixed_and_diarized_as_without_split(tmp_path, shared_data):
    """jfk.flac is stereo with the same sound on both channels: split must not say it twice."""
    src = shared_data / "speech" / "jfk.flac"
    outs = []
    for mode in ("split", "mix"):
        r = run_cli("transcribe", str(src), "--channels", mode, "--out", str(tmp_path / mode), "--quiet")
        assert r.returncode == 0, r.stderr
        outs.append(_transcript(tmp_path / mode, "jfk"))
        assert "one voice per channel" not in r.stderr  # no note suggesting split for dual mono
        assert ("--channels split was not used" in r.stderr) == (mode == "split")
    split, mix = outs
    assert [(u["speaker"], u["text"]) for u in split["utterances"]] == [(u["speaker"], u["text"]) for u in mix["utterances"]]
    assert not split["models"]["diarization"].startswith("one speaker per channel")


def test_split_changes_the_cache_key_and_mix_keeps_the_old_one(tmp_path):
    from talkscan.resume import key_parts
    from talkscan.pipeline import RunOptions, SpeakerOptions

    path = tmp_path / "a.m4a"
    mix = key_parts(path, RunOptions(), False, "h")
    split = key_parts(path, RunOptions(speakers=SpeakerOptions(channels="split")), False, "h")
    assert "channels" not in mix and split["channels"] == "split"


@pytest.mark.parametrize("value", ["both", ""])
def test_bad_channels_value_is_a_usage_error(tmp_path, value):
    (tmp_path / "a.txt").write_text("Maya: Hi.\nGreg: Hello.\n")
    r = run_cli("transcribe", str(tmp_path / "a.txt"), "--channels", value, "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "--channels" in r.stderr and "Traceback" not in r.stderr


def test_mixing_a_recording_with_a_voice_per_channel_suggests_split(tmp_path, shared_data):
    src = shared_data / "speech" / "stereo_diarization.wav"
    r = run_cli("transcribe", str(src), "--out", str(tmp_path), "--quiet")
    assert r.returncode == 0, r.stderr
    notes = [ln for ln in r.stderr.splitlines() if ln.startswith("talkscan: note:")]
    assert len(notes) == 1 and "stereo_diarization.wav" in notes[0] and "--channels split" in notes[0], r.stderr
    assert any("--channels split" in n for n in _transcript(tmp_path, "stereo_diarization")["notes"])


def test_the_sample_call_split_by_channel_end_to_end(tmp_path):
    """data/samples/support-call.m4a: Ana (left) and Raj (right) on headsets that leak about 28 dB,
    Raj's mirror said over the end of Ana's ask. Split, each keeps their own words and turns, and
    the analysis finds the mirror, the paraphrase and the conflict between them."""
    sample = Path(__file__).resolve().parents[1] / "data" / "samples" / "support-call.m4a"
    r = run_cli("run", str(sample), "--channels", "split", "--names", "Ana,Raj", "--out", str(tmp_path), "--quiet")
    assert r.returncode == 0, r.stderr
    report = json.loads((tmp_path / "support-call" / "report.json").read_text(encoding="utf-8"))
    names = {s["id"]: s["name"] for s in report["speakers"]}
    utts = [(names[u["speaker"]], u["text"].lower(), {t["type"] for t in u["tags"]}) for u in report["utterances"]]
    ana = " ".join(text for who, text, _ in utts if who == "Ana")
    raj = " ".join(text for who, text, _ in utts if who == "Raj")
    assert "procurement" in ana and "premium" not in ana and "audit" in ana
    assert "premium support" in raj and "procurement" not in raj
    # the mirror, said over the end of Ana's ask, is a turn of its own right after it
    assert utts[0][0] == "Ana" and "ask" in utts[0][2]
    assert utts[1][0] == "Raj" and "under" in utts[1][1] and "mirroring" in utts[1][2]
    assert utts[2][0] == "Ana" and utts[2][1].startswith("yes")
    assert any("paraphrase" in tags for who, _, tags in utts if who == "Ana")
    assert [sorted(names[s] for s in c["speakers"]) for c in report["conflicts"]] == [["Ana", "Raj"]]
    # Raj's "Exactly." in Ana's pause ends her paraphrase: her similarity is a turn of its own, after it
    # (Whisper gives that word no length, and it used to cover none of the pause)
    k = next(i for i, (who, text, _) in enumerate(utts) if who == "Raj" and text.startswith("exactly"))
    assert utts[k - 1][0] == "Ana" and "paraphrase" in utts[k - 1][2] and "audit" not in utts[k - 1][1]
    assert utts[k + 1][0] == "Ana" and "audit" in utts[k + 1][1] and "similarity" in utts[k + 1][2]
    exactly = report["utterances"][k]
    assert exactly["end"] - exactly["start"] >= 0.15


def test_a_channel_with_nothing_to_embed_stays_one_voice():
    """Whisper can give a lone word no length: nothing to diarize, so the channel is one voice
    (the file does not fail)."""
    from talkscan.channels import channel_voices

    chan = np.random.default_rng(0).normal(0, 0.1, SR * 3).astype(np.float32)
    assert [[w.text for w in v] for v in channel_voices(chan, words(("Yes.", 1.0, 1.0)), most=3)] == [["Yes."]]


@pytest.mark.parametrize("n", [2, 8, 10])
def test_recordings_of_many_channels_decode_each_channel(tmp_path, n):
    """PyAV read planar frames of eight channels or more out of bounds: `talkscan run` on an 8-channel
    WAV (a conference-room mixer's export) died with a segfault, taking its batch with it."""
    import wave

    from talkscan.audio import decode

    t = np.arange(16000 * 2) / 16000
    x = np.zeros((len(t), n), dtype=np.float32)
    x[:, 0] = 0.5 * np.sin(2 * np.pi * 220 * t)
    x[:, n - 1] = 0.25 * np.sin(2 * np.pi * 330 * t)
    path = tmp_path / f"ch{n}.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(n)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((x * 32767).astype(np.int16).tobytes())
    rows = decode(path, channels=True)
    assert rows.shape == (n, len(t))
    peaks = np.abs(rows).max(axis=1)
    assert peaks[0] == pytest.approx(0.5, abs=0.01) and peaks[-1] == pytest.approx(0.25, abs=0.01)
    assert np.all(peaks[1:-1] < 1e-3)
    assert np.corrcoef(rows[0], x[:, 0])[0, 1] > 0.99
    assert decode(path).shape == (len(t),)
