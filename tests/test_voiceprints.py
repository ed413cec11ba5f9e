"""Voiceprints: matching logic and storage on fakes, then the real encoder (and the real pipeline)
on meetings cut from the project's own sample recording, data/samples/pricing-sync.m4a."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import SAMPLES
from talkscan import voiceprints as vp
from talkscan.errors import AudioError, InputError, ModelError, UsageError
from talkscan.voiceprints import Voiceprint, VoiceStore, match_speakers

RECORDING = SAMPLES / "pricing-sync.m4a"
REFERENCE = SAMPLES / "pricing-sync.reference.json"
SR = 16000


def _unit(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.linalg.norm(x)


def _voice(name: str, vec, model: str | None = None) -> Voiceprint:
    return Voiceprint(name=name, vector=_unit(vec), model=model or vp.voice_model_id(), speech_s=5.0)


# --------------------------------------------------------------------------- matching (fakes)


def test_assignment_gives_each_voice_to_one_speaker_at_most():
    # both speakers are closest to Ann; the assignment must still give Bo to S1
    ann, bo = _voice("Ann", [1, 0, 0]), _voice("Bo", [0, 1, 0])
    speakers = {"S0": (_unit([1, 0.1, 0]), 9.0), "S1": (_unit([1, 0.9, 0]), 9.0)}
    m = match_speakers(speakers, [ann, bo], threshold=0.5)
    assert (m["S0"].name, m["S1"].name) == ("Ann", "Bo")
    assert m["S1"].best == "Ann"  # the closest voice is still reported
    assert m["S1"].score == pytest.approx(float(_unit([1, 0.9, 0]) @ bo.vector), abs=1e-4)


def test_below_threshold_or_too_little_speech_stays_anonymous():
    ann = _voice("Ann", [1, 0, 0])
    speakers = {"S0": (_unit([1, 1, 0]), 9.0), "S1": (_unit([1, 0, 0]), 0.5), "S2": (None, 0.0)}
    m = match_speakers(speakers, [ann], threshold=0.8)
    assert m["S0"].name is None and m["S0"].best == "Ann" and m["S0"].score == pytest.approx(0.7071, abs=1e-3)
    assert m["S1"].name is None, "0.5 s of speech is under MIN_MATCH_SPEECH_S"
    assert m["S2"].name is None
    assert match_speakers(speakers, [], threshold=0.8)["S0"].name is None


def test_more_voices_than_speakers():
    voices = [_voice(n, v) for n, v in (("Ann", [1, 0, 0]), ("Bo", [0, 1, 0]), ("Cy", [0, 0, 1]))]
    m = match_speakers({"S0": (_unit([0, 0.2, 1]), 4.0)}, voices, threshold=0.9)
    assert m["S0"].name == "Cy"


def test_prints_of_another_encoder_are_refused():
    other = _voice("Ann", [1, 0, 0], model="resemblyzer/0000000000000000")
    with pytest.raises(ModelError, match="another voice encoder"):
        match_speakers({"S0": (_unit([1, 0, 0]), 5.0)}, [other])


def test_model_id_names_the_encoder_and_its_weights():
    from talkscan.weights import BUNDLED

    assert vp.voice_model_id() == "resemblyzer/" + dict(BUNDLED["resemblyzer"])["pretrained.pt"][:16]


# --------------------------------------------------------------------------- storage (fakes)


def test_store_round_trip_duplicates_remove_and_fingerprint(tmp_path):
    db = tmp_path / "v" / "voices.db"
    assert vp.voices_fingerprint(db) is None
    ann = _voice("Ann", np.arange(1, 257))
    with VoiceStore(db) as s:
        s.add(ann)
        with pytest.raises(UsageError, match="already enrolled"):
            s.add(ann)
        got = s.voices()
    assert [v.name for v in got] == ["Ann"]
    assert np.array_equal(got[0].vector, ann.vector) and got[0].model == ann.model and got[0].speech_s == 5.0
    fp1 = vp.voices_fingerprint(db)
    with VoiceStore(db) as s:
        s.add(_voice("Ann", np.arange(256, 0, -1)), replace=True)
    fp2 = vp.voices_fingerprint(db)
    assert fp1 != fp2, "re-enrolling must change the fingerprint (batch resume keys hash it)"
    with VoiceStore(db) as s:
        s.remove("Ann")
        with pytest.raises(UsageError, match="no voice named"):
            s.remove("Ann")
        assert s.voices() == []
    assert vp.voices_fingerprint(db) not in (fp1, fp2)


def test_one_person_is_one_name_and_a_second_name_for_a_voice_is_reported(tmp_path):
    """"maya" was a second person beside "Maya", and one voice enrolled as Greg and as Gregory went
    unremarked: reports then named whichever scored higher in each meeting."""
    db = tmp_path / "voices.db"
    greg = _voice("Greg", np.arange(1, 257))
    with VoiceStore(db) as s:
        assert s.add(greg) == []
        with pytest.raises(UsageError, match="'Greg' is already enrolled"):
            s.add(_voice("greg", np.arange(1, 257)))
        alike = s.add(_voice("Gregory", np.arange(1, 257) + 0.5))
        assert [n for n, _ in alike] == ["Greg"] and alike[0][1] >= vp.MATCH_THRESHOLD
        assert s.add(_voice("Ann", np.arange(256, 0, -1) * (np.arange(256) % 2 * 2 - 1))) == []
        s.add(_voice("GREG", np.arange(1, 257)), replace=True)   # replaces Greg, not a third Greg
        assert sorted(v.name for v in s.voices()) == ["Ann", "GREG", "Gregory"]
        s.remove("gregory")
        assert sorted(v.name for v in s.voices()) == ["Ann", "GREG"]
        s.add(_voice("Émile", np.arange(1, 257) % 7))
        with pytest.raises(UsageError, match="'Émile' is already enrolled"):   # beyond ASCII too
            s.add(_voice("ÉMILE", np.arange(1, 257) % 7))


def test_cli_list_and_remove(tmp_path):
    from talkscan.cli_voices import voices_app

    runner = CliRunner()
    db = tmp_path / "voices.db"
    r = runner.invoke(voices_app, ["list", "--voices", str(db)])
    assert r.exit_code == 0 and "no voices enrolled" in r.output
    r = runner.invoke(voices_app, ["remove", "Ann", "--voices", str(db)])
    assert r.exit_code == 2 and "no voiceprint database" in r.output
    with VoiceStore(db) as s:
        s.add(_voice("Ann", np.ones(256)))
        s.add(_voice("Bo", np.ones(256), model="resemblyzer/0000000000000000"))
    r = runner.invoke(voices_app, ["list", "--voices", str(db)])
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[1].startswith("Ann") and "5.0s" in lines[1]
    assert lines[2].startswith("Bo") and "re-enrol" in lines[2]
    assert runner.invoke(voices_app, ["remove", "Ann", "--voices", str(db)]).exit_code == 0
    r = runner.invoke(voices_app, ["add", "Cy", "--voices", str(db)])
    assert r.exit_code == 2 and "give a recording FILE" in r.output
    r = runner.invoke(voices_app, ["add", "Cy", "--from", str(tmp_path), "--voices", str(db)])
    assert r.exit_code == 2 and "--speaker" in r.output


# --------------------------------------------------------------------------- real encoder


@pytest.fixture(scope="module")
def sample():
    """(16 kHz audio, reference turns) of the sample meeting."""
    from talkscan.audio import decode

    return decode(RECORDING), json.loads(REFERENCE.read_text())["turns"]


def _wav(path: Path, audio: np.ndarray) -> Path:
    import soundfile as sf

    sf.write(str(path), audio, SR, subtype="PCM_16")
    return path


def _cut(audio, turns, gap_s: float = 0.6):
    """Concatenate `turns` (reference dicts) with silence between: (audio, [(start, end, speaker)])."""
    parts, spans, t = [], [], 0.0
    gap = np.zeros(int(gap_s * SR), dtype=np.float32)
    for turn in turns:
        seg = audio[int(turn["start"] * SR) : int(turn["end"] * SR)]
        parts += [gap, seg]
        spans.append((t + gap_s, t + gap_s + len(seg) / SR, turn["speaker"]))
        t += gap_s + len(seg) / SR
    parts.append(gap)
    return np.concatenate(parts), spans


def test_enrolling_from_silence_is_a_clear_error(tmp_path):
    silent = np.zeros(5 * SR, dtype=np.float32)
    with pytest.raises(InputError, match="silent"):
        vp.enrol_audio("Ann", silent)
    # through a file, as `talkscan voices add` reads it: the decoder already says it is silent
    with pytest.raises(AudioError, match="silent"):
        vp.enrol_file("Ann", _wav(tmp_path / "silence.wav", silent))
    # faint noise, not silence, but no speech either
    noise = (np.random.default_rng(0).normal(size=5 * SR) * 1e-3).astype(np.float32)
    with pytest.raises(InputError, match="speech"):
        vp.enrol_audio("Ann", noise)


def test_enrolling_under_two_seconds_of_speech_is_a_clear_error(sample, tmp_path):
    audio, turns = sample
    # the shortest turn of over a second ("We are far apart.", "I am, yes."): speech, but under 2 s
    short = min((t for t in turns if 1.0 < t["end"] - t["start"] < 1.8), key=lambda t: t["end"] - t["start"])
    clip, _ = _cut(audio, [short], gap_s=1.0)
    path = _wav(tmp_path / "short.wav", clip)
    with pytest.raises(InputError, match=r"only \d\.\d\d s of speech; a voiceprint needs at least 2 s") as e:
        vp.enrol_file("Greg", path)
    assert "\n" not in str(e.value)
    # a span of a longer recording under 2 s is refused the same way
    with pytest.raises(InputError, match="at least 2 s"):
        vp.enrol_file("Greg", RECORDING, start=short["start"] - 0.05, end=short["end"] + 0.05)
    with pytest.raises(UsageError, match="--end"):
        vp.enrol_file("Greg", RECORDING, start=14.0, end=12.0)


def test_cli_add_from_a_report_folder(sample, tmp_path):
    """`voices add NAME --from REPORT_DIR --speaker S1` reads the speaker's times from transcript.json."""
    from talkscan.cli_voices import voices_app

    audio, turns = sample
    meeting = _wav(tmp_path / "a.wav", audio[: 50 * SR])
    report = tmp_path / "out" / "a"
    report.mkdir(parents=True)
    greg = [t for t in turns if t["speaker"] == "Greg" and t["end"] < 50]
    data = {
        "schema": "talkscan.transcript/1", "source": str(meeting), "kind": "recording",
        "speakers": [{"id": "S0", "name": None}, {"id": "S1", "name": None}],
        "utterances": [{"id": f"u{i}", "turn": i, "speaker": "S1", "text": t["text"], "start": t["start"],
                        "end": t["end"]} for i, t in enumerate(greg)],
    }
    (report / "transcript.json").write_text(json.dumps(data))
    db = tmp_path / "voices.db"
    r = CliRunner().invoke(voices_app, ["add", "Greg", "--from", str(report), "--speaker", "S1", "--voices", str(db)])
    assert r.exit_code == 0, r.output
    with VoiceStore(db) as s:
        (v,) = s.voices()
    expected = sum(t["end"] - t["start"] for t in greg if t["end"] - t["start"] >= vp.MIN_WINDOW_S)
    assert v.name == "Greg" and v.speech_s == pytest.approx(expected, abs=0.05)
    r = CliRunner().invoke(voices_app, ["add", "Greg2", "--from", str(report), "--speaker", "S7", "--voices", str(db)])
    assert r.exit_code == 2 and "no speaker 'S7'" in r.output
    # the same voice under a second name is enrolled, with a warning that names the first
    r = CliRunner().invoke(voices_app, ["add", "Gregory", "--from", str(report), "--speaker", "S1", "--voices", str(db)])
    assert r.exit_code == 0 and "matches the one enrolled as Greg" in r.output, r.output


@pytest.mark.slow
def test_two_enrolled_voices_are_named_in_another_meeting_and_the_stranger_is_not(sample, tmp_path):
    """Acceptance (issue 7): enrol Greg and Maya from meeting A (the first half of the sample), run
    meeting B (their second-half turns plus Tom's turns; Tom is never enrolled) through the real pipeline."""
    from talkscan.pipeline import RunOptions, apply_names, transcript_from_recording

    audio, turns = sample
    half = 50.0
    meeting_a = _wav(tmp_path / "meeting-a.wav", audio[: int(half * SR)])
    db = tmp_path / "voices.db"
    with VoiceStore(db) as s:
        for name in ("Greg", "Maya"):  # each from the span of their longest turn in meeting A
            turn = max((t for t in turns if t["speaker"] == name and t["end"] < half), key=lambda t: t["end"] - t["start"])
            s.add(vp.enrol_file(name, meeting_a, start=turn["start"] - 0.1, end=turn["end"] + 0.1))

    # Greg and Maya's second-half turns; Tom (never enrolled) says too little there for diarization
    # to keep him apart, so all his turns go in
    b_turns = [t for t in turns if (t["start"] >= half and t["speaker"] in ("Greg", "Maya")) or t["speaker"] == "Tom"]
    clip, spans = _cut(audio, b_turns)
    meeting_b = _wav(tmp_path / "meeting-b.wav", clip)
    t = transcript_from_recording(meeting_b, RunOptions(voices=db))

    def speaker_at(a: float, b: float) -> str:
        overlap: dict[str, float] = {}
        for u in t.utterances:
            overlap[u.speaker] = overlap.get(u.speaker, 0.0) + max(0.0, min(b, u.end) - max(a, u.start))
        return max(overlap, key=overlap.get)

    named = {}
    for a, b, who in spans:
        if b - a >= 1.0:
            named.setdefault(who, set()).add(t.speaker_label(speaker_at(a, b)) if t.speaker(speaker_at(a, b)).name else None)
    assert named["Greg"] == {"Greg"}, named
    assert named["Maya"] == {"Maya"}, named
    assert named["Tom"] == {None}, named
    assert sorted(s.name for s in t.speakers if s.name) == ["Greg", "Maya"]
    assert "voiceprints" in t.models
    # --names still overrides a voiceprint's name
    first = t.utterances[0].speaker
    apply_names(t, ["Zed"])
    assert t.speaker(first).name == "Zed"


def test_voiceprints_name_the_channels_of_a_split_call(sample, tmp_path):
    """A two-channel call, Greg on the left and Maya on the right, each leaking 30 dB into the other
    channel: with --channels split the enrolled voices name each channel's speaker."""
    from talkscan.pipeline import RunOptions, SpeakerOptions, transcript_from_recording

    audio, turns = sample
    half = 50.0
    meeting_a = _wav(tmp_path / "meeting-a.wav", audio[: int(half * SR)])
    db = tmp_path / "voices.db"
    with VoiceStore(db) as s:
        for name in ("Greg", "Maya"):
            turn = max((t for t in turns if t["speaker"] == name and t["end"] < half), key=lambda t: t["end"] - t["start"])
            s.add(vp.enrol_file(name, meeting_a, start=turn["start"] - 0.1, end=turn["end"] + 0.1))
    clip, spans = _cut(audio, [t for t in turns if t["start"] >= half and t["speaker"] in ("Greg", "Maya")])
    left, right = np.zeros_like(clip), np.zeros_like(clip)
    for a, b, who in spans:
        own, other = (left, right) if who == "Greg" else (right, left)
        own[int(a * SR): int(b * SR)] = clip[int(a * SR): int(b * SR)]
        other[int(a * SR): int(b * SR)] = 0.03 * clip[int(a * SR): int(b * SR)]
    call = _wav(tmp_path / "call.wav", np.stack([left, right], 1))
    t = transcript_from_recording(call, RunOptions(voices=db, speakers=SpeakerOptions(channels="split")))
    assert t.models["diarization"].startswith("one speaker per channel")
    assert [(s.id, s.name) for s in t.speakers] == [("S0", "Greg"), ("S1", "Maya")]


def test_enrolling_from_a_split_call_hears_the_speakers_own_channel(tmp_path):
    """From a report of a call split by channel, a speaker's print is made from their own channel,
    as matching hears them, not from the mix, which carries the other side where the two overlap."""
    from talkscan.audio import decode
    from talkscan.pipeline import RunOptions, SpeakerOptions, transcript_from_recording, write_report

    call = SAMPLES / "support-call.m4a"
    t = transcript_from_recording(call, RunOptions(speakers=SpeakerOptions(channels="split")))
    folder = tmp_path / "support-call"
    write_report(t, folder)
    chans = decode(call, channels=True)
    for sid, channel in (("S0", 0), ("S1", 1)):
        spans = [(u.start, u.end) for u in t.utterances if u.speaker == sid]
        got = vp.enrol_from_report("X", folder, sid)
        own = vp.enrol_audio("X", chans[channel], spans=spans)
        mix = vp.enrol_audio("X", decode(call), spans=spans)
        assert np.allclose(got.vector, own.vector) and not np.allclose(got.vector, mix.vector)


def test_a_report_moved_away_from_its_recording_says_where_it_looked_and_what_to_do(tmp_path, monkeypatch):
    """`rename --enrol` on a copied report said only "the report's recording '…' is not here"."""
    import json

    folder = tmp_path / "copied" / "meeting"
    folder.mkdir(parents=True)
    report = {"source": "recordings/meeting.m4a", "kind": "recording", "speakers": [{"id": "S0", "name": "Tom"}],
              "utterances": [{"id": "u0", "speaker": "S0", "start": 0.0, "end": 5.0, "text": "hello"}]}
    (folder / "report.json").write_text(json.dumps(report))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as e:
        vp.enrol_from_report("Tom", folder, "S0")
    assert e.value.message == (f"cannot find the report's recording 'recordings/meeting.m4a' (looked from {tmp_path} "
                            "and around the report): enrol from the recording itself with "
                            "`talkscan voices add Tom FILE --start S --end S`")
