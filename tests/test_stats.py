"""Per-speaker statistics from hand-made transcripts with known answers."""

from __future__ import annotations

import pytest

from talkscan.stats import speaker_stats
from talkscan.transcript import Speaker, Tag, Transcript, Utterance


def timed() -> Transcript:
    u = [
        Utterance("u0", 0, "S0", "We need the price under four twenty.", 0.0, 6.0),
        Utterance("u1", 1, "S1", "Under four twenty?", 5.0, 7.0),  # starts while S0 still talks: 1 s overlap
        Utterance("u2", 2, "S0", "Yes. It is firm. Can you live with that?", 7.5, 12.0),
        Utterance("u3", 2, "S0", "Because the board will not move.", 12.0, 15.0),  # same turn, split utterance
        Utterance("u4", 3, "S1", "I can try.", 16.0, 17.0, tags=[Tag("mirroring", target="u0")]),
    ]
    return Transcript("t", "recording", [Speaker("S0", "Maya"), Speaker("S1", "Greg")], u, duration_s=17.0)


def test_timed_stats():
    s0, s1 = speaker_stats(timed())
    assert s0.talk_time_s == pytest.approx(6 + 4.5 + 3) and s1.talk_time_s == pytest.approx(3.0)
    assert s0.share == pytest.approx(13.5 / 16.5, abs=1e-3)
    assert (s0.turns, s1.turns) == (2, 2)
    assert s0.words == 7 + 9 + 6 and s1.words == 6
    assert s0.words_per_minute == pytest.approx(22 / (13.5 / 60), abs=0.1)
    assert (s0.questions, s1.questions) == (1, 1)
    assert s0.longest_monologue_s == pytest.approx(7.5) and s0.longest_monologue_words == 15
    assert s1.interruptions == 1 and s0.interruptions == 0
    assert s1.overlap_s == pytest.approx(1.0) and s0.overlap_s == pytest.approx(1.0)
    assert s1.moves["mirroring"] == 1 and s0.moves["mirroring"] == 0


def test_untimed_stats_use_word_share():
    t = timed()
    for u in t.utterances:
        u.start = u.end = None
    s0, s1 = speaker_stats(t)
    assert s0.talk_time_s is None and s0.words_per_minute is None and s0.longest_monologue_s is None
    assert s0.share == pytest.approx(22 / 28, abs=1e-3)
    assert s0.interruptions is None and s0.overlap_s is None   # unknown without times, not zero


@pytest.mark.parametrize("text, n", [
    ("Twelve weeks? The launch is fixed for June.", 1),   # the question is not the last sentence
    ("What? Really? Fine.", 2),
    ("Four hundred?? No.", 1),
    ("Fine (for now?) but not later.", 1),
    ("We need the price under four twenty.", 0),
    ("Is the rate 4.5?", 1),
])
def test_questions_are_counted_per_sentence(text, n):
    t = Transcript("t", "transcript", [Speaker("S0")], [Utterance("u0", 0, "S0", text)])
    assert speaker_stats(t)[0].questions == n


def test_sound_marks_are_not_words():
    t = Transcript("t", "transcript", [Speaker("S0")], [
        Utterance("u0", 0, "S0", "[crosstalk] We need June. [inaudible 00:12:31] (laughs)"),
        Utterance("u1", 1, "S0", "[inaudible]")])
    (s,) = speaker_stats(t)
    assert s.words == 3 and s.longest_monologue_words == 3
