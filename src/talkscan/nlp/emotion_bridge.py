"""The utterance-emotion classifier lives in nlp/emotion.py (another head, trained on GoEmotions).
Until it is there, every utterance is neutral with score 0, so the analyzer never blocks on it."""

from __future__ import annotations

from ..transcript import Emotion


def emotion_model_name() -> str:
    try:
        from .emotion import EMOTION_MODEL
    except ImportError:
        return "none (neutral fallback)"
    return str(EMOTION_MODEL)


def utterance_emotions(texts: list[str]) -> list[Emotion]:
    try:
        from .emotion import classify_emotions
    except ImportError:
        return [Emotion("neutral", 0.0) for _ in texts]
    return list(classify_emotions(list(texts)))
