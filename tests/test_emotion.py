"""Emotion classifier: named-feeling normalisation, the weight hash check, and the real model on
clear sentences and on held-out GoEmotions data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from talkscan.errors import ModelError
from talkscan.nlp import emotion
from talkscan.nlp.emotion import classify_emotions, emotion_scores, load_emotion_model, models_dir, normalise_feeling
from talkscan.nlp.emotion_train import macro_f1, meeting_seed, read_split
from talkscan.transcript import EMOTIONS, Emotion

REPO = Path(__file__).resolve().parents[1]
GOEMOTIONS = REPO.parent / "shared" / "data" / "goemotions"


# --- named feelings (lexicon; no model) -----------------------------------------------------------

@pytest.mark.parametrize(
    "said, expected",
    [
        ("stressed", "fear"),
        ("overstretched", "fear"),
        ("a bit stressed out", "fear"),
        ("worried", "fear"),
        ("under pressure", "fear"),
        ("hesitant", "fear"),
        ("frustrated", "anger"),
        ("Frustration", "anger"),
        ("annoyed", "anger"),
        ("fed up", "anger"),
        ("thrilled", "joy"),
        ("relieved", "joy"),
        ("excited", "joy"),
        ("disappointed", "sadness"),
        ("let down", "sadness"),
        ("discouraged", "sadness"),
        ("surprised", "surprise"),
        ("blindsided", "surprise"),
        ("confused", "surprise"),
        ("disgusted", "disgust"),
        ("appalled", "disgust"),
        ("not happy", "sadness"),
        ("not worried", "neutral"),
        ("fine", "neutral"),
    ],
)
def test_normalise_feeling_lexicon(said, expected):
    assert normalise_feeling(said) == expected


def test_lexicon_prefixes_do_not_fire_inside_other_words():
    # "mad" must not match "made", "happ" must not match "happening", "content" not "contentious".
    for word in ("made", "happening", "contentious", "downtime", "confidential"):
        assert emotion._lexicon_feeling(word) is None, word


def test_normalise_feeling_empty_is_neutral():
    assert normalise_feeling("") == "neutral"
    assert normalise_feeling("   ") == "neutral"


# --- training helpers on a fake GoEmotions folder --------------------------------------------------

def _fake_goemotions(root: Path) -> Path:
    names = ["admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion", "curiosity",
             "desire", "disappointment", "disapproval", "disgust", "embarrassment", "excitement", "fear",
             "gratitude", "grief", "joy", "love", "nervousness", "optimism", "pride", "realization", "relief",
             "remorse", "sadness", "surprise", "neutral"]
    root.mkdir()
    (root / "emotions.txt").write_text("\n".join(names) + "\n")
    (root / "train.tsv").write_text("so annoying\t3\ta1\nscary and sad\t14,25\ta2\nok then\t27\ta3\n")
    return root


def test_read_split_groups_labels_into_seven(tmp_path):
    texts, y = read_split(_fake_goemotions(tmp_path / "ge"), "train")
    assert texts == ["so annoying", "scary and sad", "ok then"]
    assert y.shape == (3, 7)
    assert [EMOTIONS[i] for i in y[0].nonzero()[0]] == ["anger"]
    assert sorted(EMOTIONS[i] for i in y[1].nonzero()[0]) == ["fear", "sadness"]
    assert [EMOTIONS[i] for i in y[2].nonzero()[0]] == ["neutral"]


def test_macro_f1_counts_any_gold_label_as_a_hit():
    import numpy as np

    gold = np.zeros((3, 7), dtype=np.float32)
    gold[0, 0] = 1
    gold[1, [1, 2]] = 1
    gold[2, 2] = 1
    score, per = macro_f1(gold, np.array([0, 1, 0]))
    assert per[EMOTIONS.index("joy")] == 1.0
    assert per[EMOTIONS.index("neutral")] == pytest.approx(2 / 3)
    assert per[EMOTIONS.index("anger")] == 0.0
    assert score == pytest.approx((1 + 2 / 3) / 7)


# --- weight file integrity ------------------------------------------------------------------------

def _copy_model(tmp_path: Path) -> Path:
    dst = tmp_path / "models"
    dst.mkdir()
    meta = json.loads((models_dir() / emotion.META_FILE).read_text())
    for name in (emotion.META_FILE, meta["weights"]):
        shutil.copy(models_dir() / name, dst / name)
    return dst


def test_tampered_weights_raise_model_error(tmp_path):
    dst = _copy_model(tmp_path)
    w = dst / emotion.WEIGHTS_FILE
    data = bytearray(w.read_bytes())
    data[len(data) // 2] ^= 0x01
    w.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="SHA-256"):
        load_emotion_model(dst)


def test_missing_weights_or_metadata_raise_model_error(tmp_path):
    dst = _copy_model(tmp_path)
    (dst / emotion.WEIGHTS_FILE).unlink()
    with pytest.raises(ModelError):
        load_emotion_model(dst)
    with pytest.raises(ModelError):
        load_emotion_model(tmp_path / "nowhere")


def test_metadata_records_the_hash_of_the_committed_weights():
    from talkscan.weights import file_sha256

    meta = json.loads((models_dir() / emotion.META_FILE).read_text())
    assert meta["labels"] == list(EMOTIONS)
    assert file_sha256(models_dir() / meta["weights"]) == meta["sha256"]
    for f in models_dir().glob("emotion*"):
        assert f.stat().st_size < 15 * 1024 * 1024, f


# --- the real model -------------------------------------------------------------------------------

CLEAR = [
    ("I'm so frustrated that the vendor missed the deadline again.", "anger"),
    ("This is ridiculous, I'm fed up with these delays.", "anger"),
    ("That's a huge relief, thank you.", "joy"),
    ("Great news, I'm really happy with how this turned out!", "joy"),
    ("I'm worried we won't make the cutover.", "fear"),
    ("I'm scared this will blow up in our faces.", "fear"),
    ("I'm really disappointed with how the pilot went.", "sadness"),
    ("Wow, I did not expect that at all!", "surprise"),
    ("Let's meet on Tuesday at ten to go through the SOW.", "neutral"),
    ("The contract is in the shared folder.", "neutral"),
    ("Procurement will send the updated figures by Friday.", "neutral"),
    ("Can we move the kickoff to the fourteenth?", "neutral"),
    ("Could you send me the project plan today?", "neutral"),
]


def _norm(t: str) -> str:
    return " ".join("".join(c for c in t.lower() if c.isalnum() or c == " ").split())


def test_clear_sentences_are_not_among_the_composed_training_sentences():
    seed = {_norm(t) for t in meeting_seed()[0]}
    assert not [t for t, _ in CLEAR if _norm(t) in seed]


def test_meeting_seed_is_deterministic_and_balanced():
    t1, y1 = meeting_seed(per_class=20)
    t2, _ = meeting_seed(per_class=20)
    assert t1 == t2
    counts = dict(zip(EMOTIONS, y1.sum(0)))
    assert counts["neutral"] == 40 and all(counts[e] == 20 for e in EMOTIONS if e != "neutral")


def test_clear_sentences_get_their_category():
    got = classify_emotions([t for t, _ in CLEAR])
    assert all(isinstance(e, Emotion) and e.label in EMOTIONS and 0 < e.score <= 1 for e in got)
    wrong = [(t, exp, e.label) for (t, exp), e in zip(CLEAR, got) if e.label != exp]
    assert not wrong, wrong


def test_scores_are_probabilities_and_order_is_kept():
    import numpy as np

    texts = ["The contract is in the shared folder.", "I'm worried we won't make the cutover.", ""]
    p = emotion_scores(texts)
    assert p.shape == (3, 7)
    assert np.allclose(p.sum(1), 1.0, atol=1e-4)
    assert EMOTIONS[int(p[1].argmax())] == "fear"
    assert classify_emotions([]) == []


def test_batching_does_not_change_results():
    texts = [t for t, _ in CLEAR]
    a = [e.label for e in classify_emotions(texts, batch_size=3)]
    b = [e.label for e in classify_emotions(texts, batch_size=64)]
    assert a == b


def test_normalise_feeling_falls_back_to_the_classifier():
    # Not in the lexicon: the classifier reads "I feel <word>."
    assert "petrified" not in str(emotion._FEELINGS)
    assert normalise_feeling("petrified") == "fear"
    assert normalise_feeling("heartsick") in EMOTIONS


@pytest.mark.slow
def test_goemotions_test_sample_macro_f1():
    """Held-out GoEmotions rows (never trained on): macro-F1 on the first 1,500 test rows stays near the
    full-test figure of the model card."""
    if not (GOEMOTIONS / "test.tsv").is_file():
        pytest.skip(f"GoEmotions not found at {GOEMOTIONS} (shared data lives beside the repository)")
    texts, y = read_split(GOEMOTIONS, "test")
    texts, y = texts[:1500], y[:1500]
    score, _ = macro_f1(y, emotion_scores(texts).argmax(1))
    assert score >= 0.50
