"""Voice embeddings: resemblyzer's VoiceEncoder (d-vectors), loaded once per process, fed in batches.

resemblyzer's own `embed_utterance` runs one forward pass per utterance; diarization needs
hundreds of windows per minute, so the windows' mel spectrograms are computed in batches here
(torch.stft) and pushed through the encoder's LSTM together, windows of different lengths packed
into one batch. Only the batches in flight are held, so memory stays flat however long the
recording is.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

import numpy as np

from .torch_threads import map_per_core

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
    """(40, 201) filter bank of resemblyzer.audio.wav_to_mel_spectrogram: librosa.filters.mel's
    defaults (Slaney mel scale, Slaney area normalisation, 0 Hz to Nyquist), computed here because
    importing librosa (numba, scipy) costs 1.6 s of a diarization run (tests compare the two)."""

    def hz_to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        lin = f / (200.0 / 3)
        log = 15.0 + np.log(np.maximum(f, 1e-10) / 1000.0) / (np.log(6.4) / 27.0)
        return np.where(f >= 1000.0, log, lin)

    def mel_to_hz(m):
        m = np.asarray(m, dtype=np.float64)
        lin = m * (200.0 / 3)
        log = 1000.0 * np.exp((np.log(6.4) / 27.0) * (m - 15.0))
        return np.where(m >= 15.0, log, lin)

    fft_freqs = np.linspace(0, SAMPLE_RATE / 2, 1 + N_FFT // 2)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : N_MELS + 2] - mel_f[:N_MELS]))[:, None]
    return weights.astype(np.float32)


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
    batch_size: int = 16,
    on_batch=None,
) -> np.ndarray:
    """One L2-normed 256-d embedding per (start, stop) sample range of `audio`.

    Windows are sorted by length and batched as packed sequences: each window's embedding is the
    LSTM state after its own last frame, exactly as if it went through alone (no padding seen).
    Batches run on `torch.get_num_threads()` threads, each batch single-threaded: the LSTM's 480
    small steps per window synchronise an OpenMP team at every step, which stalls whenever another
    process holds a core (measured 1.0-3.4 s for the same 256 windows at load 1.6; one thread per
    batch, two batches at once: 1.0-1.5 s). Small batches are as fast and hold less: diarizing 15
    minutes took 4.7 s and +418 MiB peak at 128 windows a batch, 1.9 s and +98 MiB at 16.
    `on_batch(n)` is called, in the caller's thread, after each batch with the number of windows
    done in it.
    """
    import torch

    encoder = load_voice_encoder()
    out = np.zeros((len(windows), EMBEDDING_SIZE), dtype=np.float32)
    if not windows:
        return out
    lengths = np.array([max(1, b - a) for a, b in windows])
    order = np.argsort(-lengths, kind="stable")
    batches = [order[j : j + batch_size] for j in range(0, len(order), batch_size)]
    hann = torch.hann_window(N_FFT, periodic=True)
    basis = torch.from_numpy(_mel_basis())

    def run(part: np.ndarray) -> np.ndarray:
        longest = int(lengths[part[0]])
        wavs = np.zeros((len(part), longest), dtype=np.float32)
        for row, i in enumerate(part):
            a, b = windows[i]
            seg = audio[max(0, a) : b]
            wavs[row, : len(seg)] = seg
        if gain != 1.0:
            wavs *= gain
        with torch.inference_mode():
            # librosa.feature.melspectrogram as resemblyzer calls it: centred frames, zero padding, power 2.
            # Zeros after a shorter window match its own centre padding, so its frames are unchanged.
            spec = torch.stft(torch.from_numpy(wavs), N_FFT, HOP_SAMPLES, N_FFT, hann, center=True,
                              pad_mode="constant", return_complex=True)
            mels = (basis @ (spec.real**2 + spec.imag**2)).transpose(1, 2)  # (batch, frames, 40)
            # resemblyzer takes 160 frames per 1.6 s: a window's frames are its first samples // 160
            n = torch.from_numpy(np.maximum(1, lengths[part] // HOP_SAMPLES))
            packed = torch.nn.utils.rnn.pack_padded_sequence(mels, n, batch_first=True, enforce_sorted=True)
            _, (hidden, _) = encoder.lstm(packed)
            emb = encoder.relu(encoder.linear(hidden[-1]))
            return (emb / torch.norm(emb, dim=1, keepdim=True)).numpy()

    for part, emb in zip(batches, map_per_core(run, batches, "talkscan-voice")):
        out[part] = emb
        if on_batch is not None:
            on_batch(len(part))
    return out
