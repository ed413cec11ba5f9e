"""How often a short turn is an ask depends on the meeting. In most meetings a turn of a few words
is an answer or a backchannel ("Fair enough."): 7% of the training meetings' turns of ten words or
fewer are asks, 2% of dev's. In a brisk haggle many of them are ("Fifteen. CFO's orders.", "Sixteen
weeks. Minimum."): 46% in the brisk-style held-out meetings, where the heads, tuned on the first kind,
found two thirds of the asks. So each meeting re-estimates the share of its short turns that are
asks from the heads' own probabilities (expectation-maximisation for a shifted class prior,
Saerens, Latinne and Decaestecker 2002) and moves those turns' ask logits by the shift; a few
pseudo-turns at the usual share keep a meeting with three short turns from swinging.

The constants were chosen on the dev, new and brisk-w23 splits and confirmed on brisk w24–w25
(models/moves.md, "Short turns"); longer turns are left alone.
"""

from __future__ import annotations

import numpy as np

MAX_WORDS = 10     # a "short" turn
PRIOR = 0.15       # the share of asks among short turns the heads' probabilities assume
DAMP = 1.0         # how much of the estimated shift reaches the logits
PSEUDO = 5.0       # pseudo-turns at PRIOR added to each meeting's estimate
ITERATIONS = 30


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _shift_of_logits(z: np.ndarray) -> float:
    base, pi, shift = float(_logit(PRIOR)), PRIOR, 0.0
    for _ in range(ITERATIONS):
        shift = DAMP * (float(_logit(pi)) - base)
        pi = (_sigmoid(z + shift).sum() + PSEUDO * PRIOR) / (z.size + PSEUDO)
    return shift


def meeting_shift(p: np.ndarray) -> float:
    """The logit shift for one meeting's short turns, from their ask probabilities `p`."""
    p = np.asarray(p, dtype=np.float64)
    return _shift_of_logits(_logit(p)) if p.size else 0.0


def adapt(p_ask: np.ndarray, n_words: list[int]) -> np.ndarray:
    """The meeting's ask probabilities with its short turns' moved by the meeting's shift."""
    out = np.asarray(p_ask, dtype=np.float64).copy()
    short = np.asarray(n_words) <= MAX_WORDS
    if short.any():
        z = _logit(out[short])
        out[short] = _sigmoid(z + _shift_of_logits(z))
    return out.astype(np.float32)
