"""The ask model (`models/ask.safetensors`, trained by `utterance_train.py --kind ask`): all six
layers of all-MiniLM-L6-v2 fine-tuned on the ask turns, with topic and direction heads. Which part
of a turn is the ask ("the saving is six hundred k; I need the two tools gone by January" is a
timeline ask) is learnt better by the whole encoder than by its top two layers, so the analyzer
mixes it into the topic and direction of every ask it finds, by weights tuned on held-back training
meetings (models/moves.json, `utterance_mix` -> `ask_model`). Optional: without it the linear heads
and the utterance model decide."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


@dataclass
class AskModel:
    top: Any          # encoder.Top over all six layers
    labels: dict      # {"topics": [...], "directions": [...]}
    sha256: str

    def predict(self, texts: list[str]):
        """(topic probabilities (n, 8), direction probabilities (n, 3)) of the ask turns `texts`."""
        import numpy as np

        from .encoder import encode_shared

        if not texts:
            return np.zeros((0, len(self.labels["topics"]))), np.zeros((0, len(self.labels["directions"])))
        out = encode_shared(texts, {"ask": self.top}, sentence=False)[1]["ask"]
        k = len(self.labels["topics"])
        return out[:, :k], out[:, k:]


def load_ask_model(models_dir: Path) -> AskModel | None:
    """The model after its weights passed their SHA-256 check; None where models_dir has none."""
    return _load(str(models_dir))


@lru_cache(maxsize=4)
def _load(models_dir_s: str) -> AskModel | None:
    import torch

    from .encoder import Top, linear_from, load_top_files

    got = load_top_files(models_dir_s, "ask", "ask model")
    if got is None:
        return None
    meta, state, layers = got
    topic, direction = linear_from(state, "topic"), linear_from(state, "direction")

    def head(pooled):
        return torch.cat([torch.softmax(topic(pooled), -1), torch.softmax(direction(pooled), -1)], dim=-1)

    return AskModel(Top(layers, head), meta["labels"], meta["sha256"])
