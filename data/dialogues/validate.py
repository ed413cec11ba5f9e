"""Check every labelled dialogue against FORMAT.md; prints problems and a label count, exits 1 on any problem."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

MOVES = {"paraphrase", "mirroring", "emotional_labeling", "similarity", "future_vision", "ask"}
TOPICS = {"price", "timeline", "scope", "compliance", "documentation", "process", "resources", "other"}
EMOTIONS = {"neutral", "joy", "anger", "sadness", "fear", "surprise", "disgust"}


def check(path: Path) -> list[str]:
    errs: list[str] = []
    try:
        d = json.loads(path.read_text())
    except Exception as e:  # noqa: BLE001 - report any parse problem
        return [f"{path}: not JSON: {e}"]
    names = set(d.get("speakers", {}))
    turns = d.get("turns", [])
    for i, t in enumerate(turns):
        where = f"{path.name} turn {i}"
        if t.get("speaker") not in names:
            errs.append(f"{where}: speaker {t.get('speaker')!r} not in speakers")
        if not str(t.get("text", "")).strip():
            errs.append(f"{where}: empty text")
        if t.get("emotion") not in EMOTIONS:
            errs.append(f"{where}: emotion {t.get('emotion')!r}")
        for tag in t.get("tags", []):
            ty = tag.get("type")
            if ty not in MOVES:
                errs.append(f"{where}: tag type {ty!r}")
            if ty in ("paraphrase", "mirroring"):
                tg = tag.get("target")
                if not isinstance(tg, int) or not 0 <= tg < i or turns[tg]["speaker"] == t["speaker"]:
                    errs.append(f"{where}: {ty} target {tg!r} must be an earlier turn by another speaker")
            if ty == "emotional_labeling":
                if tag.get("target") not in names or tag.get("target") == t["speaker"]:
                    errs.append(f"{where}: labeling target {tag.get('target')!r} must be another speaker's name")
                if tag.get("emotion") not in EMOTIONS or not tag.get("said"):
                    errs.append(f"{where}: labeling needs said and emotion")
            if ty == "ask":
                if tag.get("topic") not in TOPICS or tag.get("direction") not in ("more", "less", None):
                    errs.append(f"{where}: ask topic/direction {tag.get('topic')!r}/{tag.get('direction')!r}")
    for c in d.get("conflicts", []):
        a, b = c.get("turns", [None, None])
        ok = all(isinstance(x, int) and 0 <= x < len(turns) for x in (a, b))
        if not ok or turns[a]["speaker"] == turns[b]["speaker"]:
            errs.append(f"{path.name}: conflict {c} must name turns of two different speakers")
            continue
        for x in (a, b):
            if not any(tg.get("type") == "ask" for tg in turns[x].get("tags", [])):
                errs.append(f"{path.name}: conflict turn {x} carries no ask")
    return errs


def main(paths: list[Path]) -> int:
    """Files as given; a folder means its split folders' meetings (default: this folder's)."""
    files = sorted(f for p in paths for f in ([p] if p.is_file() else p.glob("*/*.json")))
    if not files:
        print(f"no meetings found in {', '.join(map(str, paths))}")
        return 1
    errs: list[str] = []
    counts: Counter[str] = Counter()
    n_turns = 0
    for f in files:
        errs += check(f)
        d = json.loads(f.read_text()) if f.stat().st_size else {}
        for t in d.get("turns", []):
            n_turns += 1
            for tag in t.get("tags", []):
                counts[tag.get("type")] += 1
        counts["conflict"] += len(d.get("conflicts", []))
    for e in errs:
        print(e)
    print(f"{len(files)} meetings, {n_turns} turns, labels: {dict(counts)}")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main([Path(a) for a in sys.argv[1:]] or [Path(__file__).parent]))
