"""The labelled meetings: every file follows FORMAT.md, and the held-out splits stay held out."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

DIALOGUES = Path(__file__).resolve().parents[1] / "data" / "dialogues"
SPLITS = ("train", "dev", "test", "new", "brisk", "indie", "spoken", "builds", "pending")
HELD_OUT = ("dev", "test", "new", "brisk", "indie", "spoken", "builds")


def _validator():
    spec = importlib.util.spec_from_file_location("validate_dialogues", DIALOGUES / "validate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _meetings(split: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((DIALOGUES / split).glob("*.json"))]


@pytest.mark.parametrize("split", SPLITS)
def test_every_meeting_follows_the_format(split):
    check = _validator().check
    files = sorted((DIALOGUES / split).glob("*.json"))
    assert files, f"no meetings in {split}/"
    problems = [e for f in files for e in check(f)]
    assert problems == []


def test_held_out_writers_never_appear_in_train():
    """test/ is w10's alone, new/ is w21-w22's, brisk/ w23-w25's, indie/ w30-w32's, spoken/
    w33-w36's and builds/ w39-w40's; none of them wrote a training meeting, nor one of pending/ (the
    next retrain's)."""
    writers = {s: {m["id"].split("-")[0] for m in _meetings(s)} for s in SPLITS}
    assert writers["test"] == {"w10"}
    assert writers["new"] == {"w21", "w22"}
    assert writers["brisk"] == {"w23", "w24", "w25"}
    assert writers["indie"] == {"w30", "w31", "w32"}
    assert writers["spoken"] == {"w33", "w34", "w35", "w36"}
    assert writers["builds"] == {"w39", "w40"}
    held_out = set().union(*(writers[s] for s in HELD_OUT if s != "dev"))   # dev/ is the training writers'
    assert not held_out & (writers["train"] | writers["pending"])
    ids = [m["id"] for s in SPLITS for m in _meetings(s)]
    assert len(ids) == len(set(ids))


def test_no_held_out_sentence_is_copied_from_train():
    def long_turns(split):
        return {t["text"].strip().lower() for m in _meetings(split) for t in m["turns"] if len(t["text"].split()) >= 8}

    train = long_turns("train") | long_turns("pending")
    for split in HELD_OUT:
        assert not long_turns(split) & train, split


def test_brisk_meetings_say_their_asks_in_short_turns():
    """brisk/ measures what the other splits barely hold: asks said alone, as people say them in a
    meeting (the training writers put 89% of their asks in turns over 14 words)."""
    asks = [t["text"] for m in _meetings("brisk") for t in m["turns"] if any(g["type"] == "ask" for g in t["tags"])]
    assert len(asks) >= 300
    assert sum(len(a.split()) <= 14 for a in asks) / len(asks) > 0.9


def test_the_real_meetings_labels_fit_their_transcripts(shared_data):
    """data/realspeech holds blind labels of QMSum's real meetings by turn index
    (benchmarks/real_meetings.py): they cover every turn of the transcripts as the benchmark reads
    them, restatements point back at an earlier turn of another speaker, a label names a speaker
    present, and asks carry a topic and direction of tags.md."""
    import sys

    sys.path.insert(0, str(DIALOGUES.parents[1] / "benchmarks"))
    from nlp_eval import qmsum_meetings

    from talkscan.transcript import TOPICS

    labels = json.loads((DIALOGUES.parent / "realspeech" / "qmsum_labels.json").read_text())["meetings"]
    meetings = {name: speakers for name, speakers, _ in qmsum_meetings(shared_data / "qmsum")}
    assert set(labels) == set(meetings)
    for name, lab in labels.items():
        speakers = meetings[name]
        assert lab["turns"] == len(speakers), name
        restated = [i for i, _, _ in lab["restatements"]["tags"]]
        assert len(restated) == len(set(restated)), name   # one restatement tag a turn
        for i, kind, j in lab["restatements"]["tags"] + lab["restatements"]["unsure"]:
            assert kind in ("paraphrase", "mirroring") and 0 <= j < i < len(speakers), (name, i)
            assert speakers[i] != speakers[j], (name, i, j)
        for t in lab["moves"]["tags"] + lab["moves"]["unsure"]:
            assert t["type"] in ("ask", "emotional_labeling", "similarity", "future_vision") and 0 <= t["turn"] < len(speakers)
        for t in lab["moves"]["tags"]:
            if t["type"] == "ask":
                assert t["topic"] in TOPICS and t["direction"] in ("more", "less", "null"), (name, t)
            if t["type"] == "emotional_labeling":
                assert t["target"] in speakers and t["target"] != speakers[t["turn"]], (name, t)
    assert sum(len(lab["restatements"]["tags"]) for lab in labels.values()) >= 50
