"""Speaker diarization: who spoke when, from voice embeddings and spectral clustering.

1. Speech spans (Silero VAD regions or runs of ASR words) are cut into 1.6 s windows every
   0.25 s; a span shorter than a window is embedded whole, on its own. A long recording's
   windows are spaced wider (up to one window length), so about `coarse_windows` cover it, and
   windows every 0.25 s are added later only where neighbouring windows disagree (step 4).
2. resemblyzer embeds every window (voice.py, batched, flat memory).
3. The long windows' embeddings are clustered spectrally (cosine affinity, each row pruned to
   its strongest fifth); the eigengap picks k. Eigengaps cannot say "one speaker", so clusters
   whose centroids are still the same voice (cosine above `same_speaker_similarity`) are merged,
   down to k=1. Where the eigengap falls between groups of similar voices, k is raised while the
   extra clusters are still distinct voices (centroids below `distinct_voice_similarity`).
   (Centring on the recording's mean is an option; it hurt on real meetings.)
4. Every window, short ones included, goes to its nearest centroid; a short span ("yeah",
   "four sixty?") therefore keeps its own speaker, never merged into its neighbour's turn and
   never a speaker of its own, whatever the window spacing. Where two neighbouring windows of a
   long span go to different speakers, the stretch they cover is re-embedded at the fine hop.
5. Inside a long span, each 50 ms frame takes the speaker its covering windows favour, then
   runs shorter than `min_turn_s` are absorbed by their neighbours (only inside one span).
6. Given the ASR's clauses (sentences and comma-ended pieces), a short clause inside a longer
   span ("Twelve weeks?" said just before the other person's next words) is embedded alone, and
   takes the speaker it clearly prefers: a 1.6 s window there mostly hears the neighbour.

Pure functions of numpy arrays and dataclasses; the encoder is the only model (voice.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .errors import AudioError
from .progress import ProgressFn, no_progress
from .transcript import Word

__all__ = [
    "DiarizeOptions",
    "SpeakerTurn",
    "load_voice_encoder",
    "diarize",
    "speech_from_words",
    "assign_speakers",
]

SAMPLE_RATE = 16000
FRAME_S = 0.05  # resolution of the labelled timeline


@dataclass
class DiarizeOptions:
    """How to diarize. Defaults were tuned on the AMI train clips (docs/diarization.md)."""

    num_speakers: int | None = None  # fixed k (--speakers N); overrides min/max
    min_speakers: int = 1
    max_speakers: int = 8
    window_s: float = 1.6  # embedding window (resemblyzer's partial utterance length)
    # Finest window spacing: used throughout on short recordings, and near speaker changes.
    hop_s: float = 0.25
    # A recording with more long-span speech than this many windows at hop_s cover gets wider
    # spacing (up to window_s) for clustering; windows at hop_s are added only where neighbouring
    # windows disagree. Short recordings (under ~4 minutes of speech) are unaffected. The LSTM
    # is nearly all of diarization's time, and clustering used at most max_cluster_windows anyway.
    coarse_windows: int = 1000
    # Two clusters whose uncentred centroids are closer than this are one voice.
    same_speaker_similarity: float = 0.85
    # The eigengap undercounts similar voices (espeak-ng meetings: 10 of 40 dev, 15 of 36 brisk):
    # k is raised while the k+1 clusters' centroids are all further apart than this.
    distinct_voice_similarity: float = 0.80
    # Speech shorter than this is widened (centred) before embedding: fewer frames than this
    # give the LSTM too little to go on.
    min_embed_s: float = 0.5
    # Inside one speech span, label runs shorter than this join their neighbours.
    min_turn_s: float = 0.5
    # Affinity pruning: each row keeps its strongest `keep` fraction (spectral clustering's
    # usual denoising; the rest of the row is scaled down, not cut, so the graph stays connected).
    keep: float = 0.2
    # Centre embeddings on the recording's mean before clustering. Off: on AMI it lowered the
    # same/different-speaker ranking of window pairs (ROC AUC 0.93 -> 0.75) and raised train DER,
    # because the mean is mostly the dominant speaker's voice (docs/diarization.md).
    centre: bool = False
    # Above this many long windows, clustering runs on an even subsample and the rest are
    # assigned to the centroids: the affinity matrix is quadratic in windows.
    max_cluster_windows: int = 2500
    # Step 6: clauses up to this long are embedded alone, and change speaker only when another
    # centroid is this much closer (cosine) than the one most of their frames took. On the AMI
    # clips and sample.wav (real voices), a margin of 0 put 3 more words on the right speaker and 7
    # on a wrong one, 0.03 two on a wrong one, 0.04 and 0.05 none (docs/diarization.md).
    recheck_max_s: float = 4.0
    recheck_margin: float = 0.05


@dataclass
class SpeakerTurn:
    start: float
    end: float
    speaker: str  # "S0", "S1", ... numbered by order of first appearance


def load_voice_encoder():
    """resemblyzer's VoiceEncoder on the CPU, once per process (see voice.py)."""
    from .voice import load_voice_encoder as _load

    return _load()


# --------------------------------------------------------------------------- speech spans


def speech_from_words(words: Sequence[Word], max_gap: float = 0.5) -> list[tuple[float, float]]:
    """Runs of ASR words as speech spans: consecutive words less than `max_gap` s apart share a span."""
    spans: list[list[float]] = []
    for w in sorted(words, key=lambda w: (w.start, w.end)):
        if w.end <= w.start and not spans:
            continue
        if spans and w.start - spans[-1][1] < max_gap:
            spans[-1][1] = max(spans[-1][1], w.end)
        else:
            spans.append([w.start, max(w.end, w.start)])
    return [(a, b) for a, b in spans if b > a]


def clean_spans(speech: Sequence[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    """Sorted, clipped to [0, duration], overlapping or touching spans merged, empty ones dropped."""
    spans = sorted((max(0.0, float(a)), min(duration, float(b))) for a, b in speech)
    out: list[list[float]] = []
    for a, b in spans:
        if b - a < 1e-3:
            continue
        if out and a <= out[-1][1] + 1e-3:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


# --------------------------------------------------------------------------- windows


@dataclass
class _Window:
    span: int  # index into the cleaned spans
    start: float  # seconds
    end: float
    long: bool  # a full window_s window (clustered) or a whole short span (assigned)


def _windows(
    spans: Sequence[tuple[float, float]], duration: float, o: DiarizeOptions, hop: float | None = None
) -> list[_Window]:
    hop = o.hop_s if hop is None else hop
    out: list[_Window] = []
    for i, (a, b) in enumerate(spans):
        length = b - a
        if length >= o.window_s:
            starts = list(np.arange(a, b - o.window_s + 1e-6, hop))
            if b - o.window_s - starts[-1] > 1e-3:  # cover the span's tail too
                starts.append(b - o.window_s)
            out.extend(_Window(i, s, s + o.window_s, True) for s in starts)
        else:
            out.append(_Window(i, *_widened(a, b, duration, o), False))
    return out


def _widened(a: float, b: float, duration: float, o: DiarizeOptions) -> tuple[float, float]:
    """A stretch to embed alone, widened (centred) to `min_embed_s` when shorter."""
    if b - a >= o.min_embed_s:
        return a, b
    mid = (a + b) / 2
    a = max(0.0, min(mid - o.min_embed_s / 2, duration - o.min_embed_s))
    return a, min(duration, a + o.min_embed_s)


def coarse_hop(spans: Sequence[tuple[float, float]], o: DiarizeOptions) -> float:
    """Window spacing for clustering: hop_s, widened (at most to window_s) so that the long spans
    take about `coarse_windows` windows."""
    long_s = sum(b - a for a, b in spans if b - a >= o.window_s)
    if o.coarse_windows <= 0 or long_s <= o.coarse_windows * o.hop_s:
        return o.hop_s
    return float(min(o.window_s, max(o.hop_s, long_s / o.coarse_windows)))


def _refine_windows(
    spans: Sequence[tuple[float, float]], wins: list[_Window], labels: np.ndarray, o: DiarizeOptions
) -> list[_Window]:
    """Windows at hop_s over each stretch where two neighbouring long windows of one span take
    different speakers (from the first one's start to the second one's end), minus the starts
    already embedded."""
    by_span: dict[int, list[int]] = {}
    for i, w in enumerate(wins):
        if w.long:
            by_span.setdefault(w.span, []).append(i)
    out: list[_Window] = []
    for si, idx in by_span.items():
        a, b = spans[si]
        idx = sorted(idx, key=lambda i: wins[i].start)
        have = {round(wins[i].start, 3) for i in idx}
        added: set[float] = set()
        for i, j in zip(idx, idx[1:]):
            if labels[i] == labels[j]:
                continue
            lo, hi = wins[i].start, min(b, wins[j].end)
            for s in np.arange(lo, hi - o.window_s + 1e-6, o.hop_s):
                s = float(min(max(a, s), b - o.window_s))
                key = round(s, 3)
                if key not in have and key not in added:
                    added.add(key)
                    out.append(_Window(si, s, s + o.window_s, True))
    return out


# --------------------------------------------------------------------------- clustering


def _normalize(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def affinity(emb: np.ndarray, keep: float = 0.2) -> np.ndarray:
    """Symmetric non-negative affinity of L2-normed embeddings, each row pruned to its strongest `keep`."""
    sim = np.clip(emb @ emb.T, 0.0, None)
    n = len(sim)
    if n > 3 and 0 < keep < 1:
        # at least 5 neighbours: a short recording's graph must not fall apart into fragments
        m = min(n, max(5, int(np.ceil(keep * n))))
        thresh = -np.partition(-sim, m - 1, axis=1)[:, m - 1 : m]
        sim = np.where(sim >= thresh, sim, 0.01 * sim)
        sim = np.maximum(sim, sim.T)
    return sim


def spectral_embedding(aff: np.ndarray, n_vectors: int) -> tuple[np.ndarray, np.ndarray]:
    """Smallest eigenvalues (ascending) and eigenvectors of the normalized Laplacian of `aff`."""
    from scipy.linalg import eigh

    d = aff.sum(1)
    inv = 1.0 / np.sqrt(np.maximum(d, 1e-12))
    lap = np.eye(len(aff)) - inv[:, None] * aff * inv[None, :]
    n_vectors = min(n_vectors, len(aff))
    vals, vecs = eigh(lap, subset_by_index=[0, n_vectors - 1])
    return vals, vecs


def eigengap_k(eigenvalues: np.ndarray, min_k: int, max_k: int) -> int:
    """k with the largest gap λ[k] − λ[k−1] among the Laplacian's ascending eigenvalues, within [min_k, max_k]."""
    gaps = np.diff(eigenvalues)  # gaps[k-1] = λ[k] − λ[k-1]: the gap after the k smallest
    lo, hi = max(1, min_k), min(max_k, len(gaps))
    if hi < lo:
        return max(1, min(min_k, len(eigenvalues)))
    return int(lo + np.argmax(gaps[lo - 1 : hi]))


def _kmeans(x: np.ndarray, k: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(x)


def cluster(
    emb: np.ndarray,
    num_speakers: int | None = None,
    min_speakers: int = 1,
    max_speakers: int = 8,
    same_speaker_similarity: float = 0.85,
    keep: float = 0.2,
    centre: bool = False,
    distinct_voice_similarity: float = 0.80,
) -> np.ndarray:
    """Cluster labels (0..k-1) for L2-normed embeddings (n, d).

    Spectral clustering (of the mean-centred embeddings when `centre`); k fixed or by eigengap,
    then clusters whose uncentred centroids are the same voice are merged (down to min_speakers), which is also
    how a single speaker is found.
    """
    n = len(emb)
    if n == 0:
        return np.zeros(0, dtype=int)
    if num_speakers is not None:
        min_speakers = max_speakers = num_speakers
    max_k = max(1, min(max_speakers, n))
    min_k = max(1, min(min_speakers, max_k))
    if n < 2 or max_k == 1:
        return np.zeros(n, dtype=int)
    centred = _normalize(emb - emb.mean(0)) if centre else emb
    vals, vecs = spectral_embedding(affinity(centred, keep), max_k + 1)
    k = min_k if min_k == max_k else eigengap_k(vals, max(2, min_k), max_k)
    labels = _kmeans(_normalize(vecs[:, :k]), k) if k > 1 else np.zeros(n, dtype=int)
    if num_speakers is None:
        labels = merge_same_voice(emb, labels, same_speaker_similarity, min_k)
        labels = split_distinct_voices(emb, labels, vecs, distinct_voice_similarity, max_k)
    return labels


def split_distinct_voices(emb: np.ndarray, labels: np.ndarray, vecs: np.ndarray, threshold: float,
                          max_k: int, min_share: float = 0.03, min_windows: int = 4) -> np.ndarray:
    """More clusters while they stay distinct voices: the k+1 clustering of the spectral vectors
    replaces k when every pair of its centroids is below `threshold` cosine and every cluster holds
    at least `min_share` of the windows and `min_windows` (a second or two of speech); the first k+1
    that fails stops the search."""
    least = max(min_share * len(emb), min_windows)
    for k in range(max(2, int(labels.max()) + 2), min(max_k, vecs.shape[1]) + 1):
        candidate = _kmeans(_normalize(vecs[:, :k]), k)
        if len(np.unique(candidate)) < k or _centroid_similarity(emb, candidate).max() >= threshold \
                or np.bincount(candidate).min() < least:
            break
        labels = candidate
    return labels


def _centroid_similarity(emb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Cosine between every two clusters' centroids; -inf on the diagonal."""
    cents = centroids(emb, labels)
    sim = cents @ cents.T
    np.fill_diagonal(sim, -np.inf)
    return sim


def centroids(emb: np.ndarray, labels: np.ndarray) -> np.ndarray:
    k = int(labels.max()) + 1 if len(labels) else 0
    return _normalize(np.stack([emb[labels == c].mean(0) for c in range(k)])) if k else np.zeros((0, emb.shape[1]))


def merge_same_voice(emb: np.ndarray, labels: np.ndarray, threshold: float, min_k: int = 1) -> np.ndarray:
    """Merge the closest pair of clusters while their uncentred centroids' cosine exceeds `threshold`."""
    labels = _relabel(labels)
    while labels.max() + 1 > min_k:
        sim = _centroid_similarity(emb, labels)
        i, j = np.unravel_index(int(np.argmax(sim)), sim.shape)
        if sim[i, j] <= threshold:
            break
        labels = _relabel(np.where(labels == max(i, j), min(i, j), labels))
    return labels


def _relabel(labels: np.ndarray) -> np.ndarray:
    _, inv = np.unique(labels, return_inverse=True)
    return inv.astype(int)


# --------------------------------------------------------------------------- timeline


def _frame_labels(
    span: tuple[float, float], wins: list[_Window], scores: np.ndarray, o: DiarizeOptions
) -> tuple[np.ndarray, np.ndarray]:
    """Frame start times and labels for one long span: each frame sums the centroid scores of the
    windows covering it, weighted towards each window's centre (a window says most about its middle)."""
    a, b = span
    n = max(1, int(round((b - a) / FRAME_S)))
    t = a + (np.arange(n) + 0.5) * (b - a) / n
    acc = np.zeros((n, scores.shape[1]))
    for w, s in zip(wins, scores):
        inside = (t >= w.start) & (t < w.end)
        x = (t[inside] - w.start) / (w.end - w.start)
        acc[inside] += (np.sin(np.pi * x)[:, None] + 1e-3) * s[None, :]
    labels = acc.argmax(1)
    return t, _min_duration(labels, max(1, int(round(o.min_turn_s / FRAME_S))))


def _min_duration(labels: np.ndarray, min_frames: int) -> np.ndarray:
    """Absorb runs shorter than min_frames into the longer neighbour, shortest first."""
    labels = labels.copy()
    while True:
        runs = _runs(labels)
        if len(runs) < 2:
            return labels
        lengths = [e - s for s, e, _ in runs]
        r = int(np.argmin(lengths))
        if lengths[r] >= min_frames:
            return labels
        s, e, _ = runs[r]
        left = runs[r - 1] if r > 0 else None
        right = runs[r + 1] if r + 1 < len(runs) else None
        if left is None or (right is not None and right[1] - right[0] > left[1] - left[0]):
            labels[s:e] = right[2]
        else:
            labels[s:e] = left[2]


def _runs(labels: np.ndarray) -> list[tuple[int, int, int]]:
    runs = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            runs.append((start, i, int(labels[start])))
            start = i
    return runs


# --------------------------------------------------------------------------- entry point


def diarize(
    audio: np.ndarray,
    speech: Sequence[tuple[float, float]],
    options: DiarizeOptions = DiarizeOptions(),
    progress: ProgressFn = no_progress,
    sample_rate: int = SAMPLE_RATE,
    clauses: Sequence[tuple[float, float]] | None = None,
) -> list[SpeakerTurn]:
    """Speaker turns over the `speech` spans (seconds) of 16 kHz mono `audio`; `clauses`, the
    ASR's clauses in order (`speaker_edges.clause_spans`), let a short clause inside a longer span
    keep its own speaker (step 6).

    Raises AudioError when there is no speech at all.
    """
    from . import voice

    o = options
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise AudioError(f"diarization needs mono audio, got an array of shape {audio.shape}")
    if sample_rate != SAMPLE_RATE:
        from scipy.signal import resample_poly

        audio = resample_poly(audio, SAMPLE_RATE, sample_rate).astype(np.float32)
    duration = len(audio) / SAMPLE_RATE
    spans = clean_spans(speech, duration)
    if not spans or not np.any(audio):
        raise AudioError("no speech to diarize")
    if o.num_speakers is not None and o.num_speakers < 1:
        raise ValueError("num_speakers must be at least 1")

    hop = coarse_hop(spans, o)
    wins = _windows(spans, duration, o, hop)
    gain = voice.level_gain(audio, [(int(a * SAMPLE_RATE), int(b * SAMPLE_RATE)) for a, b in spans])
    done, total = 0, len(wins)
    progress("diarize", 0, total)

    def tick(n: int) -> None:
        nonlocal done
        done += n
        progress("diarize", done, total)

    def embed(ws: list[_Window]) -> np.ndarray:
        ranges = [(int(round(w.start * SAMPLE_RATE)), int(round(w.end * SAMPLE_RATE))) for w in ws]
        return voice.embed_windows(audio, ranges, gain=gain, on_batch=tick)

    emb = embed(wins)

    # Cluster the long windows (or, when every span is short, the short ones).
    is_long = np.array([w.long for w in wins])
    base = np.flatnonzero(is_long) if is_long.any() else np.arange(len(wins))
    sample = base
    if len(base) > o.max_cluster_windows:
        sample = base[np.linspace(0, len(base) - 1, o.max_cluster_windows).round().astype(int)]
    labels = cluster(
        emb[sample], o.num_speakers, o.min_speakers, o.max_speakers, o.same_speaker_similarity, o.keep, o.centre,
        o.distinct_voice_similarity,
    )
    # Score every window against the centroids in the centred space the clusters were found in.
    mean = emb[base].mean(0)
    centre = labels.max() > 0 and o.centre
    centred = _normalize(emb - mean) if centre else emb
    cents = centroids(centred[sample], labels)
    scores = centred @ cents.T

    def score(ws: list[_Window]) -> np.ndarray:
        nonlocal total
        total += len(ws)
        e = embed(ws)
        return (_normalize(e - mean) if centre else e) @ cents.T

    if labels.max() > 0 and hop > o.hop_s:  # at hop_s already, there is nothing finer to add
        extra = _refine_windows(spans, wins, scores.argmax(1), o)
        if extra:
            scores = np.concatenate([scores, score(extra)])
            wins = wins + extra

    by_span: dict[int, list[int]] = {}
    for i, w in enumerate(wins):
        by_span.setdefault(w.span, []).append(i)
    turns: list[tuple[float, float, int]] = []
    timelines: list[tuple[int, np.ndarray, np.ndarray]] = []
    for si, (a, b) in enumerate(spans):
        idx = by_span.get(si, [])
        if not idx:
            continue
        if not wins[idx[0]].long:
            turns.append((a, b, int(scores[idx[0]].argmax())))
            continue
        t, lab = _frame_labels((a, b), [wins[i] for i in idx], scores[idx], o)
        timelines.append((si, t, lab))
    if clauses and labels.max() > 0:
        _recheck_clauses(spans, timelines, clauses, duration, o, score)
    for si, t, lab in timelines:
        a, b = spans[si]
        step = (b - a) / len(t)
        for s, e, c in _runs(lab):
            turns.append((a + s * step, a + e * step if e < len(t) else b, c))
    return _name_speakers(turns)


def _recheck_clauses(
    spans: Sequence[tuple[float, float]],
    timelines: list[tuple[int, np.ndarray, np.ndarray]],
    clauses: Sequence[tuple[float, float]],
    duration: float,
    o: DiarizeOptions,
    score,
) -> None:
    """Step 6, in place on the long spans' frame labels (span index, frame times, labels): each
    clause of at most `recheck_max_s` that is only part of its span is embedded alone, and its
    frames take the centroid that scores `recheck_margin` above the one most of them have."""
    found: list[tuple[np.ndarray, slice, int]] = []  # labels, the clause's frames, their speaker
    wins: list[_Window] = []
    short = sorted((a, b) for a, b in clauses if b - a <= o.recheck_max_s)
    ends = np.array([b for _, b in short])
    for si, t, lab in timelines:
        a, b = spans[si]
        for sa, sb in short[int(np.searchsorted(ends, a, side="right")):]:  # those ending inside or after it
            if sa >= b:
                break
            sa, sb = max(a, sa), min(b, sb)
            if sa - a < FRAME_S and b - sb < FRAME_S:  # the whole span: step 5 has it
                continue
            frames = np.flatnonzero((t >= sa) & (t < sb))
            if not len(frames):
                continue
            found.append((lab, slice(frames[0], frames[-1] + 1), int(np.bincount(lab[frames]).argmax())))
            wins.append(_Window(si, *_widened(sa, sb, duration, o), False))
    if not wins:
        return
    for (lab, frames, had), s in zip(found, score(wins)):
        best = int(s.argmax())
        if best != had and s[best] - s[had] > o.recheck_margin:
            lab[frames] = best


def _name_speakers(turns: list[tuple[float, float, int]]) -> list[SpeakerTurn]:
    """Merge touching same-label turns and number speakers by first appearance."""
    names: dict[int, str] = {}
    out: list[SpeakerTurn] = []
    for a, b, c in sorted(turns):
        name = names.setdefault(c, f"S{len(names)}")
        if out and out[-1].speaker == name and a - out[-1].end < 1e-6:
            out[-1].end = b
        else:
            out.append(SpeakerTurn(round(a, 3), round(b, 3), name))
    return out


# --------------------------------------------------------------------------- words


def assign_speakers(words: Sequence[Word], turns: Sequence[SpeakerTurn]) -> list[Word]:
    """Copies of `words` with `speaker` set: the turn overlapping the word most, else the nearest turn.

    Pure: the input words are not modified. Words stay None only when there are no turns.
    """
    from dataclasses import replace

    if not turns:
        return [replace(w, speaker=None) for w in words]
    starts = np.array([t.start for t in turns])
    ends = np.array([t.end for t in turns])
    out = []
    for w in words:  # vectorised over turns: an hour has ~10k words and ~1k turns
        overlap = np.minimum(w.end, ends) - np.maximum(w.start, starts)
        if overlap.max() > 0:
            best = int(np.argmax(overlap))
        else:
            best = int(np.argmin(np.maximum(np.maximum(starts - w.end, w.start - ends), 0.0)))
        out.append(replace(w, speaker=turns[best].speaker))
    return out
