"""Speaker changes moved to sentence edges (talkscan.speaker_edges): logic on hand-made words."""

from __future__ import annotations

from talkscan.speaker_edges import clause_spans, snap_to_sentences
from talkscan.transcript import Word


def words(*runs: tuple[str, str], gap: float = 0.0) -> list[Word]:
    """Words of (speaker, text) runs, 0.3 s each, `gap` s between runs."""
    out, t = [], 0.0
    for speaker, text in runs:
        for w in text.split():
            out.append(Word(w, round(t, 3), round(t + 0.3, 3), speaker=speaker))
            t += 0.3
        t += gap
    return out


def speakers(ws: list[Word]) -> list[str]:
    return [f"{w.text}:{w.speaker}" for w in ws]


def test_the_end_of_a_sentence_goes_back_to_its_speaker():
    ws = words(("A", "Compliance takes three"), ("B", "weeks. Can we start Monday?"))
    got = snap_to_sentences(ws)
    assert [w.speaker for w in got] == ["A"] * 4 + ["B"] * 4
    assert [w.speaker for w in ws] == ["A"] * 3 + ["B"] * 5  # pure


def test_the_start_of_a_sentence_goes_forward_to_its_speaker():
    ws = words(("A", "Nothing starts until HR signs off. Look,"), ("B", "we both want this by June."))
    got = snap_to_sentences(ws)
    assert speakers(got)[6] == "Look,:B"
    assert {w.speaker for w in got[:6]} == {"A"}


def test_a_whole_short_turn_that_finishes_the_sentence_moves():
    ws = words(("A", "Yes, of"), ("B", "course."), ("A", "Fine then."))
    assert [w.speaker for w in snap_to_sentences(ws)] == ["A"] * 5


def test_real_turns_stay():
    # the previous speaker finished the sentence: a short reply is a turn of its own
    mirror = words(("A", "We need twelve weeks."), ("B", "Twelve weeks?"), ("A", "At least."))
    assert snap_to_sentences(mirror) == mirror
    # capitalised: a new sentence, even without the previous one's full stop
    cut_off = words(("A", "I was going to say the"), ("B", "Sorry. The price first."))
    assert snap_to_sentences(cut_off) == cut_off
    # a piece longer than two words is more likely a turn than a timing error
    longer = words(("A", "It takes three"), ("B", "more long weeks. Can we start?"))
    assert snap_to_sentences(longer) == longer
    # a pause marks a real turn change
    paused = words(("A", "Compliance takes three"), ("B", "weeks. Can we start Monday?"), gap=0.8)
    assert snap_to_sentences(paused) == paused


def test_a_reply_continuing_in_lower_case_takes_no_words_without_a_sentence_end():
    # "12 weeks," | "at least, moving…": no sentence end on either side within two words
    ws = words(("A", "12 weeks,"), ("B", "at least, moving the records takes a month."))
    assert snap_to_sentences(ws) == ws


def test_the_shorter_piece_wins_when_both_sides_could_move():
    ws = words(("A", "Signed. So"), ("B", "yes. Good."))
    got = snap_to_sentences(ws)
    # head piece "yes." (1 word) against tail piece "So" (1 word): the head wins the tie
    assert speakers(got) == ["Signed.:A", "So:A", "yes.:A", "Good.:B"]


def test_empty_and_single_speaker():
    assert snap_to_sentences([]) == []
    one = words(("A", "just one speaker here"))
    assert snap_to_sentences(one) == one


def test_clause_spans_end_at_whisper_sentence_ends_and_commas():
    ws = words(("A", "So twelve weeks?"), ("B", "Yes, of course. That works"))
    assert clause_spans(ws) == [(0.0, 0.9), (0.9, 1.2), (1.2, 1.8), (1.8, 2.4)]  # the last one unfinished
    assert clause_spans(words(("A", "Twelve weeks,"), ("B", 'at least, "moving" all'))) == [(0.0, 0.6), (0.6, 1.2), (1.2, 1.8)]
    assert clause_spans([]) == []
