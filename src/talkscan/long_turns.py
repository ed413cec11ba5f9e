"""Long turns cut into utterances the encoder reads whole.

Every model reads at most 128 tokens of an utterance (about 95 words), so an ask at the end of a
two-minute monologue would never be seen. Turns longer than SPLIT_ABOVE_WORDS are cut at sentence
ends into about equal pieces of at most PIECE_WORDS; the pieces keep the turn's `turn` index, as
report-json.md allows. Turns of the length people write in the labelled meetings (the longest
training turn has 86 words) are left whole. On dev meetings whose every third turn was lengthened to
about 110 words by putting untagged training turns before it (benchmarks/turn_shape.py long), ask
F1 on those turns rose from 0.19 to 0.44 (recall 0.34 → 0.96, topic 0.16 → 0.57); precision stayed
low (0.13 → 0.29): turns this long are outside what the heads were trained on.
"""

from __future__ import annotations

import math

from .speaker_edges import ends_sentence
from .transcript import Transcript, Utterance

SPLIT_ABOVE_WORDS = 90
PIECE_WORDS = 80


def piece_sizes(words: list[str]) -> list[int]:
    """How many words go to each piece: cuts after sentence ends, as near equal shares as the
    sentences allow; a sentence longer than PIECE_WORDS (speech recognition without punctuation)
    is cut inside."""
    n = len(words)
    if n <= SPLIT_ABOVE_WORDS:
        return [n]
    ends = [i + 1 for i, w in enumerate(words) if ends_sentence(w)]
    # the fewest pieces that fit; each cut at the sentence end nearest its equal share
    for k in range(math.ceil(n / PIECE_WORDS), n + 1):
        cuts, start = [], 0
        for i in range(1, k):
            goal = i * n / k
            near = [e for e in ends if start < e <= start + PIECE_WORDS]
            cut = min(near, key=lambda e: abs(e - goal)) if near else min(start + PIECE_WORDS, max(start + 1, round(goal)))
            cuts.append(cut)
            start = cut
        if n - start <= PIECE_WORDS:
            return [b - a for a, b in zip([0] + cuts, cuts + [n])]
    return [n]   # not reached: k = n always fits


def split_long_turns(t: Transcript) -> Transcript:
    """The transcript with every long utterance cut into pieces (ids renumbered u0, u1…). Times come
    from the words where the recording has them, else are shared out by word count."""
    out: list[Utterance] = []
    for u in t.utterances:
        tokens = u.text.split()
        sizes = piece_sizes(tokens)
        if len(sizes) == 1:
            out.append(u)
            continue
        k = 0
        for j, size in enumerate(sizes):
            text = " ".join(tokens[k : k + size])
            start = end = None
            words = []
            if len(u.words) == len(tokens):
                words = u.words[k : k + size]
                start, end = words[0].start, words[-1].end
            elif u.start is not None and u.end is not None:
                span = u.end - u.start
                start, end = u.start + span * k / len(tokens), u.start + span * (k + size) / len(tokens)
                last = j == len(sizes) - 1
                words = [w for w in u.words if start <= w.start and (w.start < end or last)]
            out.append(Utterance(id="", turn=u.turn, speaker=u.speaker, text=text, start=start, end=end, words=words))
            k += size
    if len(out) != len(t.utterances):
        for i, u in enumerate(out):
            u.id = f"u{i}"
        t.utterances = out
    return t
