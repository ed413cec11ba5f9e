"""Feature vectors the heads read, built once per meeting from one encoder batch and one spaCy pass.

- utterance rows: the utterance embedding, the previous turn's, the mean of the previous three,
  the spaCy features, and how close the utterance is to recent turns of others;
- pair rows (utterance i, candidate j): j runs over the last WINDOW utterances by *other* speakers
  (never all pairs, so cost is linear in the meeting); cosine, lexical overlap measures that separate
  near-verbatim mirrors from paraphrases in new words, distance, and the utterance's spaCy features.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from . import number_words
from .labeling import call_name
from .spacy_components import FEATURE_NAMES, annotate

# Paraphrases often sum up a point made minutes earlier (in the project's dialogues 30% of targets
# lie beyond the last 6 turns of others). The shipped heads were trained on pairs within the last 12
# turns of others within 30 turns (90% of paraphrase targets), and the utterance features' "how close
# to recent turns" looks that far; the analyzer searches for targets further back (98%), still linear.
WINDOW = 12         # candidate targets per utterance in training: the last K utterances by other speakers
MAX_BACK = 30       # ...within this many turns
SEARCH = (20, 45)   # (window, max_back) of the analyzer's target search
MAX_WORDS = 80      # lexical overlap looks at most at this many words per side
DIM = 384

PAIR_SCALARS = (
    "cos", "jaccard", "u_in_t", "t_in_u", "t_tail_in_u", "lcs_frac_u", "lcs_frac_t", "lcs_len", "u_subset_t",
    "len_ratio", "log_len_u", "log_len_t", "log_dist", "rank", "adjacent", "u_question", "u_short",
    "words_in_t", "t_tail_words_in_u", "names_target_speaker", "target_latest_of_speaker",
)
UTT_EXTRA = ("max_cos_other", "max_overlap_other", "same_speaker_prev", "first_turn")


def words_of(doc) -> list[str]:
    return [t.lower_ for t in doc if not (t.is_punct or t.is_space)]


def longest_common_run(a: list[str], b: list[str]) -> int:
    """Length of the longest contiguous word sequence shared by a and b."""
    if not a or not b:
        return 0
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size


def pair_scalars(u_doc, t_doc, cos: float, dist: int, rank: int, names_target: bool = False,
                 latest: bool = True) -> list[float]:
    uw, tw = words_of(u_doc)[:MAX_WORDS], words_of(t_doc)[-MAX_WORDS:]
    uc, tc = set(u_doc._.content_lemmas), set(t_doc._.content_lemmas)
    t_tail = [lem for lem in t_doc._.content_lemmas][-4:]
    if number_words.mixed(uw, tw):   # "Twelve weeks?" after "We need 12 weeks": the same figure
        uw, tw = number_words.canonical(uw), number_words.canonical(tw)
        uc, tc = number_words.with_figures(uc, uw), number_words.with_figures(tc, tw)
        t_tail = number_words.canonical(t_tail)
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
        "names_target_speaker": float(names_target),
        "target_latest_of_speaker": float(latest),
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
    return len(PAIR_SCALARS) + len(FEATURE_NAMES)


def _first_names(names: dict[str, str] | None, speakers: list[str]) -> dict[str, str]:
    names = names or {s: s for s in speakers}
    return {sid: call_name(name or sid) for sid, name in names.items()}


def meeting_features(speakers: list[str], texts: list[str], emb: np.ndarray, docs: list | None = None,
                     names: dict[str, str] | None = None,
                     search: tuple[int, int] | None = None) -> MeetingFeatures:
    """All head inputs of one meeting; `emb` is the encoder output for `texts` (one batch);
    `names` maps speaker ids to names (a paraphrase often addresses its source by name). Pair rows
    run over `search` (window, max_back), by default the training window; the utterance rows look
    at the training window whatever `search` is, so the heads read the inputs they were fitted on."""
    n = len(texts)
    first = _first_names(names, speakers)
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
        cands = candidates(speakers, i, *(search or (WINDOW, MAX_BACK)))
        max_cos = 0.0
        max_ov = 0.0
        uc = set(docs[i]._.content_lemmas)
        lows = {t.lower_ for t in docs[i]}
        seen: set[str] = set()
        for rank, j in enumerate(cands):
            cos = float(emb[i] @ emb[j])
            sc = pair_scalars(docs[i], docs[j], cos, i - j, rank, first.get(speakers[j], "") in lows,
                              speakers[j] not in seen)
            seen.add(speakers[j])
            if rank < WINDOW and i - j <= MAX_BACK:
                max_cos = max(max_cos, cos)
                max_ov = max(max_ov, len(uc & set(docs[j]._.content_lemmas)) / max(1, len(uc)))
            pairs.append((i, j))
            # Lexical and geometric scalars only: with the embeddings' product and difference added
            # the pair head overfit the few hundred restatements (dev paraphrase F1 0.46 vs 0.60).
            pair_rows.append(np.concatenate([np.asarray(sc, dtype=np.float32), sp[i]]))
        extra = [max_cos, max_ov, float(i > 0 and speakers[i - 1] == speakers[i]), float(i == 0)]
        utt[i] = np.concatenate([emb[i], prev, ctx, sp[i], np.asarray(extra, dtype=np.float32)])
    pair_x = np.stack(pair_rows).astype(np.float32) if pair_rows else np.zeros((0, pair_dim()), dtype=np.float32)
    return MeetingFeatures(docs=docs, emb=emb, utt_x=utt, pairs=pairs, pair_x=pair_x, spacy_x=sp)


ASK_FRAMES = {"ask_need", "ask_obligation", "ask_limit", "ask_request", "ask_like", "ask_bound"}
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")   # also restatements' first sentence


def ask_span(text: str) -> str:
    """The sentences of a turn that carry an ask frame: a turn often sets the scene before the ask
    ("Students have complained for two years. I need halal options"), and the topic is the ask's."""
    sents = [x for x in SENTENCE_END.split(text) if x.strip()]
    if len(sents) < 2:
        return text
    keep = [x for x, d in zip(sents, annotate(sents)) if any(lab in ASK_FRAMES for lab, _ in d._.ask_frames)]
    return " ".join(keep) if keep else text


def ask_inputs(texts: list[str], emb: np.ndarray, vocab: dict, encode_fn) -> np.ndarray:
    """Rows of the topic and direction heads: word n-gram TF-IDF, plus the turn's embedding added
    to its ask sentences' embedding."""
    from .bow import transform

    spans = [ask_span(t) for t in texts]
    todo = sorted({s for s, t in zip(spans, texts) if s != t})
    got = dict(zip(todo, encode_fn(todo))) if todo else {}
    span_emb = np.stack([got[s] if s != t else e for s, t, e in zip(spans, texts, emb)]) if texts else emb
    return np.concatenate([transform(texts, vocab), np.asarray(emb) + span_emb], axis=1).astype(np.float32)
