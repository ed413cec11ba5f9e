"""report.json: the public contract of shared/docs/report-json.md, versioned by `schema`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..stats import SpeakerStats, speaker_stats
from ..transcript import Transcript

SCHEMA = "talkscan.report/1"


def _r(x: float | None, nd: int = 2) -> float | None:
    return None if x is None else round(float(x), nd)


def build_report(t: Transcript, stats: list[SpeakerStats] | None = None, meta: dict[str, Any] | None = None) -> dict:
    """The report as plain JSON data. `meta` adds free fields (e.g. created, options, cache key)."""
    stats = stats if stats is not None else speaker_stats(t)
    by_id = {s.id: s for s in stats}
    speakers = []
    for s in t.speakers:
        st = by_id[s.id]
        d = asdict(st)
        d.pop("id"), d.pop("name")
        speakers.append({"id": s.id, "name": s.name, "voice_score": _r(s.voice_score, 4), **d})
    utterances = []
    for u in t.utterances:
        utterances.append(
            {
                "id": u.id,
                "turn": u.turn,
                "speaker": u.speaker,
                "start": _r(u.start),
                "end": _r(u.end),
                "text": u.text,
                "emotion": {"label": u.emotion.label, "score": _r(u.emotion.score, 4)}
                if u.emotion
                else {"label": "neutral", "score": 0.0},
                "tags": [tag.to_dict() for tag in u.tags],
            }
        )
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "source": t.source,
        "kind": t.kind,
        "duration_s": _r(t.duration_s),
        "language": t.language,
        "models": dict(t.models),
        "speakers": speakers,
        "utterances": utterances,
        "asks": [asdict(a) | {"score": _r(a.score, 4)} for a in t.asks],
        "conflicts": [asdict(c) | {"score": _r(c.score, 4)} for c in t.conflicts],
        "flags": [asdict(f) for f in t.flags],
        "notes": list(t.notes),
    }
    if meta:
        report.update(meta)
    return report
