"""A second annotator's conflicts (data/agreement): soft targets for the conflict head, and the
committed annotations' integrity."""

import json
from pathlib import Path

import numpy as np
import pytest

from talkscan.errors import InputError
from talkscan.nlp.dialogues import Meeting, Turn, load_dir, load_second_annotation
from talkscan.nlp.heads import train_linear

DATA = Path(__file__).resolve().parents[1] / "data"


def _meeting(second=None):
    turns = [Turn(s, f"turn {k}") for k, s in enumerate(["A", "B", "C", "B", "A", "C"])]
    return Meeting("m1", turns, conflicts=[(0, 3)], second_conflicts=second)


def test_conflict_target_is_the_share_of_annotators():
    m = _meeting([(0, 3), (1, 4)])
    assert m.conflict_target(0, 3) == 1.0 and m.conflict_target(3, 0) == 1.0
    assert m.conflict_target(4, 1) == 0.5 and m.conflict_target(2, 5) == 0.0
    alone = _meeting()
    assert alone.conflict_target(0, 3) == 1.0 and alone.conflict_target(1, 4) == 0.0


def test_second_annotation_attaches_by_meeting_id(tmp_path):
    p = tmp_path / "second.json"
    p.write_text(json.dumps({"meetings": {"m1": {"asks": {}, "conflicts": [[4, 1]]}, "other": {"conflicts": []}}}))
    ms = [_meeting(), Meeting("m2", [Turn("A", "x")])]
    assert load_second_annotation(ms, p) == 1
    assert ms[0].second_conflicts == [(1, 4)] and ms[1].second_conflicts is None
    p.write_text('{"meetings": {"m1": {"asks": {}}}}')
    with pytest.raises(InputError):
        load_second_annotation(ms, p)


def test_soft_targets_fit_the_annotators_share():
    # three kinds of pair: no annotator, one of two, both call it a conflict
    x = np.repeat(np.eye(3, dtype=np.float32), 60, axis=0)
    y = np.repeat([0.0, 0.5, 1.0], 60)
    p = train_linear("c", x, y, ["no", "conflict"], c=100.0).predict_proba(np.eye(3, dtype=np.float32))[:, 1]
    assert p[0] < 0.1 and 0.4 < p[1] < 0.6 and p[2] > 0.9
    # hard 0/1 targets fit as before, whether given as floats or ints
    hard = np.repeat([0, 1, 1], 60)
    a = train_linear("c", x, hard, ["no", "conflict"]).predict_proba(x[:3])
    b = train_linear("c", x, hard.astype(float), ["no", "conflict"]).predict_proba(x[:3])
    assert np.allclose(a, b)


@pytest.mark.parametrize("split", ["train", "dev", "new"])
def test_committed_second_annotations_pair_ask_turns_of_different_speakers(split):
    doc = json.loads((DATA / "agreement" / f"{split}_second_annotator.json").read_text())["meetings"]
    meetings = load_dir(DATA / "dialogues" / split)
    assert {m.id for m in meetings} == set(doc)
    for m in meetings:
        asks = {i for i, t in enumerate(m.turns) if any(g["type"] == "ask" for g in t.tags)}
        r = doc[m.id]
        assert {int(k) for k in r["asks"]} == asks, m.id
        for i, j in r["conflicts"]:
            assert i < j and {i, j} <= asks and m.turns[i].speaker != m.turns[j].speaker, (m.id, i, j)


def test_evaluate_scores_conflicts_against_the_second_annotator_too():
    """nlp_eval's extra rows: the same predicted pairs, judged against the second annotation."""
    from talkscan.nlp.analyzer import Analysis
    from talkscan.nlp.conflicts import AskInfo
    from talkscan.nlp.evaluate import evaluate
    from talkscan.transcript import Emotion

    ask = {"type": "ask", "topic": "price", "direction": "less"}
    turns = [Turn(s, f"turn {k}", tags=[dict(ask)]) for k, s in enumerate(["A", "B", "C"])]

    class Fixed:   # the analyzer's decisions, fixed: asks on every turn, one conflict (0, 1)
        def analyze_with_emotions(self, speakers, texts, names, encode_fn=None):
            asks = [AskInfo(i, s, "price", "less", t) for i, (s, t) in enumerate(zip(speakers, texts))]
            return Analysis(tags=[[] for _ in texts], asks=asks, conflicts=[(0, 1, 0.9)]), [Emotion()] * len(texts)

        def find_conflicts(self, asks, emb):
            return [(0, 1, 0.9)]

    writer_only = Meeting("m", turns, conflicts=[(0, 1)])
    both = Meeting("m", turns, conflicts=[(0, 1)], second_conflicts=[(1, 2)])
    s = evaluate(Fixed(), [both], lambda texts: np.zeros((len(texts), 4), np.float32))
    assert s["conflict"]["f1"] == 1.0 and s["conflict_second_annotator"]["f1"] == 0.0
    assert s["conflict_given_gold_asks_second_annotator"]["support"] == 1
    plain = evaluate(Fixed(), [writer_only], lambda texts: np.zeros((len(texts), 4), np.float32))
    assert "conflict_second_annotator" not in plain
