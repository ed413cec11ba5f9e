"""restatements.choose: which earlier turn an utterance paraphrases or mirrors (logic only; the
real heads are exercised in test_nlp_analyzer.py and test_policy.py)."""

from __future__ import annotations

import numpy as np
import pytest

from talkscan.nlp.restatements import (apply_rules, asks_something_new, asks_what_is_missing, choose, is_recap,
                                       only_acknowledges, says_new_figure)

TH = {"paraphrase": 0.4, "mirroring": 0.5}


def _p(para, mirror):
    return np.array([1.0 - para - mirror, para, mirror])


def test_the_widest_margin_over_its_kind_threshold_wins():
    pairs = [(3, 0), (3, 1), (3, 2)]
    probs = [_p(0.45, 0.0), _p(0.1, 0.7), _p(0.2, 0.1)]
    got = choose(pairs, probs, {3: 0.0}, TH, {})
    # 0.7 / 0.5 = 1.4 beats 0.45 / 0.4 = 1.125
    assert got == {3: (got[3][0], "mirroring", 1, got[3][3])}
    assert abs(got[3][3] - 0.7) < 1e-6


def test_nothing_below_the_thresholds_without_a_gate():
    pairs = [(2, 0), (2, 1)]
    probs = [_p(0.3, 0.0), _p(0.1, 0.2)]
    assert choose(pairs, probs, {2: 0.99}, TH, {}) == {}


def test_restate_weight_lifts_a_pair_over_its_threshold():
    pairs = [(2, 0)]
    probs = [_p(0.3, 0.0)]
    assert choose(pairs, probs, {2: 0.9}, TH, {"paraphrase": 0.5})[2][1:3] == ("paraphrase", 0)
    assert choose(pairs, probs, {2: 0.2}, TH, {"paraphrase": 0.5}) == {}


def test_gate_makes_a_confident_restatement_a_paraphrase_of_the_likeliest_target():
    pairs = [(5, 1), (5, 3), (6, 4)]
    probs = [_p(0.05, 0.01), _p(0.2, 0.02), _p(0.02, 0.3)]
    restate = {5: 0.95, 6: 0.95}
    got = choose(pairs, probs, restate, TH, {}, gate=0.8)
    assert got[5][1:3] == ("paraphrase", 3)
    # the gate never invents a mirror: 6's likeliest kind is mirroring, below its threshold
    assert 6 not in got
    # below the gate nothing changes
    assert choose(pairs, probs, {5: 0.7, 6: 0.7}, TH, {}, gate=0.8) == {}


def test_a_pair_that_passes_is_kept_over_the_gate_fallback():
    pairs = [(4, 0), (4, 2)]
    probs = [_p(0.1, 0.6), _p(0.3, 0.0)]
    got = choose(pairs, probs, {4: 0.99}, TH, {}, gate=0.5)
    assert got[4][1:3] == ("mirroring", 0)


def test_an_echo_of_a_question_is_an_answer_not_a_mirror():
    texts = ["We need ninety days.", "Ninety days?", "Ninety.", "So three months, not two?", "Three months, as I said."]
    chosen = {1: (2.0, "mirroring", 0, 0.9), 2: (1.1, "mirroring", 1, 0.55),
              3: (1.3, "paraphrase", 0, 0.6), 4: (1.2, "paraphrase", 3, 0.5)}
    got = apply_rules(chosen, texts)
    # the mirror of a statement stays; the echo of the question goes, with no runner-up in its place;
    # a reworded restatement of a question can still be a paraphrase
    assert got == {1: chosen[1], 3: chosen[3], 4: chosen[4]}


@pytest.mark.parametrize("text,recap", [
    ("So sales wants May, IT wants June and legal wants its review.", True),
    ("so ops wants week forty-four, engineering wants six weeks after delivery", True),   # ASR casing
    ("Tunde needs fourteen weeks, Rafael needs his pen test.", True),
    ("So procurement wants two quotes and H&S wants its checker.", True),
    ("So you need the price under four twenty before finance signs.", False),           # one party
    ("So IT wants June. Nobody wants a second freeze.", False),                         # "nobody" is no party
    ("We all want the cranes moving. Everyone wants Tuesday done.", False),
    ("It needs ten weeks and that needs a second team.", False),
])
def test_recap_names_two_parties_wants(text, recap):
    assert is_recap(text) is recap


def test_only_a_recap_loses_its_paraphrase():
    texts = ["Sales needs May.", "IT wants June.", "So sales wants May and IT wants June.", "So IT needs June, then."]
    chosen = {2: (1.5, "paraphrase", 1, 0.7), 3: (1.4, "paraphrase", 1, 0.6)}
    assert apply_rules(chosen, texts) == {3: chosen[3]}


@pytest.mark.parametrize("text,target,new", [
    ("Ten point three.", "I'll go back with ten point five.", True),
    ("Twelve weeks? That's the whole summer.", "Two weeks a chamber, six chambers.", True),
    ("Ninety days?", "We need ninety days.", False),
    ("Overstretched?", "My team is overstretched.", False),
    ("Fifteen minutes? On P1 only?", "Fifteen minutes on P1, and thirty on P2.", False),
    ("Thirty minutes on P1?", "Fifteen minutes on P1.", True),            # "p1" is a name, not a figure
    ("90 days? For a pilot? Ten would do.", "We need 90 days.", False),     # only the first sentence counts
    ("$95,000?", "It comes to $90,000.", True),
    ("Ninety?", "We need 90 days.", False),                                 # words against digits: not compared
    ("90 days?", "We need ninety days.", False),
])
def test_a_figure_the_target_never_said(text, target, new):
    assert says_new_figure(text, target) is new


def test_only_mirrors_lose_a_new_figure():
    texts = ["Fifteen minutes on P1.", "Thirty minutes?", "Fifteen minutes?", "So twice the fifteen you asked for."]
    chosen = {1: (1.5, "mirroring", 0, 0.8), 2: (1.6, "mirroring", 0, 0.9), 3: (1.2, "paraphrase", 0, 0.6)}
    assert apply_rules(chosen, texts) == {2: chosen[2], 3: chosen[3]}


def test_nobody_restates_an_acknowledgement():
    texts = ["We need the records moved before go-live.", "'Kay.", "So, see you in half an hour.", "Yes. Yes.",
             "So the records go first."]
    chosen = {2: (1.1, "paraphrase", 1, 0.6), 3: (1.2, "mirroring", 1, 0.6), 4: (1.3, "paraphrase", 0, 0.7)}
    assert apply_rules(chosen, texts) == {4: chosen[4]}


@pytest.mark.slow
@pytest.mark.parametrize("gate", [{"paraphrase": 0.6, "mirroring": 0.7}, "0.6"])
def test_a_restate_gate_that_is_not_a_number_asks_for_a_retrain(tmp_path, gate):
    """A short-lived trainer kept one gate per kind; loading its pairs.json must say what to do,
    not fail later with a TypeError inside the decoding."""
    import json

    from conftest import copy_models
    from talkscan.errors import ModelError
    from talkscan.nlp.analyzer import Analyzer, default_models_dir

    d = copy_models(default_models_dir(), tmp_path)
    meta = json.loads((d / "pairs.json").read_text())
    meta["restate_gate"] = gate
    (d / "pairs.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="retrain") as e:
        Analyzer(d)
    assert str(e.value).startswith(str(d / "pairs.json"))


@pytest.mark.parametrize("text,ack", [
    ("Mm-hmm .", True), ("Yeah, yeah. Okay.", True), ("All right.", True), ("'Kay.", True), ("Uh-huh", True),
    # an echo that asks for more, or carries a word of the other's, can still be a mirror
    ("No?", False), ("Ninety?", False), ("Right, ninety.", False), ("Sure thing.", False), ("", False),
])
def test_a_turn_that_only_acknowledges(text, ack):
    assert only_acknowledges(text) is ack


def test_an_acknowledgement_restates_nobody():
    texts = ["The other thing is, mm-hmm, putting it in mobile phones.", "Mm-hmm.", "Mobile phones?",
             "Right, so phones are in scope.", "Okay. Right."]
    chosen = {1: (1.2, "mirroring", 0, 0.6), 2: (1.4, "mirroring", 0, 0.7), 3: (1.3, "paraphrase", 0, 0.6),
              4: (1.1, "paraphrase", 3, 0.5)}
    assert apply_rules(chosen, texts) == {2: chosen[2], 3: chosen[3]}


@pytest.mark.parametrize("text,new", [
    ("So what's the plan for the procedures, Luis, are you writing them or are they?", True),
    ("How long's an audit?", True), ("When's that?", True),
    # echoes and checks stay candidates: a bare "What?" before an echo, yes/no checks, frames, statements
    ("Okay. When's that?", False),
    ("What? Ninety days?", False), ("So you can't go above ten percent?", False),
    ("So what you're saying is you'd do cash now — when?", False), ("What we need is the SOW.", False),
    ("", False),
    # the opening question decides, whatever follows; tags.md's dismissive "so what?" waves the point away
    ("Who owns it? I thought you did.", True), ("So what happens if we're late? Genuinely asking.", True),
    ("So what? They open every negotiation by squeezing dates.", True), ("So, what?", True),
])
def test_a_question_for_something_new(text, new):
    assert asks_something_new(text) is new


def test_a_question_for_something_new_restates_nobody():
    texts = ["Then I need written receiving procedures from them.", "So what's the plan for the procedures?",
             "Written procedures?", "How long's an audit?"]
    chosen = {1: (1.2, "paraphrase", 0, 0.6), 2: (1.4, "mirroring", 0, 0.7), 3: (1.1, "mirroring", 0, 0.5)}
    assert apply_rules(chosen, texts) == {2: chosen[2]}


@pytest.mark.parametrize("text,missing", [
    ("Sixteen weeks from when?", True), ("June which year?", True), ("Volunteered. Paid how much?", True),
    ("Yuki, when do you need the DPIA?", True), ("And final configuration is when, Nadia?", True),
    # the echo that asks for more, a question opening with its word, a check, a long turn
    ("Overstretched?", False), ("Twelve weeks? Why twelve?", False), ("So what's the plan?", False),
    ("No renewal until they show you how they'll get current on patches, right?", False),
    ("Sixteen weeks from when? Because the vendor told us the contract can start whenever legal signs it?", False),
    ("Sixteen weeks from when.", False),
])
def test_a_short_question_for_what_is_missing(text, missing):
    assert asks_what_is_missing(text) is missing


def test_a_short_question_for_what_is_missing_restates_nobody():
    texts = ["IT needs sixteen weeks for the migration.", "Sixteen weeks from when?", "Sixteen weeks?"]
    chosen = {1: (1.3, "mirroring", 0, 0.7), 2: (1.4, "mirroring", 0, 0.7)}
    assert apply_rules(chosen, texts) == {2: chosen[2]}
