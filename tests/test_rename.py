"""`talkscan rename`: naming a report's speakers after reading it, without transcribing again, and
keeping those names when a later run makes the report again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SAMPLES, run_cli
from talkscan.batch import BatchOptions, run_batch
from talkscan.errors import UsageError
from talkscan.pipeline import RunOptions, collect_inputs
from talkscan.rename import carry_names, parse_names, rename_report
from talkscan.store import Store
from talkscan.transcript import Speaker, Transcript, Utterance


def _report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def test_parse_names():
    assert parse_names(["S0=Greg", " Maya = Maya  Chen ", "S2="]) == {"S0": "Greg", "Maya": "Maya Chen", "S2": ""}
    for bad in (["Greg"], ["=Greg"], ["S0=A", "S0=B"], []):
        with pytest.raises(UsageError):
            parse_names(bad)


LABELING = """\
A: For IT, the timeline is the problem. We need twelve weeks to install it properly.
C: The system goes live on August first, and that date is fixed.
B: Tom, you sound really worried about this.
C: Let us meet again on Friday.
"""


def test_rename_reanalyses_keeps_the_key_and_updates_the_history(tmp_path):
    """Names change what the analyzer reads: "Tom, you sound really worried" labels Tom's feeling, and
    only once A is named Tom is the label's target A rather than the last other speaker, C."""
    src = tmp_path / "sync.txt"
    src.write_text(LABELING)
    out = tmp_path / "out"
    first = run_batch(collect_inputs(src), out, RunOptions(), BatchOptions())
    folder = first.folders[str(src)]
    before = _report(folder)
    ids = {s["name"]: s["id"] for s in before["speakers"]}
    label = next(t for u in before["utterances"] for t in u["tags"] if t["type"] == "emotional_labeling")
    assert label["target"] == ids["C"]

    rename_report(folder, {"a": "Tom", ids["B"]: "Maya Chen"})
    after = _report(folder)
    assert {s["id"]: s["name"] for s in after["speakers"]} == {ids["A"]: "Tom", ids["B"]: "Maya Chen", ids["C"]: "C"}
    label = next(t for u in after["utterances"] for t in u["tags"] if t["type"] == "emotional_labeling")
    assert label["target"] == ids["A"]
    assert after["renamed"] == {ids["A"]: "Tom", ids["B"]: "Maya Chen"}
    assert after["cache_key"] == before["cache_key"] and after["source"] == before["source"]
    assert "Maya Chen" in (folder / "report.html").read_text() and "<v Tom>" in (folder / "transcript.vtt").read_text()
    index = (out / "index.html").read_text()
    assert "Maya Chen" in index
    with Store(out / "talkscan.db") as store:
        assert store.meeting_count() == 1

    # the batch that made it still finds it current, so the names stay
    again = run_batch(collect_inputs(src), out, RunOptions(), BatchOptions())
    assert again.skipped == [src] and _report(folder)["renamed"] == after["renamed"]
    # an edited transcript (a line added at the top shifts every turn) is analysed again, and its
    # speakers keep the names by what they said
    src.write_text("C: Shall we start?\n" + LABELING + "A: Friday works.\n")
    redone = run_batch(collect_inputs(src), out, RunOptions(), BatchOptions())
    assert redone.done == [src]
    redone_report = _report(folder)
    name_of = {s["id"]: s["name"] for s in redone_report["speakers"]}
    said = {u["text"]: name_of[u["speaker"]] for u in redone_report["utterances"]}
    assert said["Tom, you sound really worried about this."] == "Maya Chen" and said["Friday works."] == "Tom"
    assert said["Shall we start?"] == "C"


def test_rename_refuses_what_it_cannot_do(tmp_path):
    src = tmp_path / "sync.txt"
    src.write_text(LABELING)
    folder = run_batch(collect_inputs(src), tmp_path / "out", RunOptions(), BatchOptions()).folders[str(src)]
    untouched = (folder / "report.json").read_bytes()
    for names, words in (({"Z": "Zed"}, "not a speaker"), ({"A": "C"}, "both be named 'C'"),
                         ({"A": "Tom", "a": "Tim"}, "both mean speaker"),
                         # another speaker's id as a name: "S1" would then mean two speakers
                         ({"A": "s1"}, "'s1' is speaker S1's id")):
        with pytest.raises(UsageError, match=words):
            rename_report(folder, names)
    assert (folder / "report.json").read_bytes() == untouched
    cli = run_cli("rename", str(folder), "A=Tom", "--enrol")
    assert cli.returncode == 2 and "a transcript has no voices" in cli.stderr
    assert (folder / "report.json").read_bytes() == untouched
    cli = run_cli("rename", str(tmp_path / "nothing"), "S0=A")
    assert cli.returncode == 1 and "no such report folder" in cli.stderr and "Traceback" not in cli.stderr
    (tmp_path / "half").mkdir()
    cli = run_cli("rename", str(tmp_path / "half"), "S0=A")
    assert cli.returncode == 1 and "not a talkscan report folder" in cli.stderr


def test_rename_flags_by_the_policy_the_report_was_made_with(tmp_path):
    src = tmp_path / "sync.txt"
    src.write_text(LABELING)
    policy = tmp_path / "short-meetings.toml"
    policy.write_text("[missing]\nmin_turns = 2\n")   # the built-in policy leaves meetings under 12 turns alone
    opts = RunOptions(policy=policy)
    folder = run_batch(collect_inputs(src), tmp_path / "out", opts, BatchOptions()).folders[str(src)]
    flags = _report(folder)["flags"]
    assert any(f["kind"] == "missing" for f in flags)
    rename_report(folder, {"A": "Tom"})
    assert _report(folder)["flags"] == flags
    assert run_batch(collect_inputs(src), tmp_path / "out", opts, BatchOptions()).skipped == [src]
    policy.unlink()
    with pytest.raises(UsageError, match="pass --policy"):
        rename_report(folder, {"Tom": "Tim"})


def _timed(spans: list[tuple[str, float, float]], names: dict[str, str] | None = None) -> Transcript:
    ids = list(dict.fromkeys(s for s, _, _ in spans))
    return Transcript(
        "m.m4a", "recording", [Speaker(i, (names or {}).get(i)) for i in ids],
        [Utterance(f"u{k}", k, s, "words", a, b) for k, (s, a, b) in enumerate(spans)],
    )


def test_names_follow_the_voices_when_a_redo_numbers_them_otherwise():
    old = _timed([("S0", 0, 10), ("S1", 10, 20), ("S0", 20, 30), ("S2", 30, 40)])
    previous = ({"S0": "Greg", "S1": "Maya"}, [json.loads(json.dumps(u.__dict__, default=str)) for u in old.utterances])
    # the redo heard the same voices, numbered otherwise, with slightly different boundaries
    new = _timed([("S1", 0, 9.5), ("S0", 9.5, 20), ("S1", 20, 31), ("S2", 31, 40)])
    placed, lost = carry_names(new, previous)
    assert placed == {"S1": "Greg", "S0": "Maya"} and not lost
    assert new.speaker("S1").name == "Greg" and new.speaker("S2").name is None
    # a redo that merged Maya into Greg's voice: it is mostly Greg, and Maya's name has no voice left
    merged = _timed([("S0", 0, 30), ("S1", 30, 40)])
    placed, lost = carry_names(merged, previous)
    assert placed == {"S0": "Greg"} and lost == ["S1 (Maya)"]
    assert "could not all be kept" in merged.notes[0] and "S1 (Maya)" in merged.notes[0]
    # merged half and half: neither name is a fair guess for it
    halves = _timed([("S0", 0, 20), ("S1", 20, 40)])
    placed, lost = carry_names(halves, ({"S0": "Greg", "S1": "Maya"}, previous[1][:2]))
    assert placed == {} and sorted(lost) == ["S0 (Greg)", "S1 (Maya)"]
    assert halves.speaker("S0").name is None


def test_rename_a_recording_from_the_command_line(tmp_path):
    """The real pipeline on the sample call: name its two voices, then a run with other options
    (one speaker per channel, so the speakers are found again) keeps the names on the same voices;
    --names still overrides them."""
    out = tmp_path / "out"
    call = SAMPLES / "support-call.m4a"
    first = run_cli("run", str(call), "--out", str(out), "-q")
    assert first.returncode == 0, first.stderr
    folder = out / "support-call"
    assert _report(folder)["utterances"][0]["speaker"] == "S0"   # Ana opens the call
    # the page says how to name the numbered speakers
    assert "talkscan rename &lt;this report's folder&gt; S0=Name S1=Name" in (folder / "report.html").read_text()
    voices = tmp_path / "voices.db"
    cli = run_cli("rename", str(folder), "S0=Ana", "S1=Raj", "-q", "--enrol", "--voices", str(voices))
    assert cli.returncode == 0, cli.stderr
    assert "S0: Ana, S1: Raj" in cli.stderr and "report.html" in cli.stdout
    listed = run_cli("voices", "list", "--voices", str(voices))
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["Ana", "Raj"]
    again = run_cli("rename", str(folder), "Ana=Ana", "-q", "--enrol", "--voices", str(voices))
    assert again.returncode == 1 and "Ana not enrolled: a voice of that name already is" in again.stderr
    assert "talkscan rename" not in (folder / "report.html").read_text()
    split = run_cli("run", str(call), "--out", str(out), "-q", "--channels", "split")
    assert split.returncode == 0, split.stderr
    report = _report(folder)
    names = {s["id"]: s["name"] for s in report["speakers"]}
    assert sorted(names.values()) == ["Ana", "Raj"]
    assert names[report["utterances"][0]["speaker"]] == "Ana"
    override = run_cli("run", str(call), "--out", str(out), "-q", "--names", "Agent,Customer")
    assert override.returncode == 0, override.stderr
    report = _report(folder)
    assert sorted(s["name"] for s in report["speakers"]) == ["Agent", "Customer"] and "renamed" not in report
