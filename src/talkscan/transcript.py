"""The plain data every stage passes on: words, utterances, speakers, a transcript, its analysis.

Everything here is a dataclass that serialises to JSON with `to_dict` and back with `from_dict`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

MOVES = ("paraphrase", "mirroring", "emotional_labeling", "similarity", "future_vision", "ask")
TOPICS = ("price", "timeline", "scope", "compliance", "documentation", "process", "resources", "other")
DIRECTIONS = ("more", "less", None)
EMOTIONS = ("neutral", "joy", "anger", "sadness", "fear", "surprise", "disgust")


@dataclass
class Word:
    text: str
    start: float
    end: float
    probability: float = 1.0
    speaker: str | None = None


@dataclass
class Tag:
    """One move on an utterance (tags.md). `target` is an utterance id (paraphrase, mirroring)
    or a speaker id (emotional_labeling)."""

    type: str
    score: float = 1.0
    target: str | None = None
    topic: str | None = None
    direction: str | None = None
    emotion: str | None = None
    said: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.type}
        if self.type in ("paraphrase", "mirroring", "emotional_labeling"):
            d["target"] = self.target
        if self.type == "emotional_labeling":
            d["emotion"] = self.emotion
            d["said"] = self.said
        if self.type == "ask":
            d["topic"] = self.topic
            d["direction"] = self.direction
        d["score"] = round(float(self.score), 4)
        return d


@dataclass
class Emotion:
    label: str = "neutral"
    score: float = 1.0


@dataclass
class Utterance:
    id: str
    turn: int
    speaker: str
    text: str
    start: float | None = None
    end: float | None = None
    words: list[Word] = field(default_factory=list)
    emotion: Emotion | None = None
    tags: list[Tag] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return max(0.0, self.end - self.start)


@dataclass
class Speaker:
    id: str
    name: str | None = None
    voice_score: float | None = None  # cosine similarity of the enrolled voiceprint that named this speaker

    @property
    def label(self) -> str:
        return self.name or self.id


@dataclass
class Ask:
    id: str
    utterance: str
    speaker: str
    topic: str
    direction: str | None
    text: str
    score: float = 1.0


@dataclass
class Conflict:
    asks: list[str]
    speakers: list[str]
    topic: str
    reason: str
    score: float = 1.0


@dataclass
class Flag:
    speaker: str | None
    move: str
    kind: Literal["overused", "missing"]
    value: float
    threshold: float
    evidence: list[str]
    advice: str


@dataclass
class Transcript:
    source: str
    kind: Literal["recording", "transcript"]
    speakers: list[Speaker]
    utterances: list[Utterance]
    duration_s: float | None = None
    language: str = "en"
    models: dict[str, str] = field(default_factory=dict)
    asks: list[Ask] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)   # what a reader of the report should be told about it

    def speaker(self, speaker_id: str) -> Speaker:
        for s in self.speakers:
            if s.id == speaker_id:
                return s
        raise KeyError(speaker_id)

    def utterance(self, utterance_id: str) -> Utterance:
        for u in self.utterances:
            if u.id == utterance_id:
                return u
        raise KeyError(utterance_id)

    def speaker_label(self, speaker_id: str) -> str:
        try:
            return self.speaker(speaker_id).label
        except KeyError:
            return speaker_id

    @property
    def has_times(self) -> bool:
        return any(u.start is not None for u in self.utterances)

    def to_dict(self, words: bool = True) -> dict[str, Any]:
        d = asdict(self)
        for u, ud in zip(self.utterances, d["utterances"]):
            ud["tags"] = [t.to_dict() for t in u.tags]
            if not words:
                ud.pop("words")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Transcript":
        def build(klass, data):
            names = {f.name for f in fields(klass)}
            return klass(**{k: v for k, v in data.items() if k in names})

        utterances = []
        for ud in d["utterances"]:
            u = build(Utterance, ud)
            u.words = [build(Word, w) for w in ud.get("words") or []]
            u.tags = [build(Tag, t) for t in ud.get("tags") or []]
            u.emotion = build(Emotion, ud["emotion"]) if ud.get("emotion") else None
            utterances.append(u)
        t = build(cls, d)
        t.speakers = [build(Speaker, s) for s in d["speakers"]]
        t.utterances = utterances
        t.asks = [build(Ask, a) for a in d.get("asks") or []]
        t.conflicts = [build(Conflict, c) for c in d.get("conflicts") or []]
        t.flags = [build(Flag, f) for f in d.get("flags") or []]
        t.models = dict(d.get("models") or {})
        t.notes = [str(n) for n in d.get("notes") or []]
        return t
