"""The project's labelled dialogues (data/dialogues/FORMAT.md) and the CaSiNo strategy labels, as
plain records the trainer and the benchmark share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError


@dataclass
class Turn:
    speaker: str
    text: str
    emotion: str = "neutral"
    tags: list[dict] = field(default_factory=list)


@dataclass
class Meeting:
    id: str
    turns: list[Turn]
    conflicts: list[tuple[int, int]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    source: str = "dialogues"
    # a second annotator's conflicting pairs, where data/agreement has them (load_second_annotation)
    second_conflicts: list[tuple[int, int]] | None = None

    def conflict_target(self, i: int, j: int) -> float:
        """Share of the meeting's annotators who call turns i and j a conflict."""
        pair = tuple(sorted((i, j)))
        votes = [pair in set(self.conflicts)]
        if self.second_conflicts is not None:
            votes.append(pair in set(self.second_conflicts))
        return sum(votes) / len(votes)

    @property
    def speakers(self) -> list[str]:
        return [t.speaker for t in self.turns]

    @property
    def texts(self) -> list[str]:
        return [t.text for t in self.turns]


def load_meeting(path: Path) -> Meeting:
    try:
        d = json.loads(path.read_text())
        turns = [Turn(t["speaker"], t["text"], t.get("emotion") or "neutral", list(t.get("tags") or [])) for t in d["turns"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(f"not a labelled dialogue: {e}", path=str(path)) from e
    conflicts = [tuple(sorted(c["turns"])) for c in d.get("conflicts", [])]
    return Meeting(id=d.get("id", path.stem), turns=turns, conflicts=conflicts,
                   reasons=[c.get("reason", "") for c in d.get("conflicts", [])])


def load_dir(folder: Path) -> list[Meeting]:
    return [load_meeting(p) for p in sorted(Path(folder).glob("*.json"))]


def load_second_annotation(meetings: list[Meeting], path: Path) -> int:
    """Attach a second annotator's conflicts (data/agreement/*_second_annotator.json) to the
    meetings it covers; returns how many it covered."""
    try:
        doc = json.loads(Path(path).read_text())["meetings"]
        pairs = {mid: [tuple(sorted(c)) for c in r["conflicts"]] for mid, r in doc.items()}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(f"not a second annotation: {e}", path=str(path)) from e
    n = 0
    for m in meetings:
        if m.id in pairs:
            m.second_conflicts = pairs[m.id]
            n += 1
    return n


def casino_meetings(path: Path) -> list[Meeting]:
    """CaSiNo dialogues with strategy labels, as meetings whose only trusted label is `ask`
    (self-need / other-need); the other moves are not annotated there, so the trainer masks them."""
    data = json.loads(Path(path).read_text())
    out = []
    for d in data:
        ann = d.get("annotations") or []
        if not ann:
            continue
        labels = {u: set(lab.split(",")) for u, lab in ann}
        turns = []
        for k, log in enumerate(x for x in d["chat_logs"] if x["text"] not in ("Submit-Deal", "Accept-Deal", "Reject-Deal", "Walk-Away")):
            text = log["text"]
            lab = labels.get(text, set())
            tags = [{"type": "ask", "topic": "other", "direction": "more"}] if lab & {"self-need", "other-need"} else []
            turns.append(Turn("A" if log["id"] == "mturk_agent_1" else "B", text, "neutral", tags))
        out.append(Meeting(id=f"casino-{d['dialogue_id']}", turns=turns, source="casino"))
    return out
