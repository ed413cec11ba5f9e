"""Others' asks and feelings, reported: quoted from someone outside the room, passed on "by the way",
or summed up, they are not the speaker's ask or label (nlp/reported.py)."""

from __future__ import annotations

import pytest

from talkscan.nlp.reported import (ask_only_quoted, feelings_only_quoted, passed_on_for_information,
                                    recaps_named_others, reported_spans, sums_up_others)
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


@pytest.mark.parametrize("text,summary", [
    ("So actuarial wants three, underwriting wants seventy-five, and finance wants fourteen.", True),
    ("Okay, so QA wants four months, finance wants nine hundred, and IT wants a sysadmin.", True),
    ("so ops wants week forty-four and engineering wants six weeks", True),                  # ASR casing
    ("So sales wants May, IT wants June, and I need the budget signed first.", False),      # and asks
    ("Sales needs it in January, and finance wants the tooling paid upfront.", False),       # no "So"
    ("So IT wants June.", False),                                                            # one party
])
def test_a_so_recap_of_others_wants_makes_no_ask_of_its_own(text, summary):
    assert sums_up_others(text) is summary


@pytest.mark.parametrize("text,passed_on", [
    ("The vendor wants the PO by Friday, by the way.", True),                  # FORMAT.md's example
    ("The venue wants our insurance certificate by Monday, fyi.", False),      # "our": speaks for the room
    ("The venue wants the insurance certificate by Monday, fyi.", True),
    ("Nordrone want a signed purchase order by the fifth to hold the crew, for what it's worth.", True),
    ("Training's six weeks on its own, by the way. I need all six.", False),   # and asks
    ("For the record, finance won't go a penny over five seventy-five.", False),   # a department of the room
    ("By the way, IT needs twelve weeks.", False),
    ("The vendor wants the PO by Friday.", False),                             # no sign it is only passed on
])
def test_a_demand_passed_on_for_information(text, passed_on):
    assert passed_on_for_information(text) is passed_on


ROOM = ["dana", "raj", "lena"]   # the call names of the speaker's colleagues in the meeting


@pytest.mark.parametrize("text,recap", [
    ("Okay, let me pull this together. Dana, you need it under two hundred. Raj needs twelve weeks.", True),
    ("Dana wants the price down, Raj wants more time, and Lena wants the date held.", True),
    ("just so the notes are right raj needs twelve weeks and lena can't move march", True),   # ASR casing
    ("Dana needs it under two hundred and Raj needs twelve weeks. I need a decision today.", False),
    ("So to recap: Dana wants the price down, Raj wants time, and I need the board to approve it.", False),
    ("Dana, you need to send the SOW by Friday. Raj, you need to confirm the date.", False),  # orders
    ("Raj needs twelve weeks. That's the minimum for the integration.", False),               # one person
    ("Sales wants May and IT wants June.", False),           # departments: sums_up_others' business
])
def test_a_recap_that_names_colleagues_wants_is_not_an_ask(text, recap):
    assert recaps_named_others(annotate([text])[0], ROOM) is recap


def test_a_recap_needs_the_names_of_the_people_in_the_room():
    doc = annotate(["Dana wants the price down and Raj wants more time."])[0]
    assert recaps_named_others(doc, ["omar", "priya"]) is False
    assert recaps_named_others(doc, ["dana"]) is False
