"""Per-speaker statistics: talk time and share, turns, words, pace, questions, monologues, overlaps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .nlp.nonspeech import spoken_text
from .transcript import MOVES, Transcript

# A question mark that ends a sentence: "Twelve weeks? The launch is fixed." asks one question
# though the utterance ends with a full stop; "Really??" asks one.
_QUESTION = re.compile(r"\?+(?=[\s\"')\]\u2019\u201d]|$)")


def count_questions(text: str) -> int:
    return len(_QUESTION.findall(text))


@dataclass
class SpeakerStats:
    id: str
    name: str | None
    talk_time_s: float | None  # None when the transcript has no times
    share: float  # of talk time, or of words when there are no times
    turns: int
    words: int
    words_per_minute: float | None
    questions: int
    longest_monologue_s: float | None
    longest_monologue_words: int
    interruptions: int | None  # turns started while another speaker was still talking (None: no times)
    overlap_s: float | None
    moves: dict[str, int] = field(default_factory=dict)


def time_overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def speaker_stats(t: Transcript) -> list[SpeakerStats]:
    timed = t.has_times
    # A "turn" is a run of consecutive utterances by one speaker (the analyzer may split one turn).
    runs: list[tuple[str, list]] = []
    for u in t.utterances:
        if runs and runs[-1][0] == u.speaker:
            runs[-1][1].append(u)
        else:
            runs.append((u.speaker, [u]))

    out: list[SpeakerStats] = []
    total_time = sum(u.duration or 0.0 for u in t.utterances)
    # spoken words, counted once per utterance: a transcriber's "[inaudible 00:12:31]" is none
    n_words = {id(u): len(spoken_text(u.text).split()) for u in t.utterances}
    total_words = sum(n_words.values())
    for s in t.speakers:
        mine = [u for u in t.utterances if u.speaker == s.id]
        my_runs = [r for sp, r in runs if sp == s.id]
        words = sum(n_words[id(u)] for u in mine)
        talk = sum(u.duration or 0.0 for u in mine) if timed else None
        if timed:
            share = talk / total_time if total_time else 0.0
        else:
            share = words / total_words if total_words else 0.0
        mono_s = None
        if timed and my_runs:
            mono_s = max((r[-1].end or 0) - (r[0].start or 0) for r in my_runs)
        mono_w = max((sum(n_words[id(u)] for u in r) for r in my_runs), default=0)
        interruptions = 0
        overlap = 0.0
        if timed:
            for i, u in enumerate(t.utterances):
                if u.speaker != s.id or u.start is None:
                    continue
                # utterances are in time order: only near neighbours can overlap
                for v in t.utterances[max(0, i - 8) : i + 8]:
                    if v.speaker == s.id or v.start is None:
                        continue
                    ov = time_overlap(u.start, u.end, v.start, v.end)
                    overlap += ov
                    if ov > 0 and v.start < u.start < v.end:
                        interruptions += 1
        moves = {m: 0 for m in MOVES}
        for u in mine:
            for tag in u.tags:
                if tag.type in moves:
                    moves[tag.type] += 1
        out.append(
            SpeakerStats(
                id=s.id,
                name=s.name,
                talk_time_s=round(talk, 2) if talk is not None else None,
                share=round(share, 4),
                turns=len(my_runs),
                words=words,
                words_per_minute=round(words / (talk / 60.0), 1) if talk else None,
                questions=sum(count_questions(u.text) for u in mine),
                longest_monologue_s=round(mono_s, 2) if mono_s is not None else None,
                longest_monologue_words=mono_w,
                # without times nobody can be seen to interrupt: unknown, not zero
                interruptions=interruptions if timed else None,
                overlap_s=round(overlap, 2) if timed else None,
                moves=moves,
            )
        )
    return out
