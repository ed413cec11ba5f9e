"""Rows for fine-tuning the utterance model (`utterance_train.py`), written as one JSON file so
the fine-tuning can run where spaCy and the talkscan package are not installed (a GPU machine).

    python -m talkscan.nlp.utterance_data data/dialogues ROWS.json

The split and the ASR renderings are those of `train.py` (same seeds), so model A's probabilities
for the held-back meetings line up with the rows the trainer tunes its thresholds on.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..transcript import EMOTIONS, TOPICS
from .dialogues import Meeting, load_dir
from .evaluate import EVAL_SEED, degrade_meeting, renderings
from .train import DIRECTION_LABELS, MOVE_LABELS, tune_split


def meeting_rows(m: Meeting, texts: list[str]) -> list[list]:
    rows = []
    for turn, text in zip(m.turns, texts):
        types = {t.get("type") for t in turn.tags}
        moves = [int(lab in types or (lab == "restate" and bool(types & {"paraphrase", "mirroring"})))
                 for lab in MOVE_LABELS]
        ask = next((t for t in turn.tags if t.get("type") == "ask" and t.get("topic") in TOPICS), None)
        topic = TOPICS.index(ask["topic"]) if ask else -1
        direction = DIRECTION_LABELS.index(ask.get("direction") or "null") if ask else -1
        emotion = EMOTIONS.index(turn.emotion) if turn.emotion in EMOTIONS else -1
        rows.append([text, moves, topic, direction, emotion])
    return rows


def build(dialogues: Path, seed: int = 0, copies: int = 2) -> dict:
    train = load_dir(dialogues / "train")
    tune_ids = tune_split(len(train), seed)
    variants = renderings(train, copies, seed)
    fit, all_rows = [], []
    for k, (m, vs) in enumerate(zip(train, variants)):
        for texts in vs:
            rows = meeting_rows(m, texts)
            all_rows += rows
            if k not in tune_ids:
                fit += rows
    predict: list[str] = []
    tune: list[list] = []
    tune_set = [train[i] for i in tune_ids]
    for m, vs in zip(tune_set, renderings(tune_set, 1, seed + 1)):
        for texts in vs:
            predict += texts
            tune += meeting_rows(m, texts)
    for split in ("dev", "test"):
        ms = load_dir(dialogues / split) if (dialogues / split).is_dir() else []
        for k, m in enumerate(ms):
            predict += m.texts + degrade_meeting(m, EVAL_SEED + k)   # as evaluate() renders them
    predict = sorted(set(predict))
    labels = {"moves": MOVE_LABELS, "topics": list(TOPICS), "directions": DIRECTION_LABELS, "emotions": list(EMOTIONS)}
    return {"labels": labels, "fit": fit, "all": all_rows, "tune": tune, "predict": predict}


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dialogues", type=Path)
    ap.add_argument("out", type=Path)
    a = ap.parse_args(argv)
    data = build(a.dialogues)
    a.out.write_text(json.dumps(data))
    print(f"{len(data['fit'])} fit rows, {len(data['all'])} rows, {len(data['predict'])} texts to predict")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
