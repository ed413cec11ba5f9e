"""Which earlier utterance, if any, each utterance paraphrases or mirrors. Shared by the analyzer
and the trainer that tunes its thresholds, so both decide the same way."""

from __future__ import annotations

KINDS = ((1, "paraphrase"), (2, "mirroring"))   # column of each kind in the pair head's output


def drop_question_echoes(chosen: dict, texts: list[str]) -> dict:
    """`choose`'s result without the mirrors whose target is a question.

    A mirror repeats someone's words to make them say more; repeating a question's words answers it
    ("Ninety days?" / "Ninety."). In the training meetings 2 of 809 mirroring targets end with a
    question mark, while the pair head, which sees overlap and distance, takes such answers for
    mirrors. The turn gets no restatement at all: picking the runner-up candidate instead would tag
    an answer as a paraphrase of something else."""
    return {i: v for i, v in chosen.items() if not (v[1] == "mirroring" and texts[v[2]].rstrip().endswith("?"))}


def choose(pairs, p_pairs, restate, thresholds: dict, beta: dict, gate: float | None = None) -> dict:
    """{i: (relative score, kind, j, score)} from candidate pairs (i, j), the pair head's
    probabilities (none, paraphrase, mirroring) and each utterance's restate probability.

    A pair's score is `(1 - beta) * pair head + beta * restate`; an utterance takes the candidate
    and kind whose score beats that kind's threshold by the widest margin. Where no candidate
    passes but the utterance-level restate probability reaches `gate`, it is a paraphrase of the
    candidate the pair head ranks highest, if paraphrase is that candidate's likelier kind: the
    utterance model reads the whole turn and knows a restatement in new words, while the pair head,
    which sees overlap and distance, is good at picking the target but shy of far, reworded ones.
    """
    best: dict[int, tuple[float, str, int, float]] = {}
    fallback: dict[int, tuple[float, str, int, float]] = {}
    for (i, j), p in zip(pairs, p_pairs):
        for k, kind in KINDS:
            b = beta.get(kind, 0.0)
            score = float((1.0 - b) * p[k] + b * restate[i])
            rel = score / max(thresholds[kind], 1e-6)
            if score >= thresholds[kind] and rel > best.get(i, (0.0,))[0]:
                best[i] = (rel, kind, j, score)
            if gate is not None and restate[i] >= gate:
                rel_p = float(p[k]) / max(thresholds[kind], 1e-6)
                if rel_p > fallback.get(i, (-1.0,))[0]:
                    fallback[i] = (rel_p, kind, j, float(restate[i]))
    for i, v in fallback.items():
        if i not in best and v[1] == "paraphrase":
            best[i] = v
    return best
