"""The real bundled Whisper model on real audio, with the network blocked."""

from __future__ import annotations

import re

import pytest

from talkscan.asr import AsrOptions, resolve_model, transcribe
from talkscan.audio import decode
from talkscan.errors import UsageError

pytestmark = pytest.mark.slow


def words_of(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def test_jfk_reference_words(shared_data):
    audio = decode(shared_data / "speech" / "jfk.flac")  # 44.1 kHz stereo FLAC through PyAV
    result = transcribe(audio, AsrOptions())
    ref = words_of((shared_data / "speech" / "jfk.reference.txt").read_text())
    hyp = words_of(" ".join(w.text for w in result.words))
    import jiwer

    assert jiwer.wer(" ".join(ref), " ".join(hyp)) <= 0.1, hyp
    assert result.model == "tiny.en (bundled)" and result.language == "en"
    # word timestamps are ordered and inside the recording
    assert all(0 <= w.start <= w.end <= result.duration_s + 0.5 for w in result.words)
    assert [w.start for w in result.words] == sorted(w.start for w in result.words)


def test_mp3_decodes_and_transcribes(shared_data):
    audio = decode(shared_data / "speech" / "hotwords.mp3")
    assert audio.dtype.name == "float32" and audio.ndim == 1 and len(audio) > 16000
    assert transcribe(audio, AsrOptions()).words


def test_bundled_model_is_hash_checked():
    path, label = resolve_model(None)
    assert path.endswith("model") and label == "tiny.en (bundled)"


def test_model_folder_without_model_bin(tmp_path):
    with pytest.raises(UsageError, match="no model.bin"):
        resolve_model(str(tmp_path))


@pytest.mark.parametrize("channels", ["split", "mix"])
def test_another_language_with_the_english_only_model_is_noted_not_claimed(tmp_path, channels):
    """`-l de` with the bundled tiny.en: faster-whisper printed its own warning twice and used English,
    while the report claimed German ("the analyzer reads English only: its tags here mean little")."""
    from conftest import SAMPLES, run_cli

    r = run_cli("run", str(SAMPLES / "support-call.m4a"), "--channels", channels, "--language", "de",
                "--out", str(tmp_path), "--quiet")
    assert r.returncode == 0, r.stderr
    assert "English-only" not in r.stderr   # faster-whisper's own warning
    import json

    report = json.loads((tmp_path / "support-call" / "report.json").read_text())
    assert report["language"] == "en"
    assert [n for n in report["notes"] if "language" in n] == [
        "--language de was not used: the Whisper model tiny.en (bundled) knows English only "
        "(a multilingual --model, such as small or large-v3, reads others)"]
    assert f"talkscan: note: {SAMPLES / 'support-call.m4a'}: " in r.stderr and "--language de was not used" in r.stderr


def test_a_gpu_that_is_not_there_is_named_with_the_way_out():
    """`--device cuda` on a machine without CUDA said "cannot load Whisper model 'None'"."""
    import ctranslate2

    from talkscan.asr import load_model
    from talkscan.errors import ModelError

    if ctranslate2.get_cuda_device_count() > 0:
        pytest.skip("this machine has a CUDA device")
    with pytest.raises(ModelError) as e:
        load_model(None, "cuda")
    assert str(e.value).startswith("cannot load Whisper model tiny.en (bundled) on cuda: ")
    assert str(e.value).endswith("; --device cpu runs it on the processor")
