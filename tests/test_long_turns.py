"""Long turns cut at sentence ends so the encoder reads every word (logic only; the analyzer's use of
it runs the real models in test_nlp_analyzer.py)."""

from __future__ import annotations

import pytest

from talkscan.long_turns import PIECE_WORDS, SPLIT_ABOVE_WORDS, piece_sizes, split_long_turns
from talkscan.transcript import Speaker, Transcript, Utterance, Word

SENTENCE = "We looked at the numbers again with the regional team last week."   # 12 words


def words_of(n_sentences: int) -> list[str]:
    return (" ".join([SENTENCE] * n_sentences)).split()


def test_turns_people_write_are_left_whole():
    assert piece_sizes(words_of(7)) == [84]          # the longest training turn has 86 words
    assert piece_sizes([]) == [0]


def test_a_long_turn_is_cut_at_sentence_ends_into_near_equal_pieces():
    sizes = piece_sizes(words_of(20))                # 240 words: 3 x 80 would cut sentences, so 4 x 60
    assert sizes == [60, 60, 60, 60]
    sizes = piece_sizes(words_of(17))                # 204 words
    assert sum(sizes) == 204 and len(sizes) == 3
    assert all(s % 12 == 0 and s <= PIECE_WORDS for s in sizes)
    assert max(sizes) - min(sizes) <= 12


def test_speech_without_punctuation_is_cut_inside():
    sizes = piece_sizes(["word"] * 200)
    assert sum(sizes) == 200 and all(s <= PIECE_WORDS for s in sizes) and len(sizes) == 3


def _transcript(text: str, timed_words: bool) -> Transcript:
    tokens = text.split()
    words = [Word(text=w, start=float(i), end=i + 0.5, speaker="S1") for i, w in enumerate(tokens)] if timed_words else []
    utts = [Utterance(id="u0", turn=0, speaker="S0", text="Short opener.", start=0.0, end=1.0),
            Utterance(id="u1", turn=1, speaker="S1", text=text, start=0.0 if not timed_words else 0.0,
                      end=float(len(tokens)) if not timed_words else len(tokens) - 0.5, words=words),
            Utterance(id="u2", turn=2, speaker="S0", text="Thanks.", start=300.0, end=301.0)]
    return Transcript(source="x.txt", kind="transcript", utterances=utts,
                      speakers=[Speaker(id="S0", name="A"), Speaker(id="S1", name="B")])


@pytest.mark.parametrize("timed_words", [True, False])
def test_pieces_keep_the_turn_and_get_times(timed_words):
    text = " ".join([SENTENCE] * 15)                 # 180 words
    t = split_long_turns(_transcript(text, timed_words))
    assert [u.id for u in t.utterances] == [f"u{i}" for i in range(len(t.utterances))]
    pieces = [u for u in t.utterances if u.turn == 1]
    assert len(pieces) == 3 and " ".join(u.text for u in pieces) == text
    assert all(u.speaker == "S1" and u.text.endswith(".") for u in pieces)
    assert [u.turn for u in t.utterances] == [0, 1, 1, 1, 2]
    # consecutive, non-overlapping, covering the turn
    assert pieces[0].start == 0.0 and all(a.end <= b.start for a, b in zip(pieces, pieces[1:]))
    if timed_words:
        assert [len(u.words) for u in pieces] == [len(u.text.split()) for u in pieces]
        assert pieces[1].start == pieces[1].words[0].start
    else:
        assert pieces[-1].end == pytest.approx(180.0) and pieces[1].start == pytest.approx(len(pieces[0].text.split()))


def test_a_transcript_without_long_turns_is_untouched():
    t = _transcript(" ".join([SENTENCE] * 3), False)
    before = list(t.utterances)
    assert split_long_turns(t).utterances == before and SPLIT_ABOVE_WORDS >= 86
