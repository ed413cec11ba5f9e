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


def test_conflict_threshold_is_tuned_for_the_cap_per_ask():
    import numpy as np

    from talkscan.nlp.train import _best_conflict_threshold

    # S0's ask (turn 0) scores high against three others; only the gold pair and one more survive the
    # cap of two, so the threshold can stay low enough for the other meeting's gold pair at 0.45.
    groups = [(0, 0, "S0", 1, "S1"), (0, 0, "S0", 2, "S2"), (0, 0, "S0", 3, "S3"), (10, 1, "S4", 3, "S5")]
    scores = np.asarray([0.95, 0.9, 0.6, 0.45])
    y = np.asarray([True, True, False, True])
    th, f = _best_conflict_threshold(scores, y, groups)
    assert f == 1.0 and th <= 0.45


def test_a_recordings_tags_are_scored_on_the_gold_turns_they_overlap():
    """benchmarks/asr_nlp_eval.py: recognised utterances and diarized speakers mapped onto gold turns."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from asr_nlp_eval import onto_turns

    from talkscan.nlp.dialogues import Meeting, Turn
    from talkscan.nlp.evaluate import Tally
    from talkscan.transcript import Ask, Conflict, Emotion, Speaker, Transcript, Utterance

    m = Meeting("m", [Turn("Ana", "We need it under 400k.", tags=[{"type": "ask", "topic": "price", "direction": "less"}]),
                      Turn("Ben", "Under 400k.", tags=[{"type": "mirroring", "target": 0}]),
                      Turn("Ana", "And it has to ship by May.", "anger", tags=[{"type": "ask", "topic": "timeline", "direction": "less"}]),
                      Turn("Ben", "May is too early for us.", tags=[{"type": "ask", "topic": "timeline", "direction": "more"}])],
                conflicts=[(2, 3)])
    times = [{"speaker": "Ana", "start": 0.0, "end": 2.0}, {"speaker": "Ben", "start": 2.5, "end": 3.5},
             {"speaker": "Ana", "start": 4.0, "end": 6.0}, {"speaker": "Ben", "start": 6.5, "end": 8.0}]
    # Whisper's utterances start and end a little off the turns; speaker ids are the diarizer's.
    utts = [Utterance("u0", 0, "S1", "we need it under 400k", 0.1, 2.1, tags=[Tag("ask", topic="price", direction="less")]),
            Utterance("u1", 1, "S0", "under 400k", 2.4, 3.4, tags=[Tag("mirroring", target="u0")]),
            Utterance("u2", 2, "S1", "and it has to ship by may", 3.9, 6.1, emotion=Emotion("anger"),
                      tags=[Tag("ask", topic="timeline", direction="less"), Tag("emotional_labeling", target="S0")]),
            Utterance("u3", 3, "S0", "may is too early for us", 6.4, 8.0, tags=[Tag("ask", topic="timeline", direction="more")])]
    t = Transcript("x.m4a", "recording", [Speaker("S0"), Speaker("S1")], utts,
                   asks=[Ask("a0", "u0", "S1", "price", "less", ""), Ask("a1", "u2", "S1", "timeline", "less", ""),
                         Ask("a2", "u3", "S0", "timeline", "more", "")],
                   conflicts=[Conflict(["a1", "a2"], ["S1", "S0"], "timeline", "")])
    tags, emotions, pairs, turn_of = onto_turns(t, times)
    assert turn_of == {"u0": 0, "u1": 1, "u2": 2, "u3": 3}
    assert tags[1][0].target == 0                        # the mirror points at gold turn 0
    assert tags[2][1].target == "Ben"                    # diarized S0 is Ben
    assert emotions == ["neutral", "neutral", "anger", "neutral"] and pairs == {(2, 3)}
    tally = Tally()
    tally.turns(m, tags)
    tally.pairs("conflict", set(m.conflicts), pairs)
    s = tally.scores([m])
    assert s["mirroring+target"]["f1"] == 1.0 and s["ask"]["f1"] == 1.0 and s["conflict"]["f1"] == 1.0
    assert s["emotional_labeling"]["precision"] == 0.0   # a label the gold turn does not have


def _two_meetings():
    from talkscan.nlp.dialogues import Meeting, Turn

    a = Meeting("a", [Turn("Ana", "We need it under 400k.", tags=[{"type": "ask", "topic": "price", "direction": "less"}]),
                      Turn("Ben", "Under 400k.", "surprise", tags=[{"type": "mirroring", "target": 0}])])
    b = Meeting("b", [Turn("Cy", "Ship it by May.", "anger", tags=[{"type": "ask", "topic": "timeline", "direction": "less"}]),
                      Turn("Di", "May is too early.", tags=[{"type": "ask", "topic": "timeline", "direction": "more"}])],
                conflicts=[(0, 1)])
    return a, b


def test_tallies_of_single_meetings_merge_into_the_tally_of_all():
    """benchmarks/txt_eval.py resamples per-meeting tallies for its intervals."""
    from talkscan.nlp.evaluate import Tally

    a, b = _two_meetings()
    pred = {"a": [[ask("price", "less")], [Tag("mirroring", target="0")]],
            "b": [[ask("scope", "more")], [ask("timeline", "more")]]}
    emo = {"a": ["neutral", "neutral"], "b": ["anger", "neutral"]}
    whole, parts = Tally(), []
    for m, found in ((a, set()), (b, {(0, 1)})):
        one = Tally()
        for t in (whole, one):
            t.turns(m, pred[m.id])
            t.emotions([x.emotion for x in m.turns], emo[m.id])
            t.pairs("conflict", set(m.conflicts), found)
        parts.append(one)
    merged = Tally.merged(parts).scores([a, b])
    assert merged == whole.scores([a, b])
    assert merged["ask_topic_accuracy"] == round(2 / 3, 4) and merged["conflict"]["f1"] == 1.0
    assert Tally.merged(parts[:1]).scores([a]) != merged


def test_a_txt_transcripts_report_is_scored_on_its_turns(tmp_path):
    """benchmarks/txt_eval.py: the .txt it writes reads back as one utterance per turn, and the
    report's ids (utterances, speakers, asks) map back to turn indices and names."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from txt_eval import onto_turns, write_txt

    from talkscan.readers import read_transcript
    from talkscan.transcript import Ask, Conflict

    a, b = _two_meetings()
    t = read_transcript(write_txt(b, tmp_path))
    assert [u.text for u in t.utterances] == b.texts and [s.name for s in t.speakers] == ["Cy", "Di"]
    t.utterances[1].tags = [Tag("mirroring", target="u0"), Tag("emotional_labeling", target="S0")]
    t.asks = [Ask("a0", "u0", "S0", "timeline", "less", ""), Ask("a1", "u1", "S1", "timeline", "more", "")]
    t.conflicts = [Conflict(["a1", "a0"], ["S1", "S0"], "timeline", "")]
    tags, emotions, pairs = onto_turns(t)
    assert tags[1][0].target == 0 and tags[1][1].target == "Cy"
    assert pairs == {(0, 1)} and emotions == ["neutral", "neutral"]


def _meeting(turns):
    from talkscan.nlp.dialogues import Meeting, Turn

    return Meeting(id="x-001", turns=[Turn(speaker=s, text=t, emotion="neutral", tags=g) for s, t, g in turns])


ASK = [{"type": "ask", "topic": "timeline", "direction": "more"}]


def test_ask_cuts_keep_the_ask_sentence_of_ask_only_turns():
    from talkscan.nlp.evaluate import ask_cut_meeting

    m = _meeting([
        ("Tom", "Moving the records takes a month. We need twelve weeks to install it properly.", ASK),
        # a turn that also carries another move keeps its words: the cut could drop that move
        ("Ana", "Same here, my team is stretched. I need the go-live in June.", ASK + [{"type": "similarity"}]),
        ("Ana", "The board meets in May. It likes short decks.", []),
        ("Tom", "I need twelve weeks.", ASK),
    ])
    cut = ask_cut_meeting(m)
    assert cut[0] == "We need twelve weeks to install it properly."
    assert cut[1:] == m.texts[1:]


def test_ask_cut_rendering_sits_between_the_clean_text_and_unchanged_asr_copies():
    from talkscan.nlp.evaluate import ask_cut_meeting, renderings

    ms = [_meeting([("Tom", "It's a big move. We need twelve weeks for it.", ASK), ("Ana", "Why twelve?", [])])] * 2
    plain, cuts = renderings(ms, 2, 0), renderings(ms, 2, 0, ask_cuts=True)
    for p, c, m in zip(plain, cuts, ms):
        assert len(c) == len(p) + 1
        assert c[0] == p[0] == m.texts and c[1] == ask_cut_meeting(m)
        assert c[2:] == p[1:]   # the same ASR renderings (seeds) as without cuts


def test_fine_tuning_rows_add_only_the_cut_turns_and_keep_the_held_back_rows(tmp_path):
    import json

    from talkscan.nlp.utterance_data import build

    (tmp_path / "train").mkdir()
    for k in range(6):
        turns = [{"speaker": "Tom", "text": f"The migration is big, part {k}. IT needs {k + 8} weeks.", "emotion": "neutral",
                  "tags": ASK},
                 {"speaker": "Ana", "text": f"Noted, part {k}.", "emotion": "neutral", "tags": []}]
        (tmp_path / "train" / f"x-{k:03d}.json").write_text(json.dumps({"id": f"x-{k:03d}", "speakers": {"Tom": "IT", "Ana": "PM"},
                                                                         "turns": turns, "conflicts": []}))
    plain, cuts = build(tmp_path, ask_cuts=False), build(tmp_path)   # cuts are the default
    assert cuts["tune"] == plain["tune"] and cuts["predict"] == plain["predict"]
    added = [r for r in cuts["all"] if r not in plain["all"]]
    assert sorted(r[0] for r in added) == sorted(f"IT needs {k + 8} weeks." for k in range(6))
    assert all(r[1] == plain["all"][0][1] for r in added)   # labelled as the ask turn they come from


def test_cross_encoder_rows_add_only_the_pairs_the_cut_changed(tmp_path):
    import json

    from talkscan.nlp.utterance_data import build

    (tmp_path / "train").mkdir()
    for k in range(6):
        turns = [{"speaker": "Tom", "text": f"The migration is big, part {k}. IT needs {k + 8} weeks.", "emotion": "neutral",
                  "tags": ASK},
                 {"speaker": "Ana", "text": f"I need it live in {k + 2} weeks.", "emotion": "neutral", "tags": ASK},
                 {"speaker": "Bo", "text": f"Legal needs {k + 3} weeks first.", "emotion": "neutral", "tags": ASK}]
        (tmp_path / "train" / f"x-{k:03d}.json").write_text(json.dumps({
            "id": f"x-{k:03d}", "speakers": {"Tom": "IT", "Ana": "PM", "Bo": "legal"}, "turns": turns,
            "conflicts": [{"turns": [0, 1], "reason": "time"}]}))
    plain, cuts = build(tmp_path, ask_cuts=False), build(tmp_path)
    added = [r for r in cuts["conflict"]["all"] if r not in plain["conflict"]["all"]]
    # Tom's cut ask against Ana's and Bo's; Ana's and Bo's pair, unchanged by the cut, is not repeated
    assert len(added) == 12 and all(r[0].startswith("IT needs") for r in added)
    assert len(cuts["conflict"]["all"]) == len(plain["conflict"]["all"]) + len(added)
    assert sorted(r[1] for r in added) == [0] * 6 + [1] * 6


def test_the_command_line_and_the_trainer_cut_asks_alike_by_default():
    from talkscan import cli
    from talkscan.nlp import train

    assert cli.ASK_CUTS == train.ASK_CUTS


def test_real_meetings_are_scored_by_move_and_target_without_the_unsure_turns():
    """benchmarks/real_meetings.py: a turn an annotator was unsure of counts neither way; an ask
    found on a labelled ask turn is read right when one of the turn's labelled asks agrees."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from real_meetings import score, score_moves

    found = {3: ("paraphrase", 1), 5: ("paraphrase", 2), 7: ("mirroring", 6), 9: ("paraphrase", 8)}
    gold = {3: ("paraphrase", 0), 7: ("mirroring", 6), 8: ("paraphrase", 4), 11: ("mirroring", 10)}
    s = score(found, gold, unsure={9})
    assert s["paraphrase"] == {"tp": 1, "tp_target": 0, "fp": 1, "fn": 1}
    assert s["mirroring"] == {"tp": 1, "tp_target": 1, "fp": 0, "fn": 1}

    def ask(i, topic, direction):
        return {"turn": i, "type": "ask", "topic": topic, "direction": direction}

    found = [ask(1, "price", "less"), ask(2, "scope", "more"), ask(4, "timeline", "null"), ask(6, "other", "null"),
             {"turn": 2, "type": "similarity"}]
    gold = [ask(1, "price", "less"), ask(2, "timeline", "less"), ask(2, "scope", "less"), ask(5, "process", "more"),
            {"turn": 3, "type": "similarity"}]
    m = score_moves(found, gold, unsure=[{"turn": 6, "type": "ask"}])
    assert m["ask"] == {"tp": 2, "fp": 1, "fn": 1}
    assert m["similarity"] == {"tp": 0, "fp": 1, "fn": 1}
    assert m["ask_reading"] == {"asks": 2, "topic": 2, "direction": 1}
