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
