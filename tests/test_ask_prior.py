"""The per-meeting ask prior for short turns (nlp/ask_prior.py): the logic on made-up probabilities,
then the real encoder and heads on a brisk haggle and on a meeting of long turns."""

from __future__ import annotations

import os

import numpy as np
import pytest

from talkscan.nlp import ask_prior

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def test_a_meeting_of_likely_short_asks_moves_its_short_turns_up():
    p = np.asarray([0.6, 0.5, 0.7, 0.65, 0.4, 0.55, 0.9])
    out = ask_prior.adapt(p, [3, 4, 2, 5, 3, 4, 30])
    assert ask_prior.meeting_shift(p[:6]) > 1.0
    assert np.all(out[:6] > p[:6])
    assert out[6] == pytest.approx(0.9)   # a long turn is left alone


def test_a_meeting_of_unlikely_short_turns_moves_them_down():
    p = np.asarray([0.02, 0.05, 0.01, 0.1, 0.03, 0.04, 0.02, 0.6])
    out = ask_prior.adapt(p, [2, 3, 1, 4, 2, 3, 2, 5])
    assert ask_prior.meeting_shift(p) < 0
    assert np.all(out < p)


def test_few_short_turns_barely_move():
    # one confident short ask in a meeting of long turns: the pseudo-turns hold the shift small
    few = ask_prior.meeting_shift(np.asarray([0.7]))
    many = ask_prior.meeting_shift(np.full(20, 0.7))
    assert 0 < few < many / 2


def test_no_turns_no_shift():
    assert ask_prior.meeting_shift(np.zeros(0)) == 0.0
    assert ask_prior.adapt(np.zeros(0), []).shape == (0,)


# Real models -----------------------------------------------------------------------------------

HAGGLE = [
    ("Nadia", "Procurement wants the support contract at twelve a seat."),
    ("Omar", "Twelve? The vendor quoted nineteen."),
    ("Nadia", "Twelve. That's the budget."),
    ("Omar", "Support needs sixteen at least."),
    ("Nadia", "Fourteen, then. Final."),
    ("Omar", "Sixteen. Or no weekend cover."),
    ("Nadia", "Start date?"),
    ("Omar", "March. Not before."),
    ("Nadia", "February. The old contract ends."),
    ("Omar", "Then March first, latest."),
]

LONG = [
    ("Lena", "The renewal is the main item today. The vendor has asked for an eight percent uplift and I "
             "need us to hold it flat, because the budget for next year was set in September."),
    ("Marco", "Okay."),
    ("Jonas", "From IT, I need the migration window moved to January. The team is on the data centre "
              "move until Christmas and I can't spare anyone before then."),
    ("Marco", "Sure, go on."),
    ("Lena", "Fair enough."),
    ("Jonas", "Sounds good to me."),
]


@pytest.fixture(scope="module")
def analyzer():
    pytest.importorskip("transformers")
    from talkscan.nlp.analyzer import Analyzer, default_models_dir

    if not (default_models_dir() / "moves.safetensors").is_file():
        pytest.skip("no trained heads in models/")
    return Analyzer()


def _asks(analyzer, lines):
    speakers, texts = zip(*lines)
    res = analyzer.analyze(list(speakers), list(texts))
    return {a.index for a in res.asks}


@pytest.mark.slow
def test_short_positions_in_a_haggle_are_asks(analyzer, monkeypatch):
    with_prior = _asks(analyzer, HAGGLE)
    monkeypatch.setattr(ask_prior, "DAMP", 0.0)
    without = _asks(analyzer, HAGGLE)
    # the counter-positions said in a few words ("Sixteen. Or no weekend cover.", "March. Not before.")
    positions = {2, 4, 5, 7, 8, 9}
    assert len(with_prior & positions) >= 3 > len(without & positions)
    assert with_prior > without
    assert 6 not in with_prior   # a question about the date asks for nothing


@pytest.mark.slow
def test_short_answers_in_a_meeting_of_long_turns_stay_no_asks(analyzer):
    got = _asks(analyzer, LONG)
    assert {0, 2} <= got
    assert not got & {1, 3, 4, 5}
