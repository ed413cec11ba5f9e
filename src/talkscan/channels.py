"""Recordings with one speaker per channel (call recordings, podcast double-enders, interviews
recorded on two microphones): each channel is transcribed alone and is one speaker. Overlapping
speech stays apart, where a mix would garble both voices into one, and no voice clustering is
needed."""

from __future__ import annotations

import bisect
from dataclasses import replace
from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE, SILENCE_PEAK
from .readers.common import pause_splits
from .transcript import Utterance, Word

# Channels this correlated carry the same sound: a mono recording stored as stereo, or a room
# heard by two microphones. Transcribing them apart would say everything twice.
SAME_SOUND_CORR = 0.8
# A word whose own channel is this much quieter than another channel at that moment is the other
# voice leaking in (headset bleed, echo): the louder channel has the word as its own.
BLEED_DB = 20.0


def separate_channels(chans: np.ndarray) -> bool:
    """Do the rows of `chans` (channels, samples) carry different sound, one voice each? No for
    one channel, for dual mono, and when only one channel has any sound."""
    if chans.ndim != 2 or chans.shape[0] < 2:
        return False
    live = [c for c in range(chans.shape[0]) if peak(chans[c]) >= SILENCE_PEAK]
    if len(live) < 2:
        return False
    # The waveform's correlation is exact for copies and near zero for two people. A strided sample
    # of at most ~4 M points per channel keeps an hour's check small (64 MB, not the whole file twice).
    step = max(4, chans.shape[1] // 4_000_000)
    x = chans[live, ::step]
    corr = np.corrcoef(x)
    off = corr[~np.eye(len(live), dtype=bool)]
    return bool(np.nanmax(off) < SAME_SOUND_CORR)


def looks_split(path: Path, seconds: float = 120.0) -> bool:
    """Does a recording about to be mixed seem to have one voice per channel? A look at its first
    `seconds`, for the note that suggests --channels split; never an error of its own."""
    from .audio import decode
    from .errors import TalkscanError

    try:
        return separate_channels(decode(path, channels=True, limit_s=seconds))
    except TalkscanError:
        return False


SPLIT_NOTE = ("the recording seems to have one voice per channel; --channels split transcribes each channel alone, "
              "which keeps people who talk at once apart and makes each channel a speaker")


def peak(x: np.ndarray) -> float:
    # max and -min, not abs().max(): abs would copy a whole channel
    return max(float(x.max()), -float(x.min())) if x.size else 0.0


def _level_db(chans: np.ndarray, start: float, end: float) -> np.ndarray:
    a = max(0, int(start * SAMPLE_RATE))
    b = max(a + 1, int(end * SAMPLE_RATE))
    seg = chans[:, a:b]
    if seg.shape[1] == 0:
        return np.full(chans.shape[0], -120.0)
    rms = np.sqrt(np.mean(seg.astype(np.float64) ** 2, axis=1))
    return 20 * np.log10(np.maximum(rms, 1e-6))


def drop_bleed(words: list[list[Word]], chans: np.ndarray, bleed_db: float = BLEED_DB) -> list[list[Word]]:
    """Each channel's words without those heard only as another channel's leak."""
    kept: list[list[Word]] = []
    for c, ws in enumerate(words):
        keep = []
        for w in ws:
            db = _level_db(chans, w.start, w.end)
            if db[c] >= np.delete(db, c).max() - bleed_db:
                keep.append(w)
        kept.append(keep)
    return kept


def channel_turns(words: list[list[Word]], speakers: list[str]) -> list[Utterance]:
    """Utterances from each channel's words (channel c speaks as `speakers[c]`), in order of start.
    A channel's words break into a new utterance where another channel's speech starts in the pause
    between them (the other person took the floor), or after a long pause at a sentence end. A
    backchannel said over someone's sentence comes after it, as meeting transcripts show it."""
    starts = sorted((w.start, c) for c, ws in enumerate(words) for w in ws)
    runs: list[tuple[int, list[Word]]] = []
    for c, ws in enumerate(words):
        current: list[Word] = []
        for w in ws:
            if current:
                prev = current[-1]
                other_spoke = any(oc != c for _, oc in _between(starts, prev.end, w.start))
                if other_spoke or pause_splits(prev.text, prev.end, w.start):
                    runs.append((c, current))
                    current = []
            current.append(replace(w, speaker=speakers[c]))
        if current:
            runs.append((c, current))
    runs.sort(key=lambda r: (r[1][0].start, r[0]))
    utterances: list[Utterance] = []
    turn, prev_c = -1, None
    for c, ws in runs:
        if c != prev_c:
            turn, prev_c = turn + 1, c
        utterances.append(Utterance(
            id=f"u{len(utterances)}", turn=turn, speaker=speakers[c], text=" ".join(w.text for w in ws),
            start=ws[0].start, end=ws[-1].end, words=ws,
        ))
    return utterances


def _between(starts: list[tuple[float, int]], lo: float, hi: float) -> list[tuple[float, int]]:
    """The (start, channel) entries with lo <= start < hi."""
    i = bisect.bisect_left(starts, (lo, -1))
    j = bisect.bisect_left(starts, (hi, -1))
    return starts[i:j]
