"""Utterance emotion over the seven categories of tags.md, and normalisation of named feelings.

The classifier is all-MiniLM-L6-v2 whose lower layers stay exactly as bundled (loaded through
`encoder.load_encoder`) while the top layers and a linear head come from `models/emotion.safetensors`,
trained on GoEmotions by `emotion_train.py`. The weight file's SHA-256 is recorded in
`models/emotion.json` and checked before loading.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..transcript import EMOTIONS, Emotion

__all__ = ["EMOTION_MODEL", "classify_emotions", "emotion_scores", "normalise_feeling", "models_dir"]

EMOTION_MODEL = "talkscan-emotion-1 (all-MiniLM-L6-v2 + head)"
WEIGHTS_FILE = "emotion.safetensors"
META_FILE = "emotion.json"
# Inference allows longer inputs than training (64 tokens): meeting turns run longer than Reddit comments.
MAX_LENGTH = 128


def models_dir() -> Path:
    """`models/` at the repository root, or $TALKSCAN_MODELS."""
    env = os.environ.get("TALKSCAN_MODELS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "models"


@dataclass
class _EmotionModel:
    top: Any  # encoder.Top: the fine-tuned layers and head, over the shared lower layers
    labels: tuple[str, ...]


def read_meta(model_dir: Path) -> dict[str, Any]:
    path = model_dir / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError("emotion model metadata is missing; run `talkscan train emotion`", path=str(path)) from None
    except (OSError, ValueError) as e:
        raise ModelError(f"emotion model metadata cannot be read: {e}", path=str(path)) from None
    if tuple(meta.get("labels", ())) != EMOTIONS:
        raise ModelError(f"emotion model labels {meta.get('labels')} are not {list(EMOTIONS)}", path=str(path))
    return meta


def load_emotion_model(model_dir: Path | None = None) -> _EmotionModel:
    """The classifier, after its weight file passed the SHA-256 check. Cached per folder."""
    return _load(str(Path(model_dir) if model_dir else models_dir()))


@lru_cache(maxsize=4)
def _load(model_dir_s: str) -> _EmotionModel:
    import torch
    from safetensors.torch import load_file

    from ..weights import verify_file
    from .encoder import Top, linear_from, top_layers

    model_dir = Path(model_dir_s)
    meta = read_meta(model_dir)
    wpath = model_dir / meta.get("weights", WEIGHTS_FILE)
    if not wpath.is_file():
        raise ModelError("emotion model weights are missing; run `talkscan train emotion`", path=str(wpath))
    verify_file(wpath, meta.get("sha256"), what="emotion weight file", fresh=True)
    try:
        tensors = load_file(str(wpath))
    except Exception as e:  # safetensors raises its own types for truncated or corrupt files
        raise ModelError(f"emotion weights cannot be read: {e}", path=str(wpath)) from None

    if [int(i) for i in meta.get("pool_layers", [])] != [6]:
        raise ModelError("emotion model must pool the encoder's last layer", path=str(model_dir / META_FILE))
    try:
        layers = top_layers(tensors, [int(i) for i in meta["finetuned_layers"]])
    except ValueError as e:
        raise ModelError(f"emotion weights: {e}", path=str(wpath)) from None
    head = linear_from(tensors, "head")
    if head.out_features != len(EMOTIONS):
        raise ModelError(f"emotion head has {head.out_features} outputs, not {len(EMOTIONS)}", path=str(wpath))
    # log-prior offsets tuned on dev for macro-F1
    bias = torch.tensor(meta.get("prior_offsets", [0.0] * len(EMOTIONS)), dtype=torch.float32)
    return _EmotionModel(Top(layers, lambda pooled: torch.softmax(head(pooled) + bias, dim=-1)), EMOTIONS)


def emotion_scores(texts: list[str], batch_size: int = 64, model_dir: Path | None = None):
    """Probabilities over EMOTIONS (after the dev-tuned prior offsets): float32 numpy (n, 7)."""
    import numpy as np

    from .encoder import encode_shared

    m = load_emotion_model(model_dir)
    if not texts:
        return np.zeros((0, len(EMOTIONS)), dtype=np.float32)
    return encode_shared(list(texts), {"emotion": m.top}, batch_size=batch_size, max_length=MAX_LENGTH)[1]["emotion"]


def emotions_from_scores(probs) -> list[Emotion]:
    return [Emotion(label=EMOTIONS[int(p.argmax())], score=round(float(p.max()), 4)) for p in probs]


def classify_emotions(texts: list[str], batch_size: int = 64) -> list[Emotion]:
    """One Emotion per text: the most likely of the seven categories and its probability."""
    return emotions_from_scores(emotion_scores(list(texts), batch_size=batch_size))


# --- named feelings -------------------------------------------------------------------------------
# Categories follow tags.md: fear includes worry, stress and feeling overstretched; joy includes
# relief and satisfaction; sadness includes disappointment; anger includes frustration.
# Entries ending in "*" match as word prefixes (inflections and derived nouns); others match whole
# words or phrases. Short or ambiguous words are whole-word only ("mad", not "made").
_FEELINGS: dict[str, tuple[str, ...]] = {
    "fear": (
        "afraid", "anxi*", "apprehens*", "burned out", "burnt out", "burnout", "concern*", "dread*",
        "fear*", "fright*", "hesita*", "insecur*", "jitter*", "jumpy", "nervous*", "on edge",
        "overload*", "overstretch*", "overwhelm*", "overwork*", "overcommit*", "panic*", "pressur*",
        "reluctan*", "scare*", "scary", "stress*", "stretched", "stretched thin", "swamped", "tense",
        "tension*", "terrif*", "uncertain*", "uneas*", "unsure", "worr*", "wary", "doubt*",
        "under pressure", "cautious*", "skeptic*", "sceptic*", "threatened", "vulnerable",
        "alarmed", "edgy", "spooked", "unsettled", "rattled", "distress*", "daunted", "cornered",
        "out of your depth", "out of my depth", "stretched too thin", "overburden*", "stressed out",
    ),
    "anger": (
        "aggravat*", "anger*", "angr*", "annoy*", "bothered", "cross", "enrag*", "exasperat*",
        "fed up", "frustrat*", "furious*", "fury", "impatien*", "incens*", "indignan*", "irate",
        "irked", "irritat*", "livid", "mad", "outrag*", "peeved", "pissed", "resent*", "upset",
        "offended", "hostil*", "agitat*", "disapprov*", "defensive*", "riled", "fuming", "cheated",
        "ticked off", "put out", "disrespected", "unheard", "aggriev*", "bitter*", "grumpy", "vexed",
    ),
    "sadness": (
        "ashamed", "blue", "defeated", "deflated", "dejected", "demoraliz*", "demoralis*", "depress*",
        "despair*", "despondent", "disappoint*", "discourag*", "disheart*", "dismay*", "down",
        "embarrass*", "gloom*", "grief", "griev*", "guilt*", "heartbroken", "hopeless*", "hurt",
        "let down", "lonely", "low", "melanchol*", "miserable", "regret*", "remorse*", "sad",
        "sadness", "sadder", "sorrow*", "sorry", "unhappy", "unhappiness", "dissatisf*", "tired",
        "exhausted", "drained", "weary", "helpless*", "resigned", "unappreciated", "undervalued",
        "left out", "isolated", "discontent*", "gutted", "crushed", "burdened", "glum",
    ),
    "joy": (
        "amused", "amusement", "appreciat*", "cheerful", "delight*", "eager*", "ecstatic", "elated",
        "elation", "enthus*", "excite*", "exciting", "glad", "grateful", "gratitude", "happy",
        "happier", "happiness", "hopeful*", "inspired", "joy*", "keen", "love", "loving",
        "motivated", "optimis*", "pleased", "proud", "pride", "relief", "relieved", "satisfied",
        "satisfaction", "thankful", "thrill*", "comfortable", "energized", "energised", "encouraged",
        "positive", "upbeat", "good", "great", "confident", "reassured", "content", "hope",
        "cheered", "chuffed", "stoked", "on board", "excellent", "fantastic", "wonderful",
    ),
    "surprise": (
        "amazed", "amazement", "astonish*", "astound*", "baffl*", "bewilder*", "blindsided",
        "caught off guard", "confus*", "curious*", "curiosity", "perplex*", "puzzl*", "shock*",
        "startl*", "stunned", "surpris*", "taken aback", "thrown", "intrigu*", "unprepared",
        "speechless", "dumbfounded", "flabbergasted", "lost",
    ),
    "disgust": (
        "appall*", "disgust*", "grossed out", "nause*", "repuls*", "revolt*", "sick of", "sickened",
        "contempt*", "distaste*", "loath*", "horrified", "repelled", "sick and tired",
    ),
    "neutral": ("fine", "ok", "okay", "neutral", "indifferent", "alright", "all right", "calm", "relaxed"),
}
_NEGATORS = {"not", "no", "never", "nt", "hardly", "barely", "isn", "aren", "wasn", "don", "doesn", "didn", "without"}


@lru_cache(maxsize=1)
def _feeling_patterns() -> list[tuple[re.Pattern[str], str]]:
    pats = []
    for label, entries in _FEELINGS.items():
        for e in entries:
            body = re.escape(e[:-1]) + r"[a-z]*" if e.endswith("*") else re.escape(e)
            pats.append((re.compile(r"\b" + body.replace(r"\ ", r"\s+") + r"\b"), label))
    return pats


def _lexicon_feeling(text: str) -> str | None:
    words = re.sub(r"[^a-z]+", " ", text.lower().replace("n't", " nt")).split()
    norm = " ".join(words)
    spans = [(m.start(), m.end(), label) for pat, label in _feeling_patterns() for m in pat.finditer(norm)]
    # Drop matches inside a longer one ("tired" in "sick and tired"); of the rest the last wins,
    # as the head of a phrase comes last ("a bit stressed").
    spans = [a for a in spans if not any(b[0] <= a[0] and a[1] <= b[1] and b[1] - b[0] > a[1] - a[0] for b in spans)]
    if not spans:
        return None
    start, _, label = max(spans, key=lambda s: (s[0], s[1]))
    before = norm[:start].split()[-3:]
    if any(w in _NEGATORS for w in before):
        # "not happy" reads as dissatisfaction; "not worried" as no strong feeling.
        return "sadness" if label == "joy" else "neutral"
    return label


def normalise_feeling(word: str) -> str:
    """Map a named feeling ("stressed", "a bit frustrated", "relieved") to one of EMOTIONS.

    A lexicon first (the categories of tags.md); for words it does not know, the classifier reads
    "I feel <word>." and its most likely non-neutral category wins when it is confident enough.
    """
    text = (word or "").strip()
    if not text:
        return "neutral"
    found = _lexicon_feeling(text)
    if found is not None:
        return found
    probs = emotion_scores([f"I feel {text}."])[0]
    # A named feeling is rarely neutral; fall back to neutral only when nothing else stands out.
    order = probs.argsort()[::-1]
    top = EMOTIONS[int(order[0])]
    if top == "neutral":
        second = int(order[1])
        return EMOTIONS[second] if probs[second] >= 0.25 else "neutral"
    return top
