"""A disk cache of sentence embeddings keyed by text, so retraining and benchmarking never encode
the same sentence twice on a shared 2-core machine. Training and benchmarks only; the analyzer
encodes each transcript in one batch."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from .encoder import ENCODER_NAME, encode

DEFAULT_DIR = Path(os.environ.get("TALKSCAN_EMB_CACHE", "/tmp/talkscan-emb-cache"))


def _key(text: str) -> str:
    return hashlib.sha1(f"{ENCODER_NAME}\0{text}".encode()).hexdigest()


class EmbeddingCache:
    def __init__(self, folder: Path = DEFAULT_DIR):
        self.path = Path(folder) / "embeddings.npz"
        self.vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            with np.load(self.path) as z:
                keys, vecs = z["keys"], z["vectors"]
            self.vectors = {str(k): v for k, v in zip(keys, vecs)}
        self.dirty = False

    def encode(self, texts: list[str], progress=None) -> np.ndarray:
        missing = sorted({t for t in texts if _key(t) not in self.vectors})
        for start in range(0, len(missing), 512):
            chunk = missing[start : start + 512]
            for t, v in zip(chunk, encode(chunk)):
                self.vectors[_key(t)] = v
            self.dirty = True
            if progress:
                progress("encode", start + len(chunk), len(missing))
        if self.dirty:
            self.save()
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        return np.stack([self.vectors[_key(t)] for t in texts]).astype(np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.asarray(list(self.vectors))
        tmp = self.path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vectors=np.stack(list(self.vectors.values())))
        os.replace(tmp, self.path)
        self.dirty = False
