"""The conflict cross-encoder (`models/conflict.safetensors`, trained by `conflict_train.py`): reads
two asks as one text and gives the probability that both cannot be granted. Heads trained with
`talkscan train moves --cross-encoder` mix it with the linear conflict head by a weight tuned on
held-back training meetings (asks_conflicts.json, `cross_encoder`). The shipped heads do not: it
did no better end to end (models/moves.md), so the head decides alone."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .conflict_train import MAX_LENGTH, pair_text


@dataclass
class ConflictModel:
    top: Any          # encoder.Top
    sha256: str

    def scores(self, pairs: list[tuple[str, str]]):
        """Probability per (ask text, ask text), the mean over both orders: symmetric by construction."""
        import numpy as np

        from .encoder import encode_shared

        if not pairs:
            return np.zeros(0, dtype=np.float32)
        texts = [pair_text(a, b) for a, b in pairs] + [pair_text(b, a) for a, b in pairs]
        out = encode_shared(texts, {"conflict": self.top}, max_length=MAX_LENGTH)[1]["conflict"][:, 0]
        return 0.5 * (out[: len(pairs)] + out[len(pairs):])


def load_conflict_model(models_dir: Path) -> ConflictModel | None:
    return _load(str(models_dir))


@lru_cache(maxsize=4)
def _load(models_dir_s: str) -> ConflictModel | None:
    import torch

    from .encoder import Top, linear_from, load_top_files

    got = load_top_files(models_dir_s, "conflict", "conflict model")
    if got is None:
        return None
    meta, state, layers = got
    lin = linear_from(state, "conflict")
    return ConflictModel(Top(layers, lambda pooled: torch.sigmoid(lin(pooled))), meta["sha256"])
