"""Word n-gram TF-IDF for the ask topic and direction heads: the words that name a topic ("SOW",
"headcount", "go-live") are learned from the labelled asks, not listed by hand. Same numbers as
scikit-learn's TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True), stored as plain JSON."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def ngrams(text: str) -> list[str]:
    toks = _TOKEN.findall(text.lower())
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]


def fit_vocab(texts: list[str], min_df: int = 2) -> dict[str, list[float]]:
    """term -> [column, idf]"""
    from sklearn.feature_extraction.text import TfidfVectorizer

    v = TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, lowercase=True).fit(texts)
    return {t: [int(i), float(v.idf_[i])] for t, i in v.vocabulary_.items()}


def transform(texts: list[str], vocab: dict[str, list[float]]) -> np.ndarray:
    out = np.zeros((len(texts), len(vocab)), dtype=np.float32)
    for r, text in enumerate(texts):
        for term, tf in Counter(ngrams(text)).items():
            hit = vocab.get(term)
            if hit is not None:
                out[r, int(hit[0])] = (1.0 + math.log(tf)) * hit[1]
        norm = float(np.linalg.norm(out[r]))
        if norm > 0:
            out[r] /= norm
    return out
