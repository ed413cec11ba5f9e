"""Deterministic tests of the analyzer's parts from string constants: spaCy components, pair
features, candidate windows, conflict rules, labeling, heads I/O, ASR degradation."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("spacy")

from talkscan.errors import ModelError  # noqa: E402
from talkscan.nlp import conflicts as cf  # noqa: E402
from talkscan.nlp.augment import asr_degrade  # noqa: E402
from talkscan.nlp.features import PAIR_SCALARS, candidates, longest_common_run, pair_scalars  # noqa: E402
from talkscan.nlp.heads import load_head, train_head  # noqa: E402
from talkscan.nlp.labeling import normalise, said_and_category, target_speaker  # noqa: E402
from talkscan.nlp.spacy_components import FEATURE_NAMES, annotate  # noqa: E402
from talkscan.transcript import TOPICS  # noqa: E402


def feats(text: str) -> dict[str, float]:
    return dict(zip(FEATURE_NAMES, annotate([text])[0]._.features))


def test_lemmas_are_lowercased_before_lookup():
    doc = annotate(["Prices went UP and the Teams are Stretched"])[0]
    assert "price" in doc._.content_lemmas
    assert "team" in doc._.content_lemmas


def test_second_person_feeling_frame():
    f = feats("Priya, you sound pretty boxed in by that date.")
    assert f["feeling_second_person"] == 1.0
    assert f["feeling_first_person"] == 0.0


def test_sensing_frame():
    assert feats("I sense some hesitation about the rollout.")["feeling_sensing"] == 1.0


def test_own_feeling_is_first_person_not_second():
    f = feats("Honestly I'm frustrated with this timeline.")
    assert f["feeling_first_person"] == 1.0
    assert f["feeling_second_person"] == 0.0


def test_cue_phrase_without_feeling_has_no_feeling_frame():
    f = feats("It sounds like the vendor is stalling.")
    assert f["feeling_word"] == 0.0 and f["feeling_sensing"] == 0.0
    assert f["cue_absent"] >= 1.0


def test_ask_frames():
    f = feats("We need the price under 420k, can you send the SOW by Friday?")
    assert f["ask_need"] >= 1 and f["ask_bound"] >= 1 and f["ask_request"] >= 1
    assert feats("IT has to sign off before kickoff")["ask_obligation"] >= 1
    assert feats("We can't go above four hundred.")["ask_limit"] >= 1


def test_offer_and_wish_frames():
    assert feats("We can give you ten more licences.")["offer"] >= 1
    assert feats("I wish it would stop raining.")["wish"] >= 1


def test_longest_common_run():
    assert longest_common_run("my team is overstretched".split(), "overstretched".split()) == 1
    assert longest_common_run("a b c d".split(), "x b c d y".split()) == 3
    assert longest_common_run([], ["a"]) == 0


def _pair(u: str, t: str) -> dict[str, float]:
    du, dt = annotate([u, t])
    return dict(zip(PAIR_SCALARS, pair_scalars(du, dt, cos=0.5, dist=1, rank=0)))


def test_pair_features_separate_mirror_from_paraphrase():
    target = "Honestly my team is overstretched right now."
    mirror = _pair("Overstretched?", target)
    para = _pair("So your people have no spare capacity at the moment.", target)
    assert mirror["words_in_t"] == 1.0 and mirror["u_subset_t"] == 1.0 and mirror["u_short"] == 1.0
    assert mirror["t_tail_words_in_u"] > 0
    assert para["words_in_t"] < 0.5 and para["u_subset_t"] == 0.0
    assert mirror["lcs_frac_u"] > para["lcs_frac_u"]


def test_candidates_skip_own_turns_and_stop_at_window():
    speakers = ["A", "B", "A", "B", "C", "A", "B", "C", "A", "B", "C", "A"]
    got = candidates(speakers, 11, window=6)
    assert all(speakers[j] != "A" for j in got)
    assert len(got) == 6 and got == sorted(got, reverse=True)
    assert candidates(["A", "A", "A"], 2) == []


def test_rule_conflict_same_topic_opposite_directions():
    a = cf.AskInfo(0, "S0", "price", "less", "We need the price under 420k")
    b = cf.AskInfo(3, "S1", "price", "more", "We need at least 460k to make this work")
    c = cf.AskInfo(4, "S0", "price", "more", "and more")
    assert cf.rule_conflict(a, b)
    assert not cf.rule_conflict(a, c)  # same speaker
    assert not cf.rule_conflict(a, cf.AskInfo(5, "S2", "price", "less", "lower please"))


def test_conflict_reason_names_both_people_and_wants():
    a = cf.AskInfo(0, "S0", "price", "less", "We need the price under 420k")
    b = cf.AskInfo(3, "S1", "price", "more", "We need at least 460k")
    r = cf.reason(a, b, "Maya", "Greg")
    assert "Maya" in r and "Greg" in r and "lower price" in r and "\n" not in r
    # both read as "lower": the reason must not say that a lower price clashes with a lower price
    c = cf.AskInfo(5, "S1", "price", "less", "I want two ten signed")
    r = cf.reason(cf.AskInfo(0, "S0", "price", "less", "I need two forty"), c, "Maya", "Greg")
    assert r.count("lower price") == 0 and "two forty" in r and "two ten" in r and "on price" in r
    # the ask is quoted, not the turn's opening: a figure twelve words in used to be cut off
    d = cf.AskInfo(1, "S1", "price", "more", "I hear you, but the client expects the premium tier. Honestly, "
                   "it has been a long quarter. I need at least 340,000 in the contract to keep the margin.")
    r = cf.reason(a, d, "Nora", "Ben")
    assert '("I need at least 340,000 in the contract to keep the margin.")' in r and "premium tier" not in r


def test_conflict_features_are_symmetric():
    rng = np.random.default_rng(0)
    ea, eb = rng.normal(size=384).astype(np.float32), rng.normal(size=384).astype(np.float32)
    a = cf.AskInfo(0, "S0", "timeline", "less", "kick off Monday")
    b = cf.AskInfo(5, "S1", "compliance", "more", "no kickoff before the four-week review")
    assert np.allclose(cf.conflict_features(a, b, ea, eb), cf.conflict_features(b, a, eb, ea))


def test_conflict_features_are_the_expectation_under_the_analyzers_probabilities():
    rng = np.random.default_rng(0)
    ea, eb = rng.normal(size=384), rng.normal(size=384)
    a = cf.AskInfo(0, "S0", "price", "less", "under 420k")
    b = cf.AskInfo(5, "S1", "price", "more", "at least 460k")
    hard = cf.conflict_features(a, b, ea, eb)
    # certain probabilities give the hard features exactly, symmetric as before
    sure = replace(b, topic_p=np.eye(8)[TOPICS.index("price")], direction_p=np.array([1.0, 0.0, 0.0]))
    assert np.array_equal(cf.conflict_features(a, sure, ea, eb), hard)
    # half price, half scope: every feature is the mean of the two readings (the head's logit too)
    half = replace(b, topic_p=0.5 * (np.eye(8)[TOPICS.index("price")] + np.eye(8)[TOPICS.index("scope")]))
    scope = cf.conflict_features(a, replace(b, topic="scope"), ea, eb)
    mixed = cf.conflict_features(a, half, ea, eb)
    linear = [k for k in range(len(hard)) if k != len(cf.CONFLICT_SCALARS) + 1]   # all but min(push, 0)
    assert np.allclose(mixed[linear], 0.5 * (hard + scope)[linear], atol=1e-6)
    assert mixed[cf.CONFLICT_SCALARS.index("same_topic")] == 0.5
    assert np.allclose(cf.conflict_features(a, half, ea, eb), cf.conflict_features(half, a, eb, ea))


def test_candidate_ask_pairs_only_across_speakers():
    asks = [cf.AskInfo(i, s, "price", None, "x") for i, s in enumerate(["S0", "S0", "S1"])]
    assert cf.candidate_pairs(asks) == [(0, 2), (1, 2)]


def test_a_restated_ask_does_not_repeat_its_conflict():
    asks = [cf.AskInfo(0, "S0", "price", "less", "under 420k"), cf.AskInfo(2, "S1", "price", "more", "at least 460k"),
            cf.AskInfo(4, "S0", "price", "less", "I still need it under 420k"),
            cf.AskInfo(6, "S2", "timeline", "less", "live by March")]
    # S0's restatement (ask 2) clashes with S1 again: only the first statement's conflict is kept;
    # S2's conflict with the restatement stays, since S2's ask has no earlier partner from S0.
    found = [(0, 1, 0.9), (1, 2, 0.95), (2, 3, 0.6)]
    assert cf.first_stated(found, asks) == [(0, 1, 0.9), (2, 3, 0.6)]
    # order in a pair does not matter, and one speaker's two asks against two others both stand
    assert cf.first_stated([(1, 0, 0.9), (2, 1, 0.95)], asks) == [(1, 0, 0.9)]
    assert cf.first_stated([(0, 1, 0.9), (0, 3, 0.8)], asks) == [(0, 1, 0.9), (0, 3, 0.8)]


def test_an_ask_keeps_its_two_strongest_conflicts():
    # ask 0 clears the threshold against asks 1, 2 and 3 (three other speakers): the weakest goes
    found = [(0, 1, 0.5), (0, 2, 0.9), (3, 0, 0.7), (1, 2, 0.4)]
    assert cf.strongest_per_ask(found) == [(0, 2, 0.9), (3, 0, 0.7), (1, 2, 0.4)]
    assert cf.strongest_per_ask(found, k=1) == [(0, 2, 0.9)]
    assert cf.strongest_per_ask([]) == []
    # decide: first the restatement rule, then the cap
    asks = [cf.AskInfo(i, s, "price", None, "x") for i, s in enumerate(["S0", "S1", "S2", "S3", "S0"])]
    assert cf.decide([(0, 1, 0.5), (0, 2, 0.9), (0, 3, 0.7), (4, 1, 0.95)], asks) == [(0, 2, 0.9), (0, 3, 0.7)]


def test_labeling_said_and_category():
    doc = annotate(["Priya, you sound pretty boxed in by that date."])[0]
    assert said_and_category(doc) == ("boxed in", "fear")
    doc = annotate(["You seem frustrated with the timeline."])[0]
    assert said_and_category(doc) == ("frustrated", "anger")
    assert normalise("stressed", None) == "fear"
    assert normalise(None, None) == "neutral"


def test_labeling_target_by_name_then_previous_other_speaker():
    speakers = ["S0", "S1", "S2"]
    names = {"S0": "Priya", "S1": "Tomasz", "S2": "Aisha"}
    doc = annotate(["Priya, you sound boxed in."])[0]
    assert target_speaker(doc, speakers, names, 2) == "S0"
    doc = annotate(["You sound boxed in."])[0]
    assert target_speaker(doc, speakers, names, 2) == "S1"
    # people are addressed past their title: "Dr. Okonkwo" is called "Okonkwo", not "Dr."
    names = {"S0": "Dr. Okonkwo", "S1": "Tomasz", "S2": "Maya (Procurement)"}
    doc = annotate(["Okonkwo, you sound worried about April."])[0]
    assert target_speaker(doc, speakers, names, 2) == "S0"
    doc = annotate(["Maya, you sound worried about April."])[0]
    assert target_speaker(doc, speakers, names, 0) == "S2"


def test_head_roundtrip_and_hash_check(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 5)).astype(np.float32)
    y = (x[:, 0] > 0).astype(int)
    head = train_head("moves_test", x, y, ["no", "yes"], False, hidden=8, epochs=30)
    assert (head.predict_proba(x).argmax(1) == y).mean() > 0.9
    head.save(tmp_path)
    again = load_head(tmp_path, "moves_test")
    assert np.allclose(again.predict_proba(x), head.predict_proba(x), atol=1e-6)
    js = tmp_path / "moves_test.json"
    js.write_text(js.read_text().replace(head.version, "0000000000"))
    with pytest.raises(ModelError):
        load_head(tmp_path, "moves_test")
    with pytest.raises(ModelError):
        load_head(tmp_path, "absent")


def test_asr_degrade_is_seeded_and_lossy():
    text = "So, what you're saying is: IT needs twelve weeks. Right? And the price stays under 420k."
    a = asr_degrade(text, random.Random(3))
    assert a == asr_degrade(text, random.Random(3))
    assert asr_degrade(text, random.Random(3), strength=0) == text
    outs = {asr_degrade(text, random.Random(s)) for s in range(20)}
    assert len(outs) > 5 and any(o == o.lower() and "?" not in o for o in outs)


def test_bow_matches_sklearn_tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from talkscan.nlp.bow import fit_vocab, transform

    texts = ["We need the price under 420k, please.", "The SOW has to be signed by Friday", "price price and the SOW"]
    ours = transform(texts, fit_vocab(texts, min_df=1))
    ref = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit(texts).transform(texts).toarray()
    assert np.allclose(ours, ref, atol=1e-6)


def test_ask_span_keeps_the_sentences_that_ask():
    from talkscan.nlp.features import ask_span

    text = "Students have been complaining for two years about the food. I need proper halal options."
    assert ask_span(text) == "I need proper halal options."
    assert ask_span("no punctuation here we need more time") == "no punctuation here we need more time"


def test_cross_topic_pressure_signals_conflict():
    rate = cf.AskInfo(0, "S0", "price", "less", "walk in at three eighty")
    shift = cf.AskInfo(3, "S1", "scope", "more", "the weekend shift stays in the contract")
    docs = cf.AskInfo(5, "S2", "documentation", "more", "a proper rate card")
    assert float(cf.pressure(rate) @ cf.pressure(shift)) < 0
    assert float(cf.pressure(shift) @ cf.pressure(docs)) > 0
    e = np.ones(384, dtype=np.float32) / np.sqrt(384)
    assert cf.conflict_features(rate, shift, e, e).shape == (cf.conflict_dim(),)


def test_two_people_asking_the_same_figure_agree():
    maya = cf.AskInfo(0, "S0", "price", "less", "Procurement needs the price under 400k.")
    priya = cf.AskInfo(1, "S1", "price", "less", "Finance needs the price under 400K too.")
    greg = cf.AskInfo(2, "S2", "price", "more", "Sales needs at least 450k.")
    assert cf.same_position(maya, priya) and not cf.same_position(maya, greg)
    # another figure, another direction, or no figure at all: the head decides
    assert not cf.same_position(maya, cf.AskInfo(1, "S1", "price", "less", "Finance needs it under 380k."))
    assert not cf.same_position(maya, cf.AskInfo(1, "S1", "price", "more", "Finance needs it under 400k."))
    assert not cf.same_position(cf.AskInfo(0, "S0", "price", "less", "Cheaper, please."),
                                cf.AskInfo(1, "S1", "price", "less", "Cheaper, please."))
    asks = [maya, priya, greg]
    assert cf.decide([(0, 1, 0.3), (0, 2, 0.8), (1, 2, 0.9)], asks) == [(0, 2, 0.8), (1, 2, 0.9)]


@pytest.mark.parametrize("words,want", [
    ("three hundred forty thousand", ["340000"]),
    ("four hundred and fifty thousand dollars", ["450000", "dollars"]),
    ("we need 340,000", ["we", "need", "340000"]),
    ("twenty one days", ["21", "days"]),
    ("four to six months", ["4", "to", "6", "months"]),
    ("nine five", ["9", "5"]),
    ("one hundred twenty", ["120"]),
    ("and then a hundred", ["and", "then", "a", "hundred"]),
])
def test_figures_in_words_and_digits_read_as_one_form(words, want):
    from talkscan.nlp import number_words

    assert number_words.canonical(words.split()) == want


def test_only_pairs_that_write_figures_in_two_forms_are_rewritten():
    from talkscan.nlp import number_words

    assert number_words.mixed("twelve weeks ?".split(), "we need 12 weeks".split())
    assert not number_words.mixed("twelve weeks ?".split(), "we need twelve weeks".split())
    assert not number_words.mixed("12 weeks".split(), "we need 12 weeks".split())
    assert not number_words.mixed("fine".split(), "we need 12 weeks".split())
