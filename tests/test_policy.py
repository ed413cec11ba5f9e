"""The flag policy: documented defaults, loading and its errors, and the flags it raises."""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict
from pathlib import Path

import pytest

from browser_util import REPO, SAMPLE, dialogue_to_transcript, sample_transcript
from talkscan.errors import UsageError
from talkscan.policy import OveruseRule, Policy, default_policy_text, evaluate_flags, load_policy
from talkscan.transcript import Ask, Conflict, Speaker, Tag, Transcript, Utterance

SAMPLES = REPO / "data" / "samples"


def keyed(t: Transcript, flags) -> set[tuple]:
    return {(t.speaker_label(f.speaker) if f.speaker else None, f.move, f.kind) for f in flags}


def meeting(turns: list[tuple[str, str, list[Tag]]], conflicts=(), asks=()) -> Transcript:
    names = list(dict.fromkeys(sp for sp, _, _ in turns))
    utts = [Utterance(f"u{i}", i, sp, text, tags=list(tags)) for i, (sp, text, tags) in enumerate(turns)]
    return Transcript("t.txt", "transcript", [Speaker(n) for n in names], utts, asks=list(asks), conflicts=list(conflicts))


# ------------------------------------------------------------------------------------ the policy


def test_documented_defaults_are_the_dataclass_defaults():
    doc = tomllib.loads(default_policy_text())
    p = Policy()
    assert set(doc["overuse"]) == set(p.overuse)
    for move, rule in doc["overuse"].items():
        assert OveruseRule(**rule) == p.overuse[move], move
    miss = dict(doc["missing"])
    assert miss.pop("advice") == p.missing_advice
    miss["expected_moves"] = tuple(miss["expected_moves"])
    assert miss == {k: v for k, v in asdict(p).items() if k in miss}
    assert set(miss) | {"overuse", "missing_advice"} == set(asdict(p))
    assert load_policy() == p


def test_defaults_are_sane_for_real_meetings():
    p = Policy()
    for move in ("paraphrase", "mirroring", "emotional_labeling"):
        assert p.overuse[move].max_count >= 2  # a single (or second) use is never overuse
        assert 0 < p.overuse[move].max_share < 1
    assert p.overuse["emotional_labeling"].repeat_target_weight > 1


def test_user_file_overrides_only_its_keys(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text(
        "[overuse.paraphrase]\nmax_count = 6\n[overuse.similarity]\nmax_count = 5\nmax_share = 0.5\n"
        "[missing]\nmin_turns = 40\nexpected_moves = ['similarity']\n"
    )
    p = load_policy(f)
    d = Policy()
    assert p.overuse["paraphrase"] == OveruseRule(6, d.overuse["paraphrase"].max_share, 1.0, d.overuse["paraphrase"].advice)
    assert p.overuse["mirroring"] == d.overuse["mirroring"]
    assert p.overuse["similarity"].max_count == 5 and p.overuse["similarity"].max_share == 0.5
    assert p.min_turns == 40 and p.expected_moves == ("similarity",)
    assert p.conflict_restated is True


@pytest.mark.parametrize(
    "text, words",
    [
        ("[overuse.paraphrase\nmax_count = 3", "not valid TOML"),
        ("[overuse.paraphrase]\nmax_cont = 3", "unknown key 'overuse.paraphrase.max_cont'"),
        ("[overuse.nodding]\nmax_count = 3", "unknown move 'overuse.nodding'"),
        ("[thresholds]\nx = 1", "unknown key 'thresholds'"),
        ("[overuse.paraphrase]\nmax_count = 0", "max_count"),
        ("[overuse.paraphrase]\nmax_count = 'four'", "max_count"),
        ("[overuse.paraphrase]\nmax_count = true", "max_count"),
        ("[overuse.paraphrase]\nmax_share = 2.5", "max_share"),
        ("[overuse.paraphrase]\nrepeat_target_weight = 0.5", "repeat_target_weight"),
        ("[overuse.similarity]\nmax_share = 0.5", "needs max_count"),
        ("overuse = 3", "must be a table"),
        ("[missing]\nmin_turns = -1", "min_turns"),
        ("[missing]\nmin_turns = 2.5", "min_turns"),
        ("[missing]\nconflict_restated = 'yes'", "conflict_restated"),
        ("[missing]\nexpected_moves = ['small_talk']", "expected_moves"),
        ("[missing.advice]\nsmall_talk = 'x'", "unknown key 'missing.advice.small_talk'"),
        ("[missing.advice]\nsimilarity = 3", "must be a string"),
        # NaN passed every range check and switched the flag off
        ("[overuse.paraphrase]\nmax_share = nan", "max_share"),
        ("[overuse.paraphrase]\nmax_count = inf", "max_count"),
        ("[overuse.mirroring]\nrepeat_target_weight = nan", "repeat_target_weight"),
    ],
)
def test_bad_policy_file_names_the_file_and_the_problem(tmp_path, text, words):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(UsageError) as e:
        load_policy(f)
    assert e.value.path == str(f)
    assert words in e.value.message
    assert str(f) in str(e.value)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_a_policy_saved_by_notepad_or_powershell_is_read(tmp_path, encoding):
    """`talkscan policy --show > my-policy.toml` in Windows PowerShell writes UTF-16, Notepad may add a
    BOM: both were refused ("not valid TOML", "UnicodeDecodeError")."""
    f = tmp_path / "p.toml"
    f.write_text("[overuse.paraphrase]\nmax_count = 7\n", encoding=encoding)
    assert load_policy(f).overuse["paraphrase"].max_count == 7


def test_missing_policy_file(tmp_path):
    with pytest.raises(UsageError) as e:
        load_policy(tmp_path / "nope.toml")
    assert "not found" in str(e.value) and "nope.toml" in str(e.value)


# -------------------------------------------------------------------------------------- overused


def P(target: str) -> Tag:
    return Tag("paraphrase", target=target)


def L(person: str) -> Tag:
    return Tag("emotional_labeling", target=person, emotion="fear", said="stressed")


def test_a_single_paraphrase_is_never_overuse():
    t = meeting([("A", "we need it cheaper", []), ("B", "so you need it cheaper", [P("u0")])])
    assert evaluate_flags(t, Policy()) == []


def test_overuse_needs_count_and_share_so_length_alone_does_not_trip_it():
    # four paraphrases in four turns: overused
    short = []
    for i in range(4):
        short += [("A", f"point {i}", []), ("B", f"so point {i}", [P(f"u{2 * i}")])]
    quiet = Policy(expected_moves=())  # only overuse matters here
    flags = evaluate_flags(meeting(short), quiet)
    assert [(f.speaker, f.move, f.kind, f.value, f.threshold) for f in flags] == [("B", "paraphrase", "overused", 4, 3)]
    assert flags[0].evidence == ["u1", "u3", "u5", "u7"]
    # the same four paraphrases spread over forty turns of B: a share of 10%, not overuse
    long = list(short)
    for i in range(36):
        long += [("A", f"more {i}", []), ("B", f"fine {i}", [])]
    assert evaluate_flags(meeting(long), quiet) == []


def test_repeated_labeling_of_the_same_person_counts_more():
    def labels(targets):
        turns = [("A", "x", []), ("C", "y", [])]
        for p in targets:
            turns += [("B", "you sound stressed", [L(p)]), ("A", "hm", []), ("C", "hm", [])]
        return meeting(turns)

    assert evaluate_flags(labels(["A", "C"]), Policy()) == []  # two people, once each: 2, not above 2
    flags = evaluate_flags(labels(["A", "A"]), Policy())  # the same person twice: 1 + 1.5
    assert [(f.speaker, f.move, f.kind, f.value) for f in flags] == [("B", "emotional_labeling", "overused", 2.5)]


def test_custom_thresholds_apply(tmp_path):
    f = tmp_path / "p.toml"
    f.write_text("[overuse.paraphrase]\nmax_count = 10\n")
    t = sample_transcript()
    assert ("Greg", "paraphrase", "overused") in keyed(t, evaluate_flags(t, Policy()))
    assert ("Greg", "paraphrase", "overused") not in keyed(t, evaluate_flags(t, load_policy(f)))


# --------------------------------------------------------------------------------------- missing


def conflict_meeting(extra_turns=(), n_filler=0):
    turns = [
        ("Rachel", "Procurement needs the price down to forty.", [Tag("ask", topic="price", direction="less")]),
        ("Kevin", "Sales cannot go below fifty five.", [Tag("ask", topic="price", direction="more")]),
        *extra_turns,
    ]
    for i in range(n_filler):
        turns.append(("Nina" if i % 2 else "Owen", f"filler {i}", [Tag("similarity"), Tag("future_vision")] if i == 0 else []))
    asks = [Ask("a0", "u0", "Rachel", "price", "less", turns[0][1]), Ask("a1", "u1", "Kevin", "price", "more", turns[1][1])]
    return meeting(turns, [Conflict(["a0", "a1"], ["Rachel", "Kevin"], "price", "40 vs 55")], asks)


def test_conflict_nobody_restated_is_a_meeting_flag():
    t = conflict_meeting()
    flags = evaluate_flags(t, Policy())
    assert [(f.speaker, f.move, f.kind) for f in flags] == [(None, "paraphrase", "missing")]
    assert flags[0].evidence == ["u0", "u1"] and flags[0].value == 0 and flags[0].threshold == 1
    # strict: every party that never acknowledged the other is flagged too
    strict = evaluate_flags(t, Policy(strict_party_acknowledges=True))
    assert keyed(t, strict) == {(None, "paraphrase", "missing"), ("Rachel", "paraphrase", "missing"), ("Kevin", "paraphrase", "missing")}


def test_a_party_whose_counterpart_went_unheard_is_flagged():
    # a mediator restates Rachel; nobody ever acknowledges Kevin: Rachel is flagged, Kevin is not
    t = conflict_meeting([("Nina", "So Rachel, forty is your ceiling.", [P("u0")])])
    flags = evaluate_flags(t, Policy())
    assert [(f.speaker, f.move, f.kind) for f in flags] == [("Rachel", "paraphrase", "missing")]
    assert "Kevin" in flags[0].advice and flags[0].evidence == ["u0", "u1"]
    # once Rachel labels Kevin's feeling, she has acknowledged him
    t = conflict_meeting([("Nina", "So Rachel, forty is your ceiling.", [P("u0")]), ("Rachel", "Kevin, you seem worried.", [L("Kevin")])])
    assert evaluate_flags(t, Policy()) == []


def test_switching_missing_checks_off():
    t = conflict_meeting()
    assert evaluate_flags(t, Policy(conflict_restated=False, party_acknowledges=False)) == []
    # without the meeting-level check, the parties themselves carry the flag
    assert keyed(t, evaluate_flags(t, Policy(conflict_restated=False))) == {
        ("Rachel", "paraphrase", "missing"),
        ("Kevin", "paraphrase", "missing"),
    }


def sided_meeting(n: int, askers=("B", "A")):
    """n turns of A and B taking turns; the first turns of `askers` are asks."""
    turns = [("A", f"line {i}", []) if i % 2 else ("B", f"line {i}", []) for i in range(n)]
    asks = [Ask(f"a{i}", f"u{i}", who, "price", "less", turns[i][1]) for i, who in enumerate(askers) if turns[i][0] == who]
    for a in asks:
        turns[int(a.utterance[1:])][2].append(Tag("ask", topic="price", direction="less"))
    return meeting(turns, [], asks)


def test_common_ground_and_vision_expected_only_in_a_long_enough_meeting():
    short = sided_meeting(11)
    assert evaluate_flags(short, Policy()) == []
    long = sided_meeting(12)
    flags = evaluate_flags(long, Policy())
    assert keyed(long, flags) == {(None, "similarity", "missing"), (None, "future_vision", "missing")}
    assert all(f.evidence == ["u0", "u1"] for f in flags)  # each side's first ask
    long.utterances[3].tags.append(Tag("similarity"))
    assert keyed(long, evaluate_flags(long, Policy())) == {(None, "future_vision", "missing")}


def test_common_ground_and_vision_expected_only_between_sides():
    # a long meeting where one person asked, or nobody did, has no sides to find common ground between
    assert evaluate_flags(sided_meeting(14, askers=("B",)), Policy()) == []
    assert evaluate_flags(sided_meeting(14, askers=()), Policy()) == []
    # where asks conflict, the conflicting asks are the evidence
    t = conflict_meeting(n_filler=12)
    t.utterances[2].tags.clear()   # filler 0 carried both moves
    flags = [f for f in evaluate_flags(t, Policy()) if f.move in ("similarity", "future_vision")]
    assert len(flags) == 2 and all(f.evidence == ["u0", "u1"] for f in flags)


def test_empty_transcript_has_no_flags():
    assert evaluate_flags(Transcript("e.txt", "transcript", [], []), Policy()) == []


def test_the_test_meeting_raises_exactly_its_story():
    t = sample_transcript()
    flags = evaluate_flags(t, load_policy())
    assert keyed(t, flags) == {
        ("Greg", "paraphrase", "overused"),
        ("Maya", "emotional_labeling", "overused"),
        (None, "future_vision", "missing"),
        ("Maya", "paraphrase", "missing"),  # nobody ever acknowledged Greg's side of the price conflict
    }
    by = {(f.speaker, f.move, f.kind): f for f in flags}
    assert by[("S0", "emotional_labeling", "overused")].value == 4  # Tom labelled three times: 1 + 1.5 + 1.5
    assert by[("S1", "paraphrase", "overused")].evidence == ["u1", "u4", "u7", "u10", "u12"]
    # no times changes nothing
    assert keyed(t, evaluate_flags(sample_transcript(timed=False), load_policy())) == keyed(t, flags)
    assert len(SAMPLE["turns"]) == len(t.utterances)


# ------------------------------------------------------------------------- the project's samples


def gold_samples():
    return sorted(SAMPLES.glob("*.labels.json"))


@pytest.mark.parametrize("path", gold_samples() or [None], ids=lambda p: p.name if p else "none")
def test_gold_labels_give_exactly_the_expected_flags(path: Path | None):
    if path is None:
        pytest.skip("no data/samples/*.labels.json with expected_flags in this checkout")
    d = json.loads(path.read_text())
    if "expected_flags" not in d:
        pytest.skip(f"{path.name} has no expected_flags")
    t = dialogue_to_transcript(d, seconds_per_word=None)
    got = keyed(t, evaluate_flags(t, load_policy()))
    want = {(f["speaker"], f["move"], f["kind"]) for f in d["expected_flags"]}
    assert got == want


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    ["overuse", "missing"],
)
def test_flags_through_the_analyzer(name):
    """The real analyzer on the sample transcript, then the policy: the expected flags."""
    pytest.importorskip("talkscan.nlp.analyzer", reason="the analyzer (src/talkscan/nlp/analyzer.py) is not in this checkout yet")
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from talkscan.nlp.analyzer import Analyzer

    d = json.loads((SAMPLES / f"{name}.labels.json").read_text())
    bare = dialogue_to_transcript(d, seconds_per_word=None)
    for u in bare.utterances:
        u.tags, u.emotion = [], None
    bare.asks, bare.conflicts = [], []
    from talkscan.errors import ModelError

    try:
        t = Analyzer().transform(bare)
    except ModelError as e:
        if "missing" not in str(e):
            raise
        pytest.skip(f"the analyzer's classifier heads are not trained in this checkout: {e}")
    got = keyed(t, evaluate_flags(t, load_policy()))
    assert got == {(f["speaker"], f["move"], f["kind"]) for f in d["expected_flags"]}
