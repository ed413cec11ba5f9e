"""Voice embeddings: resemblyzer's VoiceEncoder (d-vectors), loaded once per process, fed in batches.

resemblyzer's own `embed_utterance` runs one forward pass per utterance; diarization needs
hundreds of overlapping 1.6 s windows per minute, so the windows' mel spectrograms are computed
in batches here and pushed through the encoder's forward pass together. Only one batch of audio
and features is held at a time, so memory stays flat however long the recording is.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

SAMPLE_RATE = 16000
HOP_SAMPLES = 160  # resemblyzer: 10 ms mel hop
N_FFT = 400  # 25 ms window
N_MELS = 40
EMBEDDING_SIZE = 256
# resemblyzer normalises every training utterance to -30 dBFS; the encoder's input is a linear
# (not log) mel spectrogram, so the level matters.
TARGET_DBFS = -30.0


@lru_cache(maxsize=1)
def load_voice_encoder():
    """resemblyzer's VoiceEncoder in eval mode on the CPU, after its weights pass the hash check."""
    from .errors import ModelError
    from .weights import bundled_dir

    root = bundled_dir("resemblyzer")
    from ._compat import import_resemblyzer

    resemblyzer = import_resemblyzer()
    try:
        encoder = resemblyzer.VoiceEncoder(device="cpu", verbose=False, weights_fpath=root / "pretrained.pt")
    except Exception as e:  # torch.load / state-dict errors: a broken install, not a user error
        raise ModelError(f"cannot load the voice encoder: {e}", path=str(root / "pretrained.pt")) from e
    encoder.eval()
    return encoder


@lru_cache(maxsize=1)
def _mel_basis() -> np.ndarray:
    import librosa

    # Same filter bank as resemblyzer.audio.wav_to_mel_spectrogram (librosa defaults: slaney).
    return librosa.filters.mel(sr=SAMPLE_RATE, n_fft=N_FFT, n_mels=N_MELS).astype(np.float32)


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    import scipy.signal

    return scipy.signal.get_window("hann", N_FFT, fftbins=True).astype(np.float32)


def mel_frames(wavs: np.ndarray) -> np.ndarray:
    """(batch, samples) waveforms -> (batch, frames, 40) mel power spectrograms.

    Matches librosa.feature.melspectrogram as resemblyzer calls it (centred frames, zero padding,
    power 2), computed in numpy so a batch is one vectorised STFT.
    """
    wavs = np.asarray(wavs, dtype=np.float32)
    pad = N_FFT // 2
    padded = np.pad(wavs, ((0, 0), (pad, pad)))
    n_frames = 1 + (padded.shape[1] - N_FFT) // HOP_SAMPLES
    idx = np.arange(N_FFT)[None, :] + HOP_SAMPLES * np.arange(n_frames)[:, None]
    frames = padded[:, idx] * _window()  # (batch, frames, n_fft)
    power = np.abs(np.fft.rfft(frames, axis=-1)) ** 2
    return (power.astype(np.float32) @ _mel_basis().T).astype(np.float32)


def level_gain(audio: np.ndarray, spans: Sequence[tuple[int, int]]) -> float:
    """Gain that brings the speech in `spans` (sample ranges) to resemblyzer's -30 dBFS."""
    energy, count = 0.0, 0
    for a, b in spans:
        seg = audio[a:b].astype(np.float64)
        energy += float(np.dot(seg, seg))
        count += len(seg)
    if count == 0 or energy <= 0.0:
        return 1.0
    rms = np.sqrt(energy / count)
    return float(10 ** (TARGET_DBFS / 20) / rms)


def embed_windows(
    audio: np.ndarray,
    windows: Sequence[tuple[int, int]],
    gain: float = 1.0,
    batch_size: int = 64,
    on_batch=None,
) -> np.ndarray:
    """One L2-normed 256-d embedding per (start, stop) sample range of `audio`.

    Windows of equal length are batched through the encoder together (the usual case: every
    full 1.6 s window); the rest go through in groups of their own length. `on_batch(n)` is called
    after each batch with the number of windows done in it.
    """
    import torch

    encoder = load_voice_encoder()
    out = np.zeros((len(windows), EMBEDDING_SIZE), dtype=np.float32)
    by_length: dict[int, list[int]] = {}
    for i, (a, b) in enumerate(windows):
        by_length.setdefault(b - a, []).append(i)
    with torch.inference_mode():
        for length, idxs in by_length.items():
            for j in range(0, len(idxs), batch_size):
                part = idxs[j : j + batch_size]
                wavs = np.zeros((len(part), length), dtype=np.float32)
                for row, i in enumerate(part):
                    a, b = windows[i]
                    seg = audio[max(0, a) : b]
                    wavs[row, : len(seg)] = seg
                mels = mel_frames(wavs * gain)
                # resemblyzer slices 160 frames per 1.6 s: drop the extra centred frame at the end.
                n = max(1, length // HOP_SAMPLES)
                out[part] = encoder(torch.from_numpy(np.ascontiguousarray(mels[:, :n]))).numpy()
                if on_batch is not None:
                    on_batch(len(part))
    return out

