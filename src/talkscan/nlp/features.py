"""Feature vectors the heads read, built once per meeting from one encoder batch and one spaCy pass.

- utterance rows: the utterance embedding, the previous turn's, the mean of the previous three,
  the spaCy features, and how close the utterance is to recent turns of others;
- pair rows (utterance i, candidate j): j runs over the last `window` utterances by *other* speakers
  (never all pairs, so cost is linear in the meeting); embedding product and difference plus lexical
  overlap measures that separate near-verbatim mirrors from paraphrases in new words.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .spacy_components import FEATURE_NAMES, annotate

WINDOW = 6          # candidate targets per utterance: the last K utterances by other speakers
MAX_BACK = 12       # ...within this many turns
DIM = 384

PAIR_SCALARS = (
    "cos", "jaccard", "u_in_t", "t_in_u", "t_tail_in_u", "lcs_frac_u", "lcs_frac_t", "lcs_len", "u_subset_t",
    "len_ratio", "log_len_u", "log_len_t", "log_dist", "rank", "adjacent", "u_question", "u_short",
    "words_in_t", "t_tail_words_in_u",
)
UTT_EXTRA = ("max_cos_other", "max_overlap_other", "same_speaker_prev", "first_turn")


def words_of(doc) -> list[str]:
    return [t.lower_ for t in doc if not (t.is_punct or t.is_space)]


def longest_common_run(a: list[str], b: list[str]) -> int:
    """Length of the longest contiguous word sequence shared by a and b."""
    if not a or not b:
        return 0
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best = cur[j]
        prev = cur
    return best


def pair_scalars(u_doc, t_doc, cos: float, dist: int, rank: int) -> list[float]:
    uw, tw = words_of(u_doc), words_of(t_doc)
    uc, tc = set(u_doc._.content_lemmas), set(t_doc._.content_lemmas)
    t_tail = [lem for lem in t_doc._.content_lemmas][-4:]
    t_tail_words = tw[-4:]
    lcs = longest_common_run(uw, tw)
    inter = len(uc & tc)
    f = {
        "cos": cos,
        "jaccard": inter / max(1, len(uc | tc)),
        "u_in_t": inter / max(1, len(uc)),
        "t_in_u": inter / max(1, len(tc)),
        "t_tail_in_u": sum(1 for x in t_tail if x in uc) / max(1, len(t_tail)),
        "lcs_frac_u": lcs / max(1, len(uw)),
        "lcs_frac_t": lcs / max(1, len(tw)),
        "lcs_len": math.log1p(lcs),
        "u_subset_t": float(bool(uc) and uc <= tc),
        "len_ratio": math.log((len(uw) + 1) / (len(tw) + 1)),
        "log_len_u": math.log1p(len(uw)),
        "log_len_t": math.log1p(len(tw)),
        "log_dist": math.log(dist),
        "rank": float(rank),
        "adjacent": float(dist == 1),
        "u_question": float("?" in u_doc.text),
        "u_short": float(len(uw) <= 6),
        "words_in_t": sum(1 for w in uw if w in set(tw)) / max(1, len(uw)),
        "t_tail_words_in_u": sum(1 for w in t_tail_words if w in set(uw)) / max(1, len(t_tail_words)),
    }
    return [f[k] for k in PAIR_SCALARS]


def candidates(speakers: list[str], i: int, window: int = WINDOW, max_back: int = MAX_BACK) -> list[int]:
    """Earlier utterances by other speakers that utterance i may restate, most recent first."""
    out = []
    j = i - 1
    while j >= 0 and i - j <= max_back and len(out) < window:
        if speakers[j] != speakers[i]:
            out.append(j)
        j -= 1
    return out


@dataclass
class MeetingFeatures:
    docs: list
    emb: np.ndarray
    utt_x: np.ndarray
    pairs: list[tuple[int, int]] = field(default_factory=list)
    pair_x: np.ndarray | None = None
    spacy_x: np.ndarray | None = None


def utterance_dim() -> int:
    return 3 * DIM + len(FEATURE_NAMES) + len(UTT_EXTRA)


def pair_dim() -> int:
    return 2 * DIM + len(PAIR_SCALARS) + len(FEATURE_NAMES)


def meeting_features(speakers: list[str], texts: list[str], emb: np.ndarray, docs: list | None = None,
                     window: int = WINDOW) -> MeetingFeatures:
    """All head inputs of one meeting; `emb` is the encoder output for `texts` (one batch)."""
    n = len(texts)
    docs = docs if docs is not None else annotate(texts)
    sp = np.asarray([d._.features for d in docs], dtype=np.float32).reshape(n, len(FEATURE_NAMES))
    emb = np.asarray(emb, dtype=np.float32).reshape(n, DIM)
    zeros = np.zeros(DIM, dtype=np.float32)
    utt = np.zeros((n, utterance_dim()), dtype=np.float32)
    pairs: list[tuple[int, int]] = []
    pair_rows: list[np.ndarray] = []
    for i in range(n):
        prev = emb[i - 1] if i > 0 else zeros
        ctx = emb[max(0, i - 3):i].mean(0) if i > 0 else zeros
        cands = candidates(speakers, i, window)
        max_cos = 0.0
        max_ov = 0.0
        uc = set(docs[i]._.content_lemmas)
        for rank, j in enumerate(cands):
            cos = float(emb[i] @ emb[j])
            sc = pair_scalars(docs[i], docs[j], cos, i - j, rank)
            max_cos = max(max_cos, cos)
            max_ov = max(max_ov, len(uc & set(docs[j]._.content_lemmas)) / max(1, len(uc)))
            pairs.append((i, j))
            pair_rows.append(np.concatenate([emb[i] * emb[j], np.abs(emb[i] - emb[j]),
                                             np.asarray(sc, dtype=np.float32), sp[i]]))
        extra = [max_cos, max_ov, float(i > 0 and speakers[i - 1] == speakers[i]), float(i == 0)]
        utt[i] = np.concatenate([emb[i], prev, ctx, sp[i], np.asarray(extra, dtype=np.float32)])
    pair_x = np.stack(pair_rows).astype(np.float32) if pair_rows else np.zeros((0, pair_dim()), dtype=np.float32)
    return MeetingFeatures(docs=docs, emb=emb, utt_x=utt, pairs=pairs, pair_x=pair_x, spacy_x=sp)
