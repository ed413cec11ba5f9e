"""Recordings with one speaker per channel (call recordings, podcast double-enders, interviews
recorded on two microphones): each channel is transcribed alone and is one speaker. Overlapping
speech stays apart, where a mix would garble both voices into one, and no voice clustering is
needed."""

from __future__ import annotations

import bisect
from dataclasses import replace
from pathlib import Path

import numpy as np

from .audio import SAMPLE_RATE
from .readers.common import pause_splits
from .transcript import Utterance, Word

# One voice per channel shows in the levels: where someone speaks, their own channel is far louder
# than the others (a headset, a phone line). A room heard by two microphones, or mono saved as
# stereo, has every voice at about the same level on every channel (measured on the files of
# tests/test_channels.py: a voice per channel 0.58-1.0 of the speech frames 15 dB apart, a
# reverberant spaced pair 0.001, dual mono 0).
APART_DB = 15.0        # a frame where the loudest channel leads the next by this much
APART_SHARE = 0.3      # ... in at least this share of the frames with speech
LEAD_DB = 6.0          # and each of two channels leads by this much ...
LEAD_SHARE = 0.05      # ... in at least this share: a second channel of hiss or hum is not a voice
FRAME_S = 0.05
# Before transcription, a channel's frame this much below another's is silenced (gate_leaks)
GATE_DB = 15.0
# the other channel's words must fill this much of a pause to end a turn there (word times are fuzzy)
MIN_FLOOR_S = 0.15
MAX_WORD_S = 5.0   # no word lasts longer: how far back to look for one reaching into a pause
# A word whose own channel is this much quieter than another channel at that moment is the other
# voice leaking in (headset bleed, echo): the louder channel has the word as its own.
BLEED_DB = 20.0


def _loudest_other(levels: np.ndarray, c: int) -> np.ndarray:
    """The loudest of the channels other than `c`, per frame (or for one span: levels of shape (channels,))."""
    return np.delete(levels, c, axis=0).max(axis=0)


def frame_levels(chans: np.ndarray, frame_s: float = FRAME_S) -> np.ndarray:
    """dB level of each channel in each frame (channels, frames), without copying the audio."""
    frame = int(frame_s * SAMPLE_RATE)
    n = chans.shape[1] // frame
    levels = np.empty((chans.shape[0], n))
    for c in range(chans.shape[0]):
        x = chans[c, : n * frame].reshape(n, frame)
        levels[c] = np.einsum("ij,ij->i", x, x) / frame
    return 10 * np.log10(np.maximum(levels, 1e-12))


def separate_channels(chans: np.ndarray) -> bool:
    """Do the rows of `chans` (channels, samples) each carry their own voice? No for one channel,
    for dual mono or a room on two microphones, and when only one channel has a voice."""
    if chans.ndim != 2 or chans.shape[0] < 2:
        return False
    lev = frame_levels(chans)
    if lev.shape[1] == 0:
        return False
    speech = lev.max(axis=0) > lev.max() - 40.0
    lev = lev[:, speech]
    ranked = np.sort(lev, axis=0)
    apart = float(np.mean(ranked[-1] - ranked[-2] >= APART_DB))
    leads = [float(np.mean(lev[c] - _loudest_other(lev, c) >= LEAD_DB)) for c in range(lev.shape[0])]
    return apart >= APART_SHARE and sum(share >= LEAD_SHARE for share in leads) >= 2


def looks_split(path: Path, seconds: float = 120.0) -> bool:
    """Does a recording about to be mixed seem to have one voice per channel? A look at its first
    `seconds`, for the note that suggests --channels split; never an error of its own."""
    from .audio import channel_count, decode
    from .errors import TalkscanError

    if channel_count(path) < 2:   # most recordings are mono: nothing to look at, nothing to decode
        return False
    try:
        return separate_channels(decode(path, channels=True, limit_s=seconds))
    except TalkscanError:
        return False


# transcript.models["diarization"] of a split recording starts so; its speakers are in channel order
SPLIT_MODEL = "one speaker per channel"

SPLIT_NOTE = ("the recording seems to have one voice per channel; --channels split transcribes each channel alone, "
              "which keeps people who talk at once apart and makes each channel a speaker")


NOT_SPLIT_NOTE = ("--channels split was not used: the recording's channels do not each carry a voice of their own "
                  "(mono, or a room on two microphones), so its speakers were told apart by voice")


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
            if db[c] >= _loudest_other(db, c) - bleed_db:
                keep.append(w)
        kept.append(keep)
    return kept


def channel_turns(words: list[list[Word]], speakers: list[str], lines: list[int] | None = None) -> list[Utterance]:
    """Utterances from each channel's words (channel c speaks as `speakers[c]`), in order of start.
    A channel's words break into a new utterance where another channel's speech fills part of the
    pause between them (the other person took the floor), or after a long pause at a sentence end.
    A backchannel said over someone's sentence comes after it, as meeting transcripts show it.
    `lines[c]`: the recorded channel of word list c, where voices that share one were told apart
    (`channel_voices`): their words come from one transcription and never overlap, so any word of
    another voice on the same line between two words is a change of speaker, however short."""
    lines = lines or list(range(len(words)))
    spans = sorted((w.start, w.end, c) for c, ws in enumerate(words) for w in ws)
    starts = [x[0] for x in spans]
    runs: list[tuple[int, list[Word]]] = []
    for c, ws in enumerate(words):
        current: list[Word] = []
        for w in ws:
            if current:
                prev = current[-1]
                other_spoke = (_other_speech(spans, starts, c, prev.end, w.start) >= MIN_FLOOR_S
                               or _same_line_between(spans, starts, c, lines, prev.start, w.start))
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


def channel_voices(chan: np.ndarray, words: list[Word], most: int, others: list[Word] = (),
                   progress=None) -> list[list[Word]]:
    """One channel's words split by voice, for a channel that several people share (a meeting room
    on one line of a call): diarized as a mix is, the number of voices estimated between 1 and
    `most`; the voices in order of first appearance, each word once. Voices are told apart only
    where no other channel's words (`others`) are said at the same time: there the leak gate has cut
    the channel's sound up, and one voice read there sounds like another (one person's sentence
    said over the other line's came back as two people)."""
    from . import diarize
    from .errors import AudioError
    from .progress import no_progress
    from .speaker_edges import clause_spans, snap_to_sentences

    speech = diarize.speech_from_words(words, max_gap=0.25)
    clear = _without(speech, [(w.start, w.end) for w in others])
    try:
        turns = diarize.diarize(chan, clear or speech, diarize.DiarizeOptions(max_speakers=most),
                                progress or no_progress, clauses=clause_spans(words))
    except AudioError:   # words without a span of sound to embed (Whisper gave them no length): one voice
        return [[replace(w, speaker=None) for w in words]]
    voices: dict[str | None, list[Word]] = {}
    for w in snap_to_sentences(diarize.assign_speakers(words, turns)):
        voices.setdefault(w.speaker, []).append(replace(w, speaker=None))
    return list(voices.values())


def _without(spans: list[tuple[float, float]], cut: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """`spans` (in order, apart) less the times in `cut`; one sweep, for hour-long calls."""
    merged: list[list[float]] = []
    for a, b in sorted(cut):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    out, k = [], 0
    for a, b in spans:
        while k < len(merged) and merged[k][1] <= a:
            k += 1
        j = k
        while j < len(merged) and merged[j][0] < b:
            if merged[j][0] > a:
                out.append((a, merged[j][0]))
            a = max(a, merged[j][1])
            j += 1
        if a < b:
            out.append((a, b))
    return out


def _same_line_between(spans: list[tuple[float, float, int]], starts: list[float], c: int, lines: list[int],
                       lo: float, hi: float) -> bool:
    """Does a word of another voice on `c`'s line start between `c`'s words starting at lo and hi?"""
    i, j = bisect.bisect_right(starts, lo), bisect.bisect_left(starts, hi)
    return any(oc != c and lines[oc] == lines[c] for _, _, oc in spans[i:j])


def _other_speech(spans: list[tuple[float, float, int]], starts: list[float], c: int, lo: float, hi: float) -> float:
    """Seconds of the pause (lo, hi) that words of channels other than `c` cover (overlaps add up)."""
    if hi <= lo:
        return 0.0
    j = bisect.bisect_left(starts, hi)
    i = bisect.bisect_left(starts, lo - MAX_WORD_S)
    return sum(max(0.0, min(e, hi) - max(s, lo)) for s, e, oc in spans[i:j] if oc != c)


def gate_leaks(chans: np.ndarray, gate_db: float = GATE_DB, frame_s: float = FRAME_S) -> None:
    """Silence, in place, each channel's frames where another channel is `gate_db` louder: there
    it only carries the other voice's leak. Whisper transcribes a leak as speech and, following it,
    can miss the channel's own words said over it (a "Exactly." said as the other person finished
    was lost that way on the sample call). Frames where both people talk keep both."""
    lev = frame_levels(chans, frame_s)
    frame = int(frame_s * SAMPLE_RATE)
    for c in range(chans.shape[0]):
        for k in np.flatnonzero(lev[c] < _loudest_other(lev, c) - gate_db):
            chans[c, k * frame: (k + 1) * frame] = 0.0
