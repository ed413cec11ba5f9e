"""Reported speech: a demand or a feeling quoted from someone outside the room is not the speaker's
ask or label (nlp/quotes.py)."""

from __future__ import annotations

import pytest

from talkscan.nlp.quotes import ask_only_quoted, feelings_only_quoted, reported_spans
from talkscan.nlp.spacy_components import annotate


def quoted(text: str) -> list[str]:
    return [text[a:b] for a, b in reported_spans(text)]


@pytest.mark.parametrize("text,expected", [
    ("The vendor said, and I quote, 'we need ninety days'.", ["'we need ninety days'"]),
    ('Their CFO told me "we need it under four hundred". That was last week.', ['"we need it under four hundred"']),
    ("“We cannot take on a Q4 migration”, that is what the vendor told us.", ["“We cannot take on a Q4 migration”"]),
    # spoken, as Whisper writes it: no marks, "quote … end quote" or to the sentence's end
    ("Their email says, quote, we need ninety days minimum, end quote. So that's that.",
     ["we need ninety days minimum, end quote"]),
    ("Quoting their CFO: we need it under four hundred.", ["we need it under four hundred"]),
    # not reported: scare quotes, the speaker or the listener quoted, a price quote
    ('And guaranteed allocation in the contract, not "subject to availability".', []),
    ("I said 'no discounts above ten percent' and I meant it.", []),
    ("You said 'twelve weeks', so twelve weeks it is.", []),
    ("The renewal quote came in at five ten and I need it at four fifty.", []),
    ("I need the quote, by Friday.", []),
    ("We don't need Tom's 'perfect' plan, we need one that ships.", []),
])
def test_reported_quotations(text, expected):
    assert quoted(text) == expected


def test_an_ask_is_dropped_only_when_all_its_frames_are_quoted():
    docs = annotate(["The vendor wrote \"we need the PO by Friday\". Just so everyone knows.",
                     "The client said: \"we need signature by the twentieth.\" So we need to hit that date.",
                     "Still forty.", "Procurement needs the price under 400k."])
    assert [ask_only_quoted(d) for d in docs] == [True, False, False, False]


def test_a_label_is_dropped_only_when_its_feeling_is_quoted():
    docs = annotate(['My old boss used to say "you seem frustrated, take a break".',
                     'The vendor said "no extension". You seem frustrated, Tom.'])
    assert [feelings_only_quoted(d) for d in docs] == [True, False]


@pytest.mark.parametrize("text,expected", [
    ('From this you would say, "well, it does not matter".', []),
    ('I would always say "no discounts".', []),
    ('The engineer literally said "good luck with that".', ['"good luck with that"']),
])
def test_who_is_quoted_looks_past_modals_and_adverbs(text, expected):
    assert quoted(text) == expected
