"""Scoring logic of nlp.evaluate on hand-made cases (the real models are scored by benchmarks/nlp_eval.py)."""

from talkscan.nlp.evaluate import _f1, match_asks
from talkscan.transcript import Tag


def ask(topic, direction=None):
    return Tag(type="ask", topic=topic, direction=direction)


def test_a_turn_with_two_gold_asks_is_judged_by_the_ask_the_prediction_names():
    gold = [{"type": "ask", "topic": "scope", "direction": "more"},
            {"type": "ask", "topic": "timeline", "direction": "less"}]
    pairs = match_asks(gold, [ask("timeline", "less")])
    assert [(g["topic"], p.topic) for g, p in pairs] == [("timeline", "timeline")]
    # the order of the gold asks does not matter
    assert match_asks(gold[::-1], [ask("timeline", "less")])[0][0]["topic"] == "timeline"


def test_a_wrong_topic_is_still_paired_and_counts_as_wrong():
    pairs = match_asks([{"type": "ask", "topic": "price", "direction": "less"}], [ask("documentation")])
    assert len(pairs) == 1 and pairs[0][0]["topic"] != pairs[0][1].topic


def test_each_gold_ask_is_used_once():
    gold = [{"type": "ask", "topic": "price"}]
    pairs = match_asks(gold, [ask("price"), ask("scope")])
    assert [(g["topic"], p.topic) for g, p in pairs] == [("price", "price")]
    both = match_asks(gold + [{"type": "ask", "topic": "scope"}], [ask("scope"), ask("price")])
    assert sorted((g["topic"], p.topic) for g, p in both) == [("price", "price"), ("scope", "scope")]


def test_f1():
    assert _f1(2, 2, 0)["f1"] == round(2 * 0.5 * 1.0 / 1.5, 4)
    assert _f1(0, 0, 3)["f1"] == 0.0


def test_conflict_threshold_is_tuned_for_the_first_stated_rule():
    import numpy as np

    from talkscan.nlp.train import _best_conflict_threshold, _best_threshold

    # One meeting: S0 asks (turn 0), S1 clashes with it (turn 2), S0 restates (turn 4). The pair of
    # the restatement is not a gold conflict but scores high; the analyzer drops it anyway, so the
    # threshold need not climb above it and lose the true pair of another meeting at 0.5.
    groups = [(0, 0, "S0", 2, "S1"), (0, 2, "S1", 4, "S0"), (10, 1, "S2", 3, "S3")]
    scores = np.asarray([0.9, 0.8, 0.5])
    y = np.asarray([True, False, True])
    raw_th, raw_f = _best_threshold(scores, y, 2)
    th, f = _best_conflict_threshold(scores, y, groups)
    assert raw_f < 1.0 and f == 1.0 and th <= 0.5
