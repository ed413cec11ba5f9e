"""Every file type talkscan accepts as a recording is one PyAV really decodes: a two-second tone
written in each container by PyAV's own encoders, found in a folder and decoded to 16 kHz mono."""

from __future__ import annotations

import numpy as np
import pytest

from talkscan.audio import AUDIO_EXTENSIONS, SAMPLE_RATE, decode
from talkscan.pipeline import collect_inputs

# extension → (container, codec, sample rate): what phones, recorders and meeting apps write
RECIPES = {
    ".m4a": ("mp4", "aac", 16000), ".mp4": ("mp4", "aac", 16000), ".m4v": ("mp4", "aac", 16000),
    ".mov": ("mov", "aac", 16000), ".3gp": ("3gp", "aac", 16000), ".aac": ("adts", "aac", 16000),
    ".mkv": ("matroska", "aac", 16000), ".mka": ("matroska", "aac", 16000),
    ".mp3": ("mp3", "mp3", 16000), ".avi": ("avi", "mp3", 16000),
    ".wav": ("wav", "pcm_s16le", 16000), ".caf": ("caf", "pcm_s16le", 16000),
    ".aif": ("aiff", "pcm_s16be", 16000), ".aiff": ("aiff", "pcm_s16be", 16000),
    ".flac": ("flac", "flac", 16000),
    ".ogg": ("ogg", "libopus", 48000), ".oga": ("ogg", "libopus", 48000), ".opus": ("ogg", "libopus", 48000),
    ".webm": ("webm", "libopus", 48000),
    ".wma": ("asf", "wmav2", 16000), ".wmv": ("asf", "wmav2", 16000),
    ".amr": ("amr", "libopencore_amrnb", 8000),
}


def _write_tone(path, container: str, codec: str, rate: int, seconds: float = 2.0) -> None:
    import av

    t = np.arange(int(rate * seconds)) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    with av.open(str(path), "w", format=container) as c:
        s = c.add_stream(codec, rate=rate)
        s.layout = "mono"
        if codec == "wmav2":
            s.bit_rate = 32000
        # some encoders (wmav2, amr) take frames of exactly their frame size
        size = s.codec_context.frame_size or 1024
        for k in range(0, len(tone), size):
            chunk = tone[k : k + size]
            chunk = np.pad(chunk, (0, size - len(chunk)))
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
            frame.sample_rate = rate
            for packet in s.encode(frame):
                c.mux(packet)
        for packet in s.encode(None):
            c.mux(packet)


def test_every_accepted_recording_type_has_a_recipe_here():
    assert sorted(RECIPES) == sorted(AUDIO_EXTENSIONS)


@pytest.mark.parametrize("ext", sorted(RECIPES))
def test_each_accepted_type_is_found_in_a_folder_and_decoded(tmp_path, ext):
    path = tmp_path / f"meeting{ext}"
    _write_tone(path, *RECIPES[ext])
    assert collect_inputs(tmp_path) == [path]
    audio = decode(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) / SAMPLE_RATE - 2.0) < 0.2   # encoders pad a frame at most
    assert 0.2 < float(np.abs(audio).max()) < 0.45     # the tone, not silence or noise
