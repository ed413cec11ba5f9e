"""`talkscan update`: a report analysed again, in place, from its corrected transcript, and the
corrections kept when a later run makes the report again (until --force)."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from conftest import run_cli
from talkscan.batch import BatchOptions, run_batch
from talkscan.pipeline import RunOptions, collect_inputs
from talkscan.store import Store
from talkscan.transcript import Speaker, Transcript, Utterance, Word
from talkscan.update import corrected, update_report

MEETING = """\
[00:00:01] Tom: For IT, the timeline is the problem. We need twelve weeks to install it properly.
[00:00:07] Priya: The system goes live on August first, and that date is fixed.
[00:00:12] Maya: Procurement needs the total price under four hundred thousand dollars.
[00:00:18] Greg: Sales needs at least four hundred and fifty thousand to close.
[00:00:24] Priya: Let us meet again on Friday.
"""


def _report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    time.sleep(0.01)   # a later modification time than report.json's, on coarse clocks too
    path.write_text(text.replace(old, new), encoding="utf-8")
    later = (path.parent / "report.json").stat().st_mtime + 1
    os.utime(path, (later, later))


def test_update_reads_the_corrected_vtt_in_place_and_later_runs_keep_it(tmp_path):
    src = tmp_path / "sync.txt"
    src.write_text(MEETING)
    out = tmp_path / "out"
    folder = run_batch(collect_inputs(src), out, RunOptions(), BatchOptions()).folders[str(src)]
    before = _report(folder)
    ids = {s["name"]: s["id"] for s in before["speakers"]}
    assert ids.keys() == {"Tom", "Priya", "Maya", "Greg"}

    # Whisper-style fixes: a misheard figure, and a turn that was someone else's (a new name: a new speaker)
    vtt = folder / "transcript.vtt"
    _edit(vtt, "<v Greg>Sales needs at least four hundred and fifty thousand",
          "<v Tom>Sales needs at least four hundred and fifty thousand")
    _edit(vtt, "<v Priya>Let us meet again on Friday.", "<v Omar>Let us meet again on Friday.")
    r = run_cli("update", str(folder))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"report: {folder / 'report.html'}"
    after = _report(folder)
    speaker_of = {u["text"]: u["speaker"] for u in after["utterances"]}
    assert speaker_of["Sales needs at least four hundred and fifty thousand to close."] == ids["Tom"]
    omar = speaker_of["Let us meet again on Friday."]
    assert omar not in ids.values() and {s["id"]: s["name"] for s in after["speakers"]}[omar] == "Omar"
    assert "Greg" not in {s["name"] for s in after["speakers"]}   # he says nothing now
    # analysed again, not relabelled: no reason still names Greg
    assert any("Greg" in c["reason"] for c in before["conflicts"])
    assert after["conflicts"] and not any("Greg" in c["reason"] for c in after["conflicts"])
    assert after["edited"] == "transcript.vtt" and after["cache_key"] == before["cache_key"]
    assert any("corrected by hand" in n for n in after["notes"])
    with Store(out / "talkscan.db") as store:
        assert store.meeting_count() == 1

    # nothing changed since: a clear error, exit 2
    r = run_cli("update", str(folder))
    assert r.returncode == 2 and "no transcript was changed" in r.stderr and "Traceback" not in r.stderr

    # the batch finds the report current; made again (other options), it keeps the corrections
    again = run_batch(collect_inputs(src), out, RunOptions(), BatchOptions())
    assert again.skipped == [src]
    policy = tmp_path / "policy.toml"
    policy.write_text(run_cli("policy", "--show").stdout)
    run_batch(collect_inputs(src), out, RunOptions(policy=policy), BatchOptions())
    kept = _report(folder)
    assert {u["text"]: u["speaker"] for u in kept["utterances"]} == speaker_of and kept["edited"] == "transcript.vtt"
    run_batch(collect_inputs(src), out, RunOptions(names=["Tomas"]), BatchOptions())   # --names still names
    named = _report(folder)
    assert {s["id"]: s["name"] for s in named["speakers"]}[ids["Tom"]] == "Tomas" and named["edited"] == "transcript.vtt"
    # --force reads the input itself
    run_batch(collect_inputs(src), out, RunOptions(), BatchOptions(force=True))
    fresh = _report(folder)
    assert "edited" not in fresh and "Greg" in {s["name"] for s in fresh["speakers"]}
    # run as an input of its own, the report's transcript is another meeting, whose report says how to update
    other = run_batch(collect_inputs(vtt), out, RunOptions(), BatchOptions()).folders[str(vtt)]
    assert other != folder and any(f"talkscan update {folder}" in n for n in _report(other)["notes"])
    # so is its report.json, run into another folder: named after the meeting, not "report"
    rj = folder / "report.json"
    copy = run_batch(collect_inputs(rj), tmp_path / "elsewhere", RunOptions(), BatchOptions()).folders[str(rj)]
    assert copy.name == folder.name
    assert any(n.startswith(f"this is the report in {folder}") for n in _report(copy)["notes"])


def test_corrected_keeps_words_of_unchanged_utterances_and_no_estimated_times():
    words = [Word("Twelve", 1.0, 1.4, speaker="S0"), Word("weeks.", 1.4, 1.9, speaker="S0")]
    rec = Transcript("m.m4a", "recording", [Speaker("S0"), Speaker("S1", "Tom")], [
        Utterance("u0", 0, "S0", "Twelve weeks.", 1.0, 1.9, words),
        Utterance("u1", 1, "S1", "At least.", 2.0, 2.6, [Word("At", 2.0, 2.2), Word("least.", 2.2, 2.6)]),
    ])
    edit = Transcript("transcript.vtt", "transcript", [Speaker("S0", "S0"), Speaker("S1", "tom")], [
        Utterance("u0", 0, "S0", "Twelve weeks.", 1.0, 1.9),
        Utterance("u1", 1, "S1", "At the least.", 2.0, 2.6),
    ])
    t = corrected(rec, edit)
    assert t.kind == "recording" and t.source == "m.m4a"
    assert [(u.speaker, u.text) for u in t.utterances] == [("S0", "Twelve weeks."), ("S1", "At the least.")]
    assert [w.text for w in t.utterances[0].words] == ["Twelve", "weeks."] and t.utterances[1].words == []

    untimed = Transcript("m.txt", "transcript", [Speaker("S0", "Tom")], [Utterance("u0", 0, "S0", "Hi.")])
    t = corrected(untimed, Transcript("transcript.vtt", "transcript", [Speaker("S0", "Tom")],
                                      [Utterance("u0", 0, "S0", "Hello.", 0.0, 1.0)]))
    assert (t.utterances[0].start, t.utterances[0].end) == (None, None)


def test_names_added_in_the_edit_end_the_one_speaker_note(tmp_path):
    """Subtitles without names are read as one person's, and the report says so; once the user puts
    names on the cues, that note goes."""
    src = tmp_path / "call.srt"
    src.write_text("1\n00:00:01,000 --> 00:00:04,000\nIT needs twelve weeks for the rollout.\n\n"
                   "2\n00:00:05,000 --> 00:00:06,000\nTwelve weeks?\n\n"
                   "3\n00:00:07,000 --> 00:00:10,000\nGo-live on March first is fixed.\n")
    out = tmp_path / "out"
    folder = run_batch(collect_inputs(src), out, RunOptions(), BatchOptions()).folders[str(src)]
    assert any("names no speakers" in n for n in _report(folder)["notes"])
    vtt = folder / "transcript.vtt"
    voice = vtt.read_text(encoding="utf-8").split("<v ", 2)[1].split(">", 1)[0]
    _edit(vtt, f"<v {voice}>Twelve weeks?", "<v Priya>Twelve weeks?")
    _edit(vtt, f"<v {voice}>Go-live", "<v Priya>Go-live")
    update_report(folder)
    after = _report(folder)
    assert len(after["speakers"]) == 2 and not any("names no speakers" in n for n in after["notes"])


def _cues(*rows):
    """An edited transcript from (voice, text, start, end) rows."""
    voices = list(dict.fromkeys(r[0] for r in rows))
    return Transcript("transcript.vtt", "transcript", [Speaker(f"E{k}", v) for k, v in enumerate(voices)],
                      [Utterance(f"u{i}", i, f"E{voices.index(v)}", text, start, end)
                       for i, (v, text, start, end) in enumerate(rows)])


def test_a_voice_renamed_on_all_its_cues_is_the_same_speaker():
    rec = Transcript("m.m4a", "recording", [Speaker("S0", voice_score=0.81), Speaker("S1")], [
        Utterance("u0", 0, "S0", "Procurement needs it under ninety.", 0.3, 6.7,
                  [Word("Procurement", 0.3, 1.0, speaker="S0")]),
        Utterance("u1", 1, "S1", "Ninety?", 6.7, 7.98),
        Utterance("u2", 2, "S0", "That is the cap.", 8.12, 10.98),
    ])
    # <v S0> replaced by <v Maya> on both of S0's cues (times as the subtitles round them): a rename
    t = corrected(rec, _cues(("Maya", "Procurement needs it under ninety.", 0.3, 6.7), ("S1", "Ninety?", 6.7, 7.98),
                             ("Maya", "That is the cap, fine.", 8.1205, 10.98)))
    assert [(s.id, s.name, s.voice_score) for s in t.speakers] == [("S0", "Maya", None), ("S1", None, None)]
    assert [u.speaker for u in t.utterances] == ["S0", "S1", "S0"] and t.utterances[0].words
    # only one of S0's cues renamed: S0 is still there, so Maya is someone else
    t = corrected(rec, _cues(("Maya", "Procurement needs it under ninety.", 0.3, 6.7), ("S1", "Ninety?", 6.7, 7.98),
                             ("S0", "That is the cap.", 8.12, 10.98)))
    assert [(s.id, s.name) for s in t.speakers] == [("S2", "Maya"), ("S1", None), ("S0", None)]
    # S0 was two people: neither new voice takes S0's place
    t = corrected(rec, _cues(("Maya", "Procurement needs it under ninety.", 0.3, 6.7), ("S1", "Ninety?", 6.7, 7.98),
                             ("Greg", "That is the cap.", 8.12, 10.98)))
    assert {s.id for s in t.speakers} == {"S1", "S2", "S3"}


def test_update_keeps_a_renamed_speaker_in_history(tmp_path):
    src = tmp_path / "sync.txt"
    src.write_text(MEETING)
    out = tmp_path / "out"
    folder = run_batch(collect_inputs(src), out, RunOptions(), BatchOptions()).folders[str(src)]
    ids = {s["name"]: s["id"] for s in _report(folder)["speakers"]}
    vtt = folder / "transcript.vtt"
    _edit(vtt, "<v Priya>", "<v Priya Shah>")   # every one of Priya's cues
    update_report(folder)
    after = _report(folder)
    assert {s["id"]: s["name"] for s in after["speakers"]}[ids["Priya"]] == "Priya Shah"
    assert len(after["speakers"]) == 4 and after["renamed"] == {ids["Priya"]: "Priya Shah"}


def test_an_edit_is_found_by_its_content_not_its_time(tmp_path):
    src = tmp_path / "sync.txt"
    src.write_text(MEETING)
    folder = run_batch(collect_inputs(src), tmp_path / "out", RunOptions(), BatchOptions()).folders[str(src)]
    vtt, srt = folder / "transcript.vtt", folder / "transcript.srt"
    later = (folder / "report.json").stat().st_mtime + 5
    os.utime(vtt, (later, later))   # saved unchanged: not an edit
    r = run_cli("update", str(folder))
    assert r.returncode == 2 and "no transcript was changed" in r.stderr
    # edited, then the folder copied or synced so that report.json looks newer: still the edit
    srt.write_text(srt.read_text(encoding="utf-8").replace("four hundred thousand", "four hundred and ten thousand"),
                   encoding="utf-8")
    earlier = (folder / "report.json").stat().st_mtime - 60
    os.utime(srt, (earlier, earlier))
    update_report(folder)
    after = _report(folder)
    assert after["edited"] == "transcript.srt"
    assert any("four hundred and ten thousand" in u["text"] for u in after["utterances"])


def test_unanalysed_corrections_are_never_written_over(tmp_path):
    """A corrected transcript.vtt not yet analysed: `rename` refuses, and a batch that would make
    the report again fails that input alone with the way out, leaving the file as the user left it."""
    src, other = tmp_path / "sync.txt", tmp_path / "other.txt"
    src.write_text(MEETING)
    other.write_text(MEETING.replace("Greg", "Omar"))
    out = tmp_path / "out"
    folder = run_batch(collect_inputs(src), out, RunOptions(), BatchOptions()).folders[str(src)]
    vtt = folder / "transcript.vtt"
    _edit(vtt, "four hundred thousand dollars", "four hundred and ten thousand dollars")
    edited = vtt.read_text(encoding="utf-8")

    r = run_cli("rename", str(folder), "Tom=Thomas")
    assert r.returncode == 2 and "has corrections not analysed yet" in r.stderr and "talkscan update" in r.stderr
    assert vtt.read_text(encoding="utf-8") == edited

    result = run_batch([src, other], out, RunOptions(), BatchOptions(force=True))
    (failed, message), = result.failed
    assert failed == src and "was corrected but not analysed" in message and f"talkscan update {folder}" in message
    assert result.done == [other] and vtt.read_text(encoding="utf-8") == edited

    update_report(folder)   # analysed: now a redo may go ahead (and keeps it, short of --force)
    again = run_batch([src], out, RunOptions(policy=None, names=["Tomas"]), BatchOptions())
    assert again.done == [src] and not again.failed
    assert any("four hundred and ten thousand" in u["text"] for u in _report(folder)["utterances"])


def test_transcribe_again_keeps_a_corrected_subtitle_file(tmp_path):
    """`talkscan transcribe` has no report to update: the redo fails with the way out instead."""
    src = tmp_path / "sync.txt"
    src.write_text(MEETING)
    out = tmp_path / "out"
    folder = run_batch([src], out, RunOptions(), BatchOptions(transcript_only=True)).folders[str(src)]
    srt = folder / "transcript.srt"
    edited = srt.read_text(encoding="utf-8").replace("four hundred thousand", "four hundred and ten thousand")
    srt.write_text(edited, encoding="utf-8")
    result = run_batch([src], out, RunOptions(), BatchOptions(transcript_only=True, force=True))
    (_, message), = result.failed
    assert "disagree, so one was corrected by hand: copy them elsewhere" in message and "talkscan update" not in message
    assert srt.read_text(encoding="utf-8") == edited


def test_a_subtitle_file_from_an_earlier_release_is_not_a_correction(tmp_path):
    src = tmp_path / "sync.txt"
    src.write_text(MEETING)
    folder = run_batch(collect_inputs(src), tmp_path / "out", RunOptions(), BatchOptions()).folders[str(src)]
    vtt = folder / "transcript.vtt"
    # other notes, no cue numbers, Windows line ends and a byte-order mark: the same cues
    text = vtt.read_text(encoding="utf-8")
    text = "\ufeff" + re.sub(r"NOTE [^\n]*\n", "NOTE written by talkscan 0.9\n", text)
    text = re.sub(r"\n\d+\n(?=\d\d:)", "\n", text).replace("\n", "\r\n")
    vtt.write_bytes(text.encode("utf-8"))
    r = run_cli("update", str(folder))
    assert r.returncode == 2 and "no transcript was changed" in r.stderr


def test_a_corrected_transcript_json_is_found_by_content_and_never_written_over(tmp_path):
    """transcript.json corrected by hand: found by what it says (not its time, not its layout), named
    as the corrected file by a redo that would write over it and by `rename`, and analysed by `update`."""
    src = tmp_path / "sync.txt"
    src.write_text(MEETING)
    out = tmp_path / "out"
    folder = run_batch(collect_inputs(src), out, RunOptions(), BatchOptions()).folders[str(src)]
    tj = folder / "transcript.json"
    data = json.loads(tj.read_text(encoding="utf-8"))
    tj.write_text(json.dumps(data, indent=4), encoding="utf-8")   # laid out anew, saying the same
    r = run_cli("update", str(folder))
    assert r.returncode == 2 and "no transcript was changed" in r.stderr

    said = next(u for u in data["utterances"] if "four hundred thousand" in u["text"])
    said["text"] = said["text"].replace("four hundred thousand", "four hundred and ten thousand")
    tj.write_text(json.dumps(data), encoding="utf-8")
    earlier = (folder / "report.json").stat().st_mtime - 60
    os.utime(tj, (earlier, earlier))   # copied or synced: report.json looks newer
    edited = tj.read_text(encoding="utf-8")

    r = run_cli("rename", str(folder), "Tom=Thomas")
    assert r.returncode == 2 and "transcript.json has corrections not analysed yet" in r.stderr
    result = run_batch([src], out, RunOptions(), BatchOptions(force=True))
    (_, message), = result.failed
    assert message.startswith(f"{tj} was corrected but not analysed") and f"talkscan update {folder}" in message
    assert tj.read_text(encoding="utf-8") == edited

    # corrected in two files: which one is the user's to say, since the other is written over
    vtt = folder / "transcript.vtt"
    subtitles = vtt.read_text(encoding="utf-8")
    vtt.write_text(subtitles.replace("Let us meet again", "We meet again"), encoding="utf-8")
    r = run_cli("update", str(folder))
    assert r.returncode == 2 and "transcript.vtt and transcript.json both have corrections" in r.stderr
    assert "--from" in r.stderr and vtt.read_text(encoding="utf-8") != subtitles
    vtt.write_text(subtitles, encoding="utf-8")

    update_report(folder)
    after = _report(folder)
    assert after["edited"] == "transcript.json"
    assert any("four hundred and ten thousand" in u["text"] for u in after["utterances"])
    r = run_cli("update", str(folder))
    assert r.returncode == 2 and "no transcript was changed" in r.stderr


def test_times_finer_than_report_json_keeps_are_no_correction(tmp_path):
    """report.json keeps times to the hundredth, the subtitles and transcript.json to the millisecond:
    a report of a transcript timed in milliseconds is not taken for a corrected one, and a correction
    of either kind is still found, alone."""
    src = tmp_path / "sync.vtt"
    src.write_text("WEBVTT\n\n00:00:01.234 --> 00:00:05.767\n<v Maya>We need the price under four hundred "
                   "thousand dollars.\n\n00:00:06.005 --> 00:00:07.125\n<v Greg>Under four hundred thousand?\n\n"
                   "00:00:07.515 --> 00:00:11.333\n<v Greg>Sales needs at least four hundred and fifty thousand.\n")
    out = tmp_path / "out"
    folder = run_batch([src], out, RunOptions(), BatchOptions()).folders[str(src)]
    r = run_cli("update", str(folder))
    assert r.returncode == 2 and "no transcript was changed" in r.stderr
    again = run_batch([src], out, RunOptions(), BatchOptions(force=True))
    assert again.done == [src] and not again.failed
    r = run_cli("rename", str(folder), "Maya=Maya Chen")
    assert r.returncode == 0, r.stderr

    from talkscan.rename import load_report
    from talkscan.update import pending_corrections

    vtt, tj = folder / "transcript.vtt", folder / "transcript.json"
    text = vtt.read_text(encoding="utf-8")
    vtt.write_text(text.replace("fifty thousand", "sixty thousand"), encoding="utf-8")
    assert pending_corrections(folder, *reversed(load_report(folder))) == [vtt]
    vtt.write_text(text, encoding="utf-8")
    data = json.loads(tj.read_text(encoding="utf-8"))
    data["utterances"][0]["text"] = data["utterances"][0]["text"].replace("four hundred", "four hundred and ten")
    tj.write_text(json.dumps(data), encoding="utf-8")
    assert pending_corrections(folder, *reversed(load_report(folder))) == [tj]


def test_a_speaker_named_blank_is_no_correction(tmp_path):
    """A talkscan transcript given as input with a blank name ("", which report.json writes as no
    name): its report is not taken for a corrected one."""
    src = tmp_path / "sync.txt"
    src.write_text(MEETING)
    folder = run_batch([src], tmp_path / "out", RunOptions(), BatchOptions()).folders[str(src)]
    data = json.loads((folder / "transcript.json").read_text(encoding="utf-8"))
    data["speakers"][0]["name"] = ""
    blank = tmp_path / "blank.json"
    blank.write_text(json.dumps(data), encoding="utf-8")
    other = run_batch([blank], tmp_path / "out", RunOptions(), BatchOptions()).folders[str(blank)]
    r = run_cli("update", str(other))
    assert r.returncode == 2 and "no transcript was changed" in r.stderr


def test_another_meetings_transcript_is_refused_and_the_report_kept(tmp_path):
    """`update --from` took any transcript: the report (its name, date, history row) became another
    meeting's. A correction keeps most word pairs; Whisper's words against the written transcript of
    the same sample meeting keep about 0.9 of them."""
    from conftest import SAMPLES

    out = tmp_path / "out"
    assert run_cli("run", str(SAMPLES / "pricing-sync.vtt"), "--out", str(out), "--quiet").returncode == 0
    folder = out / "pricing-sync"
    before = (folder / "report.json").read_bytes()
    r = run_cli("update", str(folder), "--from", str(SAMPLES / "overuse.txt"), "--quiet")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    [line] = r.stderr.strip().splitlines()
    assert line.startswith(f"talkscan: error: {SAMPLES / 'overuse.txt'}: shares only ") and "another meeting's?" in line
    assert (folder / "report.json").read_bytes() == before
    # the same meeting's other transcript, and the report's own cut down to a third, are corrections
    assert run_cli("update", str(folder), "--from", str(SAMPLES / "pricing-sync.txt"), "--quiet").returncode == 0
    cues = (folder / "transcript.vtt").read_text(encoding="utf-8").split("\n\n")
    short = tmp_path / "short.vtt"
    short.write_text("\n\n".join(cues[: len(cues) // 3]) + "\n", encoding="utf-8")
    r = run_cli("update", str(folder), "--from", str(short), "--quiet")
    assert r.returncode == 0, r.stderr


def test_one_speakers_consecutive_utterances_stay_apart_after_a_correction(tmp_path):
    # "Name: text" lines are one utterance each, and transcript.vtt one cue per utterance; read back
    # as a meeting export, one speaker's consecutive cues would be joined into one turn
    src = tmp_path / "sync.txt"
    src.write_text("Maya: We need the price under two hundred thousand.\n"
                   "Maya: And I want the SOW by Friday.\n"
                   "Tom: IT needs at least twelve weeks for the rollout.\n"
                   "Tom: The migration alone is six.\n")
    folder = run_batch(collect_inputs(src), tmp_path / "out", RunOptions(), BatchOptions()).folders[str(src)]
    texts = [u["text"] for u in _report(folder)["utterances"]]
    assert len(texts) == 4
    for name, old, new in (("transcript.vtt", "Friday", "Thursday"), ("transcript.srt", "six", "seven")):
        _edit(folder / name, old, new)
        update_report(folder)
        texts = [x.replace(old, new) for x in texts]
        assert [u["text"] for u in _report(folder)["utterances"]] == texts
