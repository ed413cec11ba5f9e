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
from .conflict_train import pair_text, swapped
from .evaluate import EVAL_SEED, degrade_meeting, renderings
from .recipe import ASK_CUTS
from .train import AUGMENT_COPIES, DIRECTION_LABELS, MOVE_LABELS, tune_split


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


def conflict_rows(m: Meeting, texts: list[str]) -> list[list]:
    """[pair text, 1 if the two asks conflict] for every two gold asks by different speakers."""
    asks = [i for i, t in enumerate(m.turns) if any(g.get("type") == "ask" for g in t.tags)]
    gold = {tuple(sorted(c)) for c in m.conflicts}
    return [[pair_text(texts[i], texts[j]), int((i, j) in gold)]
            for k, i in enumerate(asks) for j in asks[k + 1 :] if m.turns[i].speaker != m.turns[j].speaker]


def build(dialogues: Path, seed: int = 0, copies: int = AUGMENT_COPIES, ask_cuts: bool = ASK_CUTS) -> dict:
    """`ask_cuts`: also train on the ask turns cut to their ask sentences (evaluate.ask_cut_meeting);
    the held-back rows stay as they were."""
    train = load_dir(dialogues / "train")
    tune_ids = tune_split(len(train), seed)
    variants = renderings(train, copies, seed, ask_cuts)
    fit, all_rows = [], []
    conflict: dict = {"fit": [], "all": [], "tune": [], "predict": [], "dev": []}
    for k, (m, vs) in enumerate(zip(train, variants)):
        for v, texts in enumerate(vs):
            rows = meeting_rows(m, texts)
            pairs = conflict_rows(m, texts)
            if v == 0:
                clean_pairs = pairs
            elif ask_cuts and v == 1:   # only the turns and pairs the cut changed: the rest repeat the clean text
                rows = [r for r, clean in zip(rows, m.texts) if r[0] != clean]
                pairs = [p for p, clean in zip(pairs, clean_pairs) if p[0] != clean[0]]
            all_rows += rows
            conflict["all"] += pairs
            if k not in tune_ids:
                fit += rows
                conflict["fit"] += pairs
    predict: list[str] = []
    tune: list[list] = []
    tune_set = [train[i] for i in tune_ids]
    for m, vs in zip(tune_set, renderings(tune_set, 1, seed + 1)):
        for texts in vs:
            predict += texts
            tune += meeting_rows(m, texts)
            conflict["tune"] += conflict_rows(m, texts)
    for split in ("dev", "test"):
        ms = load_dir(dialogues / split) if (dialogues / split).is_dir() else []
        for k, m in enumerate(ms):
            predict += m.texts + degrade_meeting(m, EVAL_SEED + k)   # as evaluate() renders them
    predict = sorted(set(predict))
    # Model A scores the held-back pairs in both orders (the analyzer averages the two).
    conflict["predict"] = sorted({t for text, _ in conflict["tune"] for t in (text, swapped(text))})
    if (dialogues / "dev").is_dir():
        conflict["dev"] = [r for m in load_dir(dialogues / "dev") for r in conflict_rows(m, m.texts)]
    labels = {"moves": MOVE_LABELS, "topics": list(TOPICS), "directions": DIRECTION_LABELS, "emotions": list(EMOTIONS)}
    return {"labels": labels, "fit": fit, "all": all_rows, "tune": tune, "predict": predict, "conflict": conflict}


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dialogues", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--ask-cuts", action=argparse.BooleanOptionalAction, default=ASK_CUTS,
                    help="also train on ask turns cut to their ask sentences")
    a = ap.parse_args(argv)
    data = build(a.dialogues, ask_cuts=a.ask_cuts)
    a.out.write_text(json.dumps(data))
    c = data["conflict"]
    print(f"{len(data['fit'])} fit rows, {len(data['all'])} rows, {len(data['predict'])} texts to predict; "
          f"conflict pairs: {len(c['fit'])} fit, {len(c['all'])} all, {len(c['tune'])} held back")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
