"""Voiceprints: enrol a person's voice once, then name that person in every later recording.

A voiceprint is the mean of resemblyzer d-vectors (voice.py) over the speech windows of a clip,
L2-normed. It is stored on this machine only (a SQLite file, `voices.db`), together with the id
of the encoder that made it: prints made by other weights live in another embedding space and
are refused rather than compared.

Matching (`match_speakers`): each diarized speaker gets the mean embedding of its own turns; the
cosine similarity of every speaker to every enrolled voice is solved as an assignment (one voice
per speaker at most, one speaker per voice), and a pair is accepted only above a threshold
calibrated on AMI speech (benchmarks/voice_id.py, docs/voiceprints.md).

Pure numpy functions plus a small store; the encoder is the only model.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .errors import InputError, ModelError, UsageError
from .progress import ProgressFn, no_progress
from .sqlite_check import check_database

__all__ = [
    "MIN_ENROL_SPEECH_S",
    "MIN_MATCH_SPEECH_S",
    "MATCH_THRESHOLD",
    "Voiceprint",
    "VoiceMatch",
    "VoiceStore",
    "default_voices_path",
    "voice_model_id",
    "speech_spans",
    "embed_spans",
    "enrol_audio",
    "enrol_file",
    "enrol_from_report",
    "speaker_embeddings",
    "match_speakers",
    "apply_voiceprints",
    "voices_fingerprint",
]

SAMPLE_RATE = 16000
MIN_ENROL_SPEECH_S = 2.0
# A diarized speaker with less speech than this stays anonymous: a second of audio gives a
# d-vector too noisy to tell a known voice from a stranger's.
MIN_MATCH_SPEECH_S = 1.0
# Cosine (uncentred d-vectors) above which a speaker is taken to be an enrolled voice.
# Calibrated on the AMI clips (docs/voiceprints.md): leave-one-clip-out accuracy / false accepts.
MATCH_THRESHOLD = 0.85
WINDOW_S = 1.6  # resemblyzer's partial-utterance length
HOP_S = 0.4
MIN_WINDOW_S = 0.5  # shorter speech runs are too short to embed on their own
# Silero VAD settings for speech inside a clip (benchmarks/der.py chose them for diarization).
VAD = dict(threshold=0.5, min_silence_duration_ms=300, speech_pad_ms=100, min_speech_duration_ms=100)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def default_voices_path() -> Path:
    """~/.local/share/talkscan/voices.db (XDG_DATA_HOME respected)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "talkscan" / "voices.db"


def voice_model_id() -> str:
    """The encoder a voiceprint belongs to: name + the SHA-256 its weights are checked against."""
    from .weights import BUNDLED

    digest = dict(BUNDLED["resemblyzer"])["pretrained.pt"]
    return f"resemblyzer/{digest[:16]}"


# --------------------------------------------------------------------------- data


@dataclass
class Voiceprint:
    name: str
    vector: np.ndarray  # (256,) float32, L2-normed
    model: str  # voice_model_id() of the encoder that made it
    speech_s: float  # seconds of speech averaged into it
    source: str | None = None  # where it was enrolled from (a path, never audio)
    created: str = field(default_factory=_now)


@dataclass
class VoiceMatch:
    speaker: str  # diarized speaker id
    name: str | None  # the enrolled voice assigned to it, None when below the threshold
    score: float  # cosine to the assigned voice (or to the best voice, when unmatched)
    best: str | None = None  # the closest voice, matched or not (for reports and debugging)


# --------------------------------------------------------------------------- speech and embeddings


def speech_spans(audio: np.ndarray, start: float | None = None, end: float | None = None) -> list[tuple[float, float]]:
    """Silero VAD speech regions (seconds) of 16 kHz mono `audio`, inside [start, end] when given."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    a = int(round((start or 0.0) * SAMPLE_RATE))
    b = len(audio) if end is None else min(len(audio), int(round(end * SAMPLE_RATE)))
    if b - a <= 0:
        return []
    chunks = get_speech_timestamps(np.ascontiguousarray(audio[a:b], dtype=np.float32), VadOptions(**VAD))
    return [((a + c["start"]) / SAMPLE_RATE, (a + c["end"]) / SAMPLE_RATE) for c in chunks]


def _windows(spans: Sequence[tuple[float, float]], duration: float) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in spans:
        a, b = max(0.0, a), min(duration, b)
        if b - a >= WINDOW_S:
            starts = list(np.arange(a, b - WINDOW_S + 1e-6, HOP_S))
            if b - WINDOW_S - starts[-1] > 0.1:
                starts.append(b - WINDOW_S)
            out.extend((s, s + WINDOW_S) for s in starts)
        elif b - a >= MIN_WINDOW_S:
            out.append((a, b))
    return out


def embed_spans(audio: np.ndarray, spans: Sequence[tuple[float, float]]) -> tuple[np.ndarray | None, float]:
    """(L2-normed mean d-vector, seconds of speech used) over `spans`; (None, s) when no span is long enough."""
    from . import voice
    from .diarize import clean_spans

    duration = len(audio) / SAMPLE_RATE
    spans = clean_spans(spans, duration)
    wins = _windows(spans, duration)
    used = sum(min(b, duration) - max(a, 0.0) for a, b in spans if min(b, duration) - max(a, 0.0) >= MIN_WINDOW_S)
    if not wins:
        return None, float(used)
    ranges = [(int(round(a * SAMPLE_RATE)), int(round(b * SAMPLE_RATE))) for a, b in wins]
    gain = voice.level_gain(audio, [(int(a * SAMPLE_RATE), int(b * SAMPLE_RATE)) for a, b in spans])
    emb = voice.embed_windows(audio, ranges, gain=gain)
    # weight by window length: a whole short span counts for less than a full window
    weights = np.array([b - a for a, b in wins], dtype=np.float32)
    mean = (emb * weights[:, None]).sum(0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-9)).astype(np.float32), float(used)


# --------------------------------------------------------------------------- enrolment


def enrol_audio(
    name: str,
    audio: np.ndarray,
    spans: Sequence[tuple[float, float]] | None = None,
    start: float | None = None,
    end: float | None = None,
    source: str | None = None,
) -> Voiceprint:
    """A voiceprint from 16 kHz mono `audio`: over `spans` when given (a speaker's turns), else over
    the speech Silero VAD finds in [start, end]. InputError under MIN_ENROL_SPEECH_S of speech."""
    name = (name or "").strip()
    if not name:
        raise UsageError("a voiceprint needs a non-empty name")
    audio = np.asarray(audio, dtype=np.float32)
    where = source
    if start is not None or end is not None:
        where = f"{source or 'audio'} [{start or 0:.1f}–{'end' if end is None else f'{end:.1f}'} s]"
    if audio.size == 0 or not np.any(np.abs(audio) > 5e-4):
        raise InputError("is silent: no speech to enrol a voiceprint from", path=where)
    if spans is None:
        speech = speech_spans(audio, start, end)
    else:
        lo = start if start is not None else 0.0
        hi = end if end is not None else len(audio) / SAMPLE_RATE
        speech = [(max(a, lo), min(b, hi)) for a, b in spans if min(b, hi) > max(a, lo)]
    if not speech:
        raise InputError("has no speech: no voiceprint can be enrolled from it", path=where)
    vector, seconds = embed_spans(audio, speech)
    if vector is None or seconds < MIN_ENROL_SPEECH_S:
        raise InputError(
            f"has only {seconds:.2f} s of speech; a voiceprint needs at least {MIN_ENROL_SPEECH_S:.0f} s",
            path=where,
        )
    return Voiceprint(name=name, vector=vector, model=voice_model_id(), speech_s=round(seconds, 2), source=source)


def enrol_file(name: str, path: Path, start: float | None = None, end: float | None = None) -> Voiceprint:
    """A voiceprint from a recording, or from the [start, end] span of it (seconds)."""
    from .audio import decode

    if start is not None and end is not None and end <= start:
        raise UsageError(f"--end ({end}) must be after --start ({start})")
    audio = decode(Path(path))
    if start is not None and start * SAMPLE_RATE >= len(audio):
        raise UsageError(f"--start ({start} s) is past the end of the recording ({len(audio) / SAMPLE_RATE:.1f} s)")
    return enrol_audio(name, audio, start=start, end=end, source=str(path))


def enrol_from_report(name: str, report_dir: Path, speaker: str) -> Voiceprint:
    """A voiceprint from one speaker of an analysed meeting: that speaker's utterance times in the
    report folder's transcript.json (or report.json), cut from the report's `source` recording."""
    report_dir = Path(report_dir)
    data = None
    for fname in ("transcript.json", "report.json"):
        p = report_dir / fname
        if p.is_file():
            try:
                data = json.loads(p.read_text(encoding="utf-8"))
                break
            except ValueError:
                raise InputError("is not valid JSON", path=str(p)) from None
    if data is None:
        raise InputError("is not a talkscan report folder (no transcript.json or report.json)", path=str(report_dir))
    if data.get("kind") != "recording":
        raise InputError("comes from a transcript, not a recording: there is no voice to enrol", path=str(report_dir))
    ids = {s.get("id"): s for s in data.get("speakers") or []}
    sid = speaker
    if sid not in ids:  # also accept the speaker's name
        by_name = [s["id"] for s in ids.values() if (s.get("name") or "").lower() == speaker.lower()]
        if len(by_name) != 1:
            raise UsageError(
                f"no speaker '{speaker}' in this report (speakers: {', '.join(map(str, ids)) or 'none'})",
                path=str(report_dir),
            )
        sid = by_name[0]
    spans = [
        (float(u["start"]), float(u["end"]))
        for u in data.get("utterances") or []
        if u.get("speaker") == sid and u.get("start") is not None and u.get("end") is not None
    ]
    source = Path(str(data.get("source") or ""))
    if not source.is_absolute() and not source.exists():
        # a relative source is relative to where `talkscan run` ran; try beside the report too
        for base in (report_dir, report_dir.parent, report_dir.parent.parent):
            if (base / source).exists():
                source = base / source
                break
    if not source.is_file():
        looked = "" if source.is_absolute() else f" (looked from {Path.cwd()} and around the report)"
        raise InputError(f"cannot find the report's recording '{data.get('source')}'{looked}: enrol from the recording "
                         f"itself with `talkscan voices add {name} FILE --start S --end S`", path=str(report_dir))
    if not spans:
        raise InputError(f"speaker {sid} has no timed utterances", path=str(report_dir))
    from .audio import decode
    from .channels import SPLIT_MODEL

    if str((data.get("models") or {}).get("diarization", "")).startswith(SPLIT_MODEL):
        # a call split by channel: the speaker's own channel, not a mix with the other side's
        # voice where the two overlap (as voiceprints are matched on such calls)
        chans = decode(source, channels=True)
        audio = chans[_loudest_channel(chans, spans)]
    else:
        audio = decode(source)
    return enrol_audio(name, audio, spans=spans, source=f"{source}#{sid}")


def _loudest_channel(chans: np.ndarray, spans: Sequence[tuple[float, float]]) -> int:
    """The channel with the most energy over a speaker's spans: that speaker's channel (a report
    does not record it, and a silent channel takes no speaker id)."""
    energy = np.zeros(chans.shape[0])
    for a, b in spans:
        seg = chans[:, int(a * SAMPLE_RATE): int(b * SAMPLE_RATE)].astype(np.float64)
        energy += (seg ** 2).sum(axis=1)
    return int(np.argmax(energy))


# --------------------------------------------------------------------------- storage


_SCHEMA = """
CREATE TABLE voices (
    name TEXT PRIMARY KEY,
    model TEXT NOT NULL,          -- voice_model_id() of the encoder that made the vector
    dim INTEGER NOT NULL,
    vector BLOB NOT NULL,         -- float32 little-endian
    speech_s REAL NOT NULL,
    source TEXT,
    created TEXT NOT NULL
);
"""


class VoiceStore:
    """Enrolled voices in their own SQLite file (never sent anywhere). A context manager."""

    def __init__(self, path: Path, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise UsageError("no voiceprint database here (enrol one with `talkscan voices add`)", path=str(path))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(self.path), timeout=30)
            check_database(self.db, self.path, "voices", "voiceprint",
                           "move it aside and enrol the voices again with `talkscan voices add`")
            if self.db.execute("PRAGMA user_version").fetchone()[0] == 0:
                self.db.executescript(f"BEGIN; {_SCHEMA}; PRAGMA user_version = 1; COMMIT;")
        except (OSError, sqlite3.Error) as e:
            raise UsageError(f"cannot open the voiceprint database ({e})", path=str(path)) from None
        if self.db.execute("PRAGMA user_version").fetchone()[0] > 1:
            raise UsageError("the voiceprint database is newer than this talkscan; upgrade talkscan", path=str(path))

    def __enter__(self) -> "VoiceStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def add(self, vp: Voiceprint, replace: bool = False) -> list[tuple[str, float]]:
        """Enrol `vp`; names are one person whatever their case ("maya" is Maya). Returns the other
        enrolled names whose voice this one matches (cosine at MATCH_THRESHOLD or above), most
        similar first: the same person enrolled twice, whom reports would name either way."""
        vec = np.asarray(vp.vector, dtype="<f4")
        row = (vp.name, vp.model, int(vec.size), vec.tobytes(), float(vp.speech_s), vp.source, vp.created)
        with self.db:
            same = self.enrolled_as(vp.name)
            if same is not None and not replace:
                raise UsageError(f"a voice named '{same}' is already enrolled (use --replace)", path=str(self.path))
            self.db.execute("DELETE FROM voices WHERE name = ?", (same,))
            self.db.execute("INSERT INTO voices VALUES (?,?,?,?,?,?,?)", row)
        others = [v for v in self.voices() if v.name != vp.name and v.model == vp.model and v.vector.size == vec.size]
        close = [(v.name, round(float(v.vector @ vp.vector), 3)) for v in others]
        return sorted([c for c in close if c[1] >= MATCH_THRESHOLD], key=lambda c: -c[1])

    def enrolled_as(self, name: str) -> str | None:
        """The enrolled name that is `name` whatever its case ("maya", "MAYA" and "Maya" are one
        person; SQLite's NOCASE folds ASCII only, so "émile" is compared here), or None."""
        key = name.casefold()
        return next((n for (n,) in self.db.execute("SELECT name FROM voices") if n.casefold() == key), None)

    def remove(self, name: str) -> None:
        with self.db:
            same = self.enrolled_as(name)
            if same is None:
                raise UsageError(f"no voice named '{name}' is enrolled", path=str(self.path))
            self.db.execute("DELETE FROM voices WHERE name = ?", (same,))

    def voices(self) -> list[Voiceprint]:
        return [
            Voiceprint(
                name=r[0], model=r[1], vector=np.frombuffer(r[3], dtype="<f4").astype(np.float32),
                speech_s=r[4], source=r[5], created=r[6],
            )
            for r in self.db.execute("SELECT name, model, dim, vector, speech_s, source, created FROM voices ORDER BY name")
        ]


def voices_fingerprint(path: Path | None) -> str | None:
    """What a batch resume key should hash: every enrolled (name, model, vector), so enrolling,
    removing or re-enrolling a voice changes it. None when there is no database."""
    import hashlib

    if path is None or not Path(path).is_file():
        return None
    h = hashlib.sha256()
    with VoiceStore(path) as store:
        for vp in store.voices():
            h.update(f"{vp.name}\0{vp.model}\0".encode())
            h.update(np.asarray(vp.vector, dtype="<f4").tobytes())
    return h.hexdigest()[:32]


# --------------------------------------------------------------------------- matching


def speaker_embeddings(
    audio: np.ndarray, turns: Iterable[tuple[float, float, str]]
) -> dict[str, tuple[np.ndarray | None, float]]:
    """Speaker id -> (mean d-vector over its turns, seconds of speech) from (start, end, speaker) turns."""
    by: dict[str, list[tuple[float, float]]] = {}
    for a, b, s in turns:
        by.setdefault(s, []).append((a, b))
    return {s: embed_spans(audio, spans) for s, spans in by.items()}


def match_speakers(
    speakers: dict[str, tuple[np.ndarray | None, float]],
    voices: Sequence[Voiceprint],
    threshold: float = MATCH_THRESHOLD,
    min_speech_s: float = MIN_MATCH_SPEECH_S,
) -> dict[str, VoiceMatch]:
    """One VoiceMatch per speaker: the assignment of enrolled voices to speakers that maximises the
    summed cosine, each pair kept only at or above `threshold`. Raises ModelError when a voiceprint
    was made by another encoder than this one."""
    from scipy.optimize import linear_sum_assignment

    model = voice_model_id()
    foreign = [v.name for v in voices if v.model != model]
    if foreign:
        raise ModelError(
            f"voiceprints {', '.join(foreign)} were made by another voice encoder than this talkscan's ({model}); "
            "they cannot be compared: remove and re-enrol them"
        )
    out = {s: VoiceMatch(s, None, 0.0) for s in speakers}
    usable = [s for s, (v, sec) in speakers.items() if v is not None and sec >= min_speech_s]
    if not usable or not voices:
        return out
    sim = np.stack([speakers[s][0] for s in usable]) @ np.stack([v.vector for v in voices]).T
    for i, s in enumerate(usable):
        j = int(np.argmax(sim[i]))
        out[s] = VoiceMatch(s, None, round(float(sim[i, j]), 4), voices[j].name)
    rows, cols = linear_sum_assignment(-sim)
    for i, j in zip(rows, cols):
        if sim[i, j] >= threshold:
            out[usable[i]] = VoiceMatch(usable[i], voices[j].name, round(float(sim[i, j]), 4), out[usable[i]].best)
    return out


def apply_voiceprints(
    t,
    audio: np.ndarray,
    turns: Iterable[tuple[float, float, str]],
    voices_path: Path,
    threshold: float = MATCH_THRESHOLD,
    progress: ProgressFn = no_progress,
) -> dict[str, VoiceMatch]:
    """Name the speakers of recording transcript `t` from the voices in `voices_path`.

    Only anonymous speakers are named (a name already there wins). The score goes into
    Speaker.voice_score when transcript.py has that field; `t.models["voiceprints"]` records the
    encoder and threshold. Returns the matches."""
    from .transcript import Speaker

    voices_path = Path(voices_path)
    if not voices_path.is_file():
        raise UsageError("no voiceprint database here", path=str(voices_path))
    with VoiceStore(voices_path) as store:
        voices = store.voices()
    if not voices:
        return {}
    progress("voices", 0, 1)
    matches = match_speakers(speaker_embeddings(audio, turns), voices, threshold)
    has_score = "voice_score" in {f.name for f in fields(Speaker)}
    for s in t.speakers:
        m = matches.get(s.id)
        if m is None or m.name is None or s.name:
            continue
        s.name = m.name
        if has_score:
            s.voice_score = m.score
    t.models["voiceprints"] = f"{voice_model_id()} (cosine ≥ {threshold:.2f})"
    progress("voices", 1, 1)
    return matches
