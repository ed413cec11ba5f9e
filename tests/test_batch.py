"""Batch runs (issue 5): a folder with recordings, a transcript, a corrupt and a silent file; resume
after SIGKILL; a rerun that redoes nothing; the Dask path against local workers.

Recordings are short clips cut from data/samples/pricing-sync.m4a and run through the real Whisper
and diarization. Analysis needs the trained heads in models/: the batch tests run without it
(analyze=False: the report is still complete and keyed), and one test runs it when the heads exist.
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SAMPLES, encode_m4a
from talkscan.batch import BatchOptions, BatchResult, Job, meeting_date, process_file, run_batch
from talkscan.pipeline import RunOptions, collect_inputs
from talkscan.resume import REPORT_FILES, cache_key, report_is_current
from talkscan.store import Store

CLIPS = [(0.5, 12.3), (12.8, 25.0), (25.0, 36.5)]


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> list[Path]:
    """Three ~12 s recordings of the sample meeting, made once per session."""
    from talkscan.audio import decode

    audio = decode(SAMPLES / "pricing-sync.m4a")
    folder = tmp_path_factory.mktemp("clips")
    return [
        encode_m4a(audio[int(a * 16000) : int(b * 16000)], folder / f"2024-05-0{i + 1}-pricing-part{i + 1}.m4a")
        for i, (a, b) in enumerate(CLIPS)
    ]


def _folder(tmp_path: Path, clips: list[Path], n_clips: int = 2, bad: bool = True) -> Path:
    import numpy as np

    inp = tmp_path / "in"
    inp.mkdir()
    for c in clips[:n_clips]:
        (inp / c.name).write_bytes(c.read_bytes())
    (inp / "sync-notes.txt").write_text((SAMPLES / "pricing-sync.txt").read_text())
    if bad:
        (inp / "corrupt.m4a").write_bytes(b"\x00\x01 this is not audio " * 200)
        encode_m4a(np.zeros(16000 * 3, dtype=np.float32), inp / "silent.m4a")
    return inp


def _valid_report(folder: Path) -> dict:
    for name in REPORT_FILES:
        assert (folder / name).is_file(), f"{folder.name}/{name} missing"
    assert not list(folder.glob(".*.tmp")), f"temporary files left in {folder}"
    report = json.loads((folder / "report.json").read_text())
    assert report["schema"] == "talkscan.report/1"
    assert len(report["cache_key"]) == 32
    return report


NO_ANALYSIS = RunOptions(analyze=False)


def test_folder_batch_reports_failures_index_and_rerun(tmp_path, clips):
    inp = _folder(tmp_path, clips)
    out = tmp_path / "out"
    files = collect_inputs(inp)
    events = []
    result = run_batch(files, out, NO_ANALYSIS, BatchOptions(workers=2), events.append)

    good = sorted(p.name for p in files if p.stem not in ("corrupt", "silent"))
    assert sorted(p.name for p in result.done) == good
    assert sorted(p.name for p, _ in result.failed) == ["corrupt.m4a", "silent.m4a"]
    msgs = dict((p.name, m) for p, m in result.failed)
    assert "corrupt" in msgs["corrupt.m4a"] or "cannot" in msgs["corrupt.m4a"]
    assert "silent" in msgs["silent.m4a"]
    for f in result.done:
        report = _valid_report(result.folders[str(f)])
        assert report["source"] == str(f)
    assert report_is_current(result.folders[str(inp / clips[0].name)], cache_key(inp / clips[0].name, NO_ANALYSIS))
    # no half folder for the bad inputs
    assert not (out / "corrupt").exists() and not (out / "silent").exists()

    # progress: one plan, a start and an end per processed input, finished counts up to the total
    kinds = [e.kind for e in events]
    assert kinds[0] == "plan" and kinds[-1] == "finish"
    assert kinds.count("start") == 5 and kinds.count("done") == 3 and kinds.count("fail") == 2
    assert events[-1].finished == events[-1].total == 5 and events[-1].running == ()

    with Store(result.db) as store:
        meetings = store.meetings()
        assert sorted(Path(m.source).name for m in meetings) == good
        dated = {Path(m.source).name: m.date for m in meetings}
        assert dated[clips[0].name] == "2024-05-01" and dated["sync-notes.txt"] is None
        assert sorted(Path(f.source).name for f in store.failures()) == ["corrupt.m4a", "silent.m4a"]
        assert {s["name"] for m in meetings if m.kind == "transcript" for s in m.speakers} >= {"Maya", "Greg"}

    index = (out / "index.html").read_text()
    for name in good:
        assert Path(name).stem in index
    assert "corrupt.m4a" in index and "silent.m4a" in index
    assert 'href="sync-notes/report.html"' in index
    assert "<script" not in index

    # a rerun with nothing changed redoes nothing: no report file is rewritten, bad inputs are not retried
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file() and p.name != "index.html"}
    mtimes.pop(out / "talkscan.db")
    again = run_batch(files, out, NO_ANALYSIS, BatchOptions(workers=2))
    assert again.done == [] and sorted(p.name for p in again.skipped) == good
    assert sorted(p.name for p, _ in again.failed) == ["corrupt.m4a", "silent.m4a"]
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes
    with Store(again.db) as store:
        assert store.meeting_count() == 3
        assert all(f.attempts == 1 for f in store.failures())

    # --force redoes a current report (the transcript only, to keep the test short; in this process)
    notes = inp / "sync-notes.txt"
    forced = run_batch([notes], out, NO_ANALYSIS, BatchOptions(workers=1, force=True))
    assert forced.done == [notes] and forced.skipped == []
    assert (out / "sync-notes" / "report.json").stat().st_mtime_ns > mtimes[out / "sync-notes" / "report.json"]
    with Store(forced.db) as store:
        assert store.meeting_count() == 3


def test_invalid_or_stale_report_is_redone(tmp_path):
    inp = tmp_path / "in"
    inp.mkdir()
    for name in ("pricing-sync.txt", "overuse.txt"):
        (inp / name).write_text((SAMPLES / name).read_text())
    out = tmp_path / "out"
    files = collect_inputs(inp)
    first = run_batch(files, out, NO_ANALYSIS, BatchOptions())
    assert len(first.done) == 2
    # a report.json cut short (as by a crash of some other writer) and a leftover temporary
    (out / "overuse" / "report.json").write_text('{"schema": "talkscan.report/1", "cache')
    (out / "overuse" / ".report.html.abc.tmp").write_text("half")
    # an edited input: its key changes
    (inp / "pricing-sync.txt").write_text((SAMPLES / "pricing-sync.txt").read_text() + "Maya: One more thing.\n")
    second = run_batch(files, out, NO_ANALYSIS, BatchOptions())
    assert sorted(p.name for p in second.done) == ["overuse.txt", "pricing-sync.txt"]
    for f in files:
        _valid_report(second.folders[str(f)])
    with Store(second.db) as store:
        assert store.meeting_count() == 2
    # changed options change the key: a transcript ignores ASR options but not --names
    opts = RunOptions(analyze=False, names=["A", "B"])
    assert cache_key(files[0], opts) != cache_key(files[0], NO_ANALYSIS)
    from talkscan.asr import AsrOptions

    assert cache_key(files[0], RunOptions(analyze=False, asr=AsrOptions(model="small.en"))) == cache_key(
        files[0], NO_ANALYSIS
    )
    assert cache_key(files[0], RunOptions(analyze=False, asr=AsrOptions(threads=3))) == cache_key(files[0], NO_ANALYSIS)


def test_cache_key_covers_recording_options_and_policy(tmp_path, clips):
    from talkscan.asr import AsrOptions
    from talkscan.pipeline import SpeakerOptions

    clip = clips[0]
    base = cache_key(clip, RunOptions())
    assert cache_key(clip, RunOptions(asr=AsrOptions(language="de"))) != base
    assert cache_key(clip, RunOptions(speakers=SpeakerOptions(num_speakers=2))) != base
    assert cache_key(clip, RunOptions(asr=AsrOptions(threads=2))) == base
    policy = tmp_path / "p.toml"
    policy.write_text("# defaults\n")
    with_policy = cache_key(clip, RunOptions(policy=policy))
    assert with_policy != base
    policy.write_text("# changed\n")
    assert cache_key(clip, RunOptions(policy=policy)) != with_policy
    assert cache_key(clip, RunOptions(), transcript_only=True) != base


def test_more_speakers_asked_than_the_speech_holds_gets_a_note(clips):
    """`--speakers 60` on a 12 s clip cut it into one speaker per stretch of speech, and said nothing."""
    from talkscan.pipeline import SpeakerOptions, transcript_from_recording

    t = transcript_from_recording(clips[0], RunOptions(analyze=False, speakers=SpeakerOptions(num_speakers=60)))
    (note,) = [n for n in t.notes if "--speakers 60" in n]
    assert f"{len(t.speakers)} speakers found" in note and len(t.speakers) < 60
    assert not [n for n in transcript_from_recording(clips[0], RunOptions(analyze=False, speakers=SpeakerOptions(
        num_speakers=2))).notes if "--speakers" in n]


def test_code_fingerprint_follows_the_package_files(tmp_path):
    import shutil

    import talkscan.resume as resume

    pkg = tmp_path / "talkscan"
    shutil.copytree(Path(resume.__file__).parent, pkg, ignore=shutil.ignore_patterns("__pycache__"))
    before = resume.code_fingerprint(pkg)
    assert before == resume.code_fingerprint()  # the copy is the installed code
    (pkg / "nlp" / "__pycache__").mkdir()
    (pkg / "nlp" / "__pycache__" / "restatements.cpython-311.pyc").write_bytes(b"compiled")
    assert resume.code_fingerprint(pkg) == before  # compiled caches are not the code
    rules = pkg / "nlp" / "restatements.py"
    rules.write_text(rules.read_text() + "\n# a changed decoding rule\n")
    after_rule = resume.code_fingerprint(pkg)
    assert after_rule != before
    css = pkg / "report" / "templates" / "report.css"
    css.write_text(css.read_text() + "\n/* a changed layout */\n")
    assert resume.code_fingerprint(pkg) not in (before, after_rule)


def test_reports_made_by_other_code_are_redone_once(tmp_path, monkeypatch):
    """An upgrade changes talkscan's code, not always its version or weights: its reports are redone."""
    import shutil

    import talkscan.resume as resume

    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(SAMPLES / "overuse.txt", inp)
    files = collect_inputs(inp)
    out = tmp_path / "out"

    def made_by(code: str) -> BatchResult:
        monkeypatch.setattr(resume, "code_fingerprint", lambda package=None: code)
        resume._model_versions.cache_clear()
        return run_batch(files, out, NO_ANALYSIS, BatchOptions())

    try:
        assert len(made_by("old release").done) == 1
        assert len(made_by("old release").skipped) == 1
        upgraded = made_by("new release")
        assert [p.name for p in upgraded.done] == ["overuse.txt"] and not upgraded.skipped
        assert len(made_by("new release").skipped) == 1
    finally:
        monkeypatch.undo()
        resume._model_versions.cache_clear()


def test_a_deleted_report_leaves_the_history_and_index(tmp_path):
    import shutil

    from talkscan.batch import history_text

    inp = tmp_path / "in"
    inp.mkdir()
    for name in ("overuse.txt", "pricing-sync.txt"):
        shutil.copy(SAMPLES / name, inp)
    out = tmp_path / "out"
    run_batch(collect_inputs(inp), out, NO_ANALYSIS, BatchOptions())
    assert 'href="overuse/report.html"' in (out / "index.html").read_text()
    assert "Dana" in history_text(out / "talkscan.db")
    shutil.rmtree(out / "overuse")   # the user deletes a report they no longer want
    shown = history_text(out / "talkscan.db")
    assert "overuse" not in shown and "pricing-sync" in shown and "Dana" not in shown
    again = run_batch([inp / "pricing-sync.txt"], out, NO_ANALYSIS, BatchOptions())
    assert again.skipped == [inp / "pricing-sync.txt"]
    with Store(again.db) as store:
        assert store.meeting_count() == 1
    index = (out / "index.html").read_text()
    assert 'href="overuse/report.html"' not in index and 'href="pricing-sync/report.html"' in index


def test_another_meeting_of_the_same_name_gets_its_own_folder(tmp_path):
    """Two teams' standup.txt, analysed on different days into one --out: the second must not
    overwrite the first meeting's report; the same file again (edited or moved) keeps its folder."""
    import shutil

    a, b = tmp_path / "team-a" / "standup.txt", tmp_path / "team-b" / "standup.txt"
    for path, sample in ((a, "overuse.txt"), (b, "missing.txt")):
        path.parent.mkdir()
        shutil.copy(SAMPLES / sample, path)
    out = tmp_path / "out"
    first = run_batch([a], out, NO_ANALYSIS, BatchOptions())
    second = run_batch([b], out, NO_ANALYSIS, BatchOptions())
    assert first.folders[str(a)].name == "standup" and second.folders[str(b)].name == "standup-txt"
    assert json.loads((out / "standup" / "report.json").read_text())["source"] == str(a)
    assert run_batch([a], out, NO_ANALYSIS, BatchOptions()).skipped == [a]
    a.write_text(a.read_text() + "Mark: One more thing.\n")      # edited: the same meeting, redone in place
    assert run_batch([a], out, NO_ANALYSIS, BatchOptions()).folders[str(a)].name == "standup"
    moved = tmp_path / "archive" / "standup.txt"                # moved, unchanged: still its folder
    moved.parent.mkdir()
    shutil.copy(b, moved)
    again = run_batch([moved], out, NO_ANALYSIS, BatchOptions())
    assert again.folders[str(moved)].name == "standup-txt" and again.skipped == [moved]
    with Store(out / "talkscan.db") as store:
        assert store.meeting_count() == 2
    # both in one run, the one whose folder the other holds first: still one folder each, their own
    both = run_batch([a, b], out, NO_ANALYSIS, BatchOptions(force=True))
    assert [both.folders[str(x)].name for x in (a, b)] == ["standup", "standup-txt"]
    c = tmp_path / "team-c" / "standup.txt"
    c.parent.mkdir()
    shutil.copy(SAMPLES / "pricing-sync.txt", c)
    three = run_batch([c, b, a], tmp_path / "out", NO_ANALYSIS, BatchOptions())
    names = [three.folders[str(x)].name for x in (c, b, a)]
    assert names[1:] == ["standup-txt", "standup"] and names[0] not in names[1:]
    assert len(set(names)) == 3


def test_a_transcript_talkscan_wrote_is_named_after_its_meeting(tmp_path):
    """transcript.vtt of a report, edited to mend a misheard word and run again, is that meeting's
    transcript, not a meeting called "transcript"; it does not replace the report it came from."""
    import shutil

    src = tmp_path / "pricing-sync.txt"
    shutil.copy(SAMPLES / "pricing-sync.txt", src)
    out = tmp_path / "out"
    run_batch([src], out, NO_ANALYSIS, BatchOptions())
    vtt = out / "pricing-sync" / "transcript.vtt"
    vtt.write_text(vtt.read_text().replace("four hundred thousand", "three hundred thousand"))
    edited = run_batch([vtt], out, NO_ANALYSIS, BatchOptions())
    assert edited.folders[str(vtt)] == out / "pricing-sync-vtt"
    assert json.loads((out / "pricing-sync" / "report.json").read_text())["source"] == str(src)
    elsewhere = tmp_path / "notes" / "transcript.vtt"   # a file merely called so keeps its own name
    elsewhere.parent.mkdir()
    shutil.copy(vtt, elsewhere)
    assert run_batch([elsewhere], out, NO_ANALYSIS, BatchOptions()).folders[str(elsewhere)] == out / "transcript"


def test_a_folder_scan_passes_over_talkscans_own_reports(tmp_path):
    """`talkscan run . -r` run twice in a folder read the first run's transcript.vtt/.srt/.json and
    report.json back in as new meetings: the history counted each meeting five times."""
    (tmp_path / "m1.txt").write_text((SAMPLES / "pricing-sync.txt").read_text())
    first = run_batch(collect_inputs(tmp_path, recursive=True), tmp_path / "talkscan-reports", NO_ANALYSIS, BatchOptions())
    folder = first.folders[str(tmp_path / "m1.txt")]
    assert (folder / "transcript.vtt").is_file()
    assert collect_inputs(tmp_path, recursive=True) == [tmp_path / "m1.txt"]
    # named on its own, a report's (corrected) transcript is still read
    assert collect_inputs(folder / "transcript.vtt") == [folder / "transcript.vtt"]


def test_meeting_date():
    assert meeting_date(Path("2024-05-03 pricing.m4a")) == "2024-05-03"
    assert meeting_date(Path("sync_20240503.txt")) == "2024-05-03"
    assert meeting_date(Path("notes-12345678901.txt")) is None


def test_meeting_date_from_a_transcript_header(tmp_path):
    """A Meet or Teams transcript carries its date at the top; the history used to date it by the
    file's time, which is when it was downloaded."""
    meet = tmp_path / "sync.txt"
    meet.write_text("Vendor renewal sync (Nov 26, 2026) - Transcript\n\nMaya Chen: We need it.\n", encoding="utf-16")
    assert meeting_date(meet) == "2026-11-26"
    plain = tmp_path / "plain.txt"
    plain.write_text("Maya: sign by March 3, 2027?\nGreg: Fine.\n")
    assert meeting_date(plain) is None


def test_failing_input_leaves_nothing_behind(tmp_path):
    bad = tmp_path / "broken.vtt"
    bad.write_text("this is not WEBVTT at all")
    folder = tmp_path / "out" / "broken"
    outcome = process_file(Job(str(bad), str(folder), NO_ANALYSIS, "k" * 32, "h"))
    assert not outcome.ok and outcome.message and outcome.input_error
    assert not folder.exists()


def test_a_failed_redo_keeps_the_previous_report(tmp_path, monkeypatch):
    """An input that fails on a rerun (the file broken since), or a rerun stopped with Ctrl-C, leaves
    the previous report as it was: it used to be deleted, hand corrections and history row with it."""
    inp = tmp_path / "m.txt"
    inp.write_text((SAMPLES / "pricing-sync.txt").read_text())
    out = tmp_path / "out"
    first = run_batch([inp], out, NO_ANALYSIS, BatchOptions())
    folder = first.folders[str(inp)]
    before = {n: (folder / n).read_bytes() for n in REPORT_FILES}
    inp.write_text("")   # now unreadable
    failed = run_batch([inp], out, NO_ANALYSIS, BatchOptions(force=True))
    assert not failed.done and failed.failed
    assert {n: (folder / n).read_bytes() for n in REPORT_FILES} == before
    with Store(failed.db) as store:
        assert store.meeting_count() == 1
    # the index says the kept report is of the input as it was, and why
    index = (out / "index.html").read_text()
    assert "latest run failed: report kept from before" in index and "Failed inputs" in index

    import talkscan.pipeline

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    inp.write_text((SAMPLES / "pricing-sync.txt").read_text() + "Maya: One more thing.\n")
    monkeypatch.setattr(talkscan.pipeline, "load_transcript", interrupted)
    with pytest.raises(KeyboardInterrupt):
        process_file(Job(str(inp), str(folder), NO_ANALYSIS, "k" * 32, "h", fresh=True))
    assert {n: (folder / n).read_bytes() for n in REPORT_FILES} == before


@pytest.mark.parametrize("failure", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_redo_that_fails_while_writing_keeps_the_previous_report(tmp_path, monkeypatch, failure):
    """A full disk, or Ctrl-C, while the new report's files were being written: the marker had been
    removed first, so the folder looked half-written and the previous report, hand corrections and
    all, was deleted (disk full) or left without its marker to be transcribed again (Ctrl-C)."""
    import talkscan.report.files as files

    inp = tmp_path / "m.txt"
    inp.write_text((SAMPLES / "pricing-sync.txt").read_text())
    out = tmp_path / "out"
    folder = run_batch([inp], out, NO_ANALYSIS, BatchOptions()).folders[str(inp)]
    before = {n: (folder / n).read_bytes() for n in REPORT_FILES}
    real, written = files.tempfile.mkstemp, []

    def fourth_fails(*a, **k):
        if len(written) == 3:   # transcript.vtt, .srt and .json are down; report.html is not
            raise failure
        written.append(k.get("prefix"))
        return real(*a, **k)

    monkeypatch.setattr(files.tempfile, "mkstemp", fourth_fails)
    job = Job(str(inp), str(folder), NO_ANALYSIS, "k" * 32, "h", fresh=True)
    if isinstance(failure, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            process_file(job)
    else:
        assert not process_file(job).ok
    assert {n: (folder / n).read_bytes() for n in REPORT_FILES} == before
    assert not list(folder.glob(".*.tmp"))


def _reports(out: Path) -> dict[str, Path]:
    return {p.parent.name: p for p in out.glob("*/report.json")}


def test_sigkill_mid_batch_then_resume(tmp_path, clips):
    """`talkscan run FOLDER --workers 2` killed with SIGKILL (the whole process group) mid-batch,
    then run again: every input ends with exactly one complete report, each meeting once in the DB."""
    inp = _folder(tmp_path, clips, n_clips=2, bad=False)
    (inp / "overuse.txt").write_text((SAMPLES / "overuse.txt").read_text())
    files = collect_inputs(inp)
    out = tmp_path / "out"
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    cmd = [sys.executable, "-m", "talkscan.cli", "run", str(inp), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(cmd + ["--quiet"], env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if 0 < len(_reports(out)) < len(files):
                break
            time.sleep(0.02)
        assert proc.poll() is None, f"the batch ended before it could be killed:\n{proc.stdout.read().decode()}"
        done_before = len(_reports(out))
        assert 0 < done_before < len(files)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert "Traceback" not in again.stderr
    assert again.stderr.count("skipped (report is current)") >= 1  # reports completed before the kill were kept
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == sorted(f.stem for f in files)  # one folder per input, nothing else
    for f in files:
        report = _valid_report(out / f.stem)
        assert report["source"] == str(f)
    assert not list(out.rglob("*.tmp"))
    with Store(out / "talkscan.db") as store:
        sources = [m.source for m in store.meetings()]
    assert sorted(sources) == sorted(str(f) for f in files)  # each meeting exactly once


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


@pytest.mark.skipif(not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
                    reason="needs /proc/PID/task/PID/children (Linux) to see the workers start")
def test_ctrl_c_twice_while_workers_start_is_one_line(tmp_path):
    """Ctrl-C reaches the whole process group. Pressed while `--workers 2` was starting its worker
    processes, each worker printed a traceback of its own (cut off mid-import), and a second
    Ctrl-C one of the parent's exit handlers. The run must end with one line and exit 130, the
    workers gone."""
    inp = tmp_path / "in"
    inp.mkdir()
    for k in range(6):
        (inp / f"m{k}.txt").write_text((SAMPLES / "pricing-sync.txt").read_text())
    cmd = [sys.executable, "-m", "talkscan.cli", "run", str(inp), "--out", str(tmp_path / "out"), "--workers", "2"]
    proc = subprocess.Popen(cmd, env=dict(os.environ, HF_HUB_OFFLINE="1"), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and len(_children(proc.pid)) < 2:
            time.sleep(0.01)
        workers = _children(proc.pid)
        assert proc.poll() is None and workers, "the run ended before its workers started"
        time.sleep(0.3)   # the workers are importing
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.3)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err.strip().splitlines()[-1] == "talkscan: error: interrupted"
    time.sleep(0.5)
    assert not [w for w in workers if Path(f"/proc/{w}").exists()
                and "zombie" not in Path(f"/proc/{w}/status").read_text().lower()], "workers outlived the run"


def _comparable(report: dict) -> dict:
    """report.json apart from what may differ between runs: timings and paths (none today)."""
    return {k: v for k, v in report.items() if k not in ("created", "elapsed_s")}


def test_dask_local_cluster_gives_the_same_reports(tmp_path, clips):
    distributed = pytest.importorskip("distributed")
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / clips[0].name).write_bytes(clips[0].read_bytes())
    (inp / "sync-notes.txt").write_text((SAMPLES / "pricing-sync.txt").read_text())
    files = collect_inputs(inp)
    local = run_batch(files, tmp_path / "local", NO_ANALYSIS, BatchOptions(workers=2))
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        dask = run_batch(files, tmp_path / "dask", NO_ANALYSIS, BatchOptions(scheduler=cluster.scheduler_address))
    assert local.ok and dask.ok
    assert sorted(dask.done) == sorted(local.done) == sorted(files)
    for f in files:
        a = json.loads((local.folders[str(f)] / "report.json").read_text())
        b = json.loads((dask.folders[str(f)] / "report.json").read_text())
        assert _comparable(a) == _comparable(b)
        assert a["utterances"], f"{f.name}: no utterances"


def _heads_present() -> bool:
    from talkscan.nlp.analyzer import HEAD_NAMES, default_models_dir

    d = default_models_dir()
    return all((d / f"{n}.safetensors").is_file() for n in HEAD_NAMES)


def test_batch_with_analysis_fills_history(tmp_path):
    if not _heads_present():
        pytest.skip("the trained classifier heads are not in models/ yet")
    inp = tmp_path / "in"
    inp.mkdir()
    for name in ("pricing-sync.txt", "overuse.txt", "missing.txt"):
        (inp / name).write_text((SAMPLES / name).read_text())
    result = run_batch(collect_inputs(inp), tmp_path / "out", RunOptions(), BatchOptions())
    assert result.ok, result.failed
    with Store(result.db) as store:
        n_moves = store.db.execute("SELECT COUNT(*) FROM moves").fetchone()[0]
        n_asks = store.db.execute("SELECT COUNT(*) FROM asks").fetchone()[0]
    reports = [json.loads((f / "report.json").read_text()) for f in result.folders.values()]
    assert n_moves == sum(len(u["tags"]) for r in reports for u in r["utterances"]) > 0
    assert n_asks == sum(len(r["asks"]) for r in reports) > 0
    index = (tmp_path / "out" / "index.html").read_text()
    assert "Maya" in index and "<svg" in index


def test_a_transcript_naming_nobody_is_done_with_a_note(tmp_path):
    """Moves between people cannot be found in one person's speech: say so, rather than leave a
    report that looks as if nobody paraphrased or clashed."""
    if not _heads_present():
        pytest.skip("the trained classifier heads are not in models/ yet")
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "named.txt").write_text((SAMPLES / "pricing-sync.txt").read_text())
    vtt = (SAMPLES / "pricing-sync.vtt").read_text()
    (inp / "nameless.vtt").write_text(re.sub(r"<v [^>]+>|</v>", "", vtt))
    events = []
    result = run_batch(collect_inputs(inp), tmp_path / "out", RunOptions(), BatchOptions(index=False), events.append)
    assert result.ok, result.failed
    notes = {Path(e.source).name: e.message for e in events if e.kind == "done"}
    assert notes["named.txt"] is None
    assert "names no speakers" in notes["nameless.vtt"]
    # the report says it too, for whoever reads it without the command line
    report = json.loads((result.folders[str(inp / "nameless.vtt")] / "report.json").read_text())
    assert report["notes"] == [notes["nameless.vtt"]]
    page = html.unescape((result.folders[str(inp / "nameless.vtt")] / "report.html").read_text())
    assert f"Note: {notes['nameless.vtt']}" in re.sub(r"<[^>]+>", "", page)
    assert json.loads((result.folders[str(inp / "named.txt")] / "report.json").read_text())["notes"] == []


def test_one_voice_or_another_language_gets_a_note():
    from talkscan.notes import report_notes
    from talkscan.transcript import Speaker, Transcript, Utterance

    utts = [Utterance(id=f"u{i}", turn=i, speaker="S0", text="Twelve weeks.") for i in range(3)]
    t = Transcript(source="a.m4a", kind="recording", speakers=[Speaker(id="S0")], utterances=utts)
    assert len(report_notes(t)) == 1 and "--speakers" in report_notes(t)[0]
    t.utterances[1].speaker = "S1"
    assert report_notes(t) == []
    t.language = "de"
    assert len(report_notes(t)) == 1 and "English only" in report_notes(t)[0]
    t.utterances[1].speaker = "S0"
    assert len(report_notes(t)) == 2
    # a transcript of one named person does name a speaker: the note says who, not "names no speakers"
    t.kind, t.language, t.speakers = "transcript", "en", [Speaker(id="S0", name="Maya")]
    (note,) = report_notes(t)
    assert note.startswith("only Maya speaks") and "names no speakers" not in note
    t.speakers = [Speaker(id="S0")]
    assert "names no speakers" in report_notes(t)[0]


def test_turns_that_name_no_speaker_among_named_ones_get_a_note(tmp_path):
    """Zoom leaves unnamed the cues of people it could not tell; they are read as one person's."""
    from talkscan.notes import report_notes
    from talkscan.readers import read_transcript

    cues = [("Maya Chen: ", "We need the price under four twenty."), ("", "Under four twenty? That is a big ask."),
            ("Maya Chen: ", "It is what the board approved."), ("", "HR needs the checks done first.")]
    vtt = "WEBVTT\n\n" + "".join(f"00:00:{4 * k:02d}.000 --> 00:00:{4 * k + 3:02d}.000\n{who}{text}\n\n"
                                  for k, (who, text) in enumerate(cues))
    (tmp_path / "zoom.vtt").write_text(vtt)
    t = read_transcript(tmp_path / "zoom.vtt")
    (note,) = report_notes(t)
    assert note.startswith("2 of 4 turns name no speaker and were read as one person's (S1)")
    # one unnamed turn, or none, is nobody's group; a recording's voices are told apart by sound
    t.utterances[3].speaker = "S0"
    assert report_notes(t) == []
    t.utterances[3].speaker, t.kind = "S1", "recording"
    assert report_notes(t) == []


def test_more_names_than_speakers_gets_a_note():
    from talkscan.notes import report_notes
    from talkscan.transcript import Speaker, Transcript, Utterance

    utts = [Utterance(id=f"u{i}", turn=i, speaker=f"S{i % 2}", text="Twelve weeks.") for i in range(4)]
    t = Transcript(source="a.m4a", kind="recording", speakers=[Speaker(id="S0"), Speaker(id="S1")], utterances=utts)
    assert report_notes(t, ["Maya", "Greg"]) == [] and report_notes(t, ["Maya", " ", ""]) == []
    assert "so Tom named nobody" in report_notes(t, ["Maya", "", "Tom"])[0]   # blank: S1 keeps its name
    (note,) = report_notes(t, ["Maya", "Greg", "Tom", "Priya"])
    assert "4 names were given for 2 speakers, so Tom, Priya named nobody" in note and "--speakers" in note
    t.kind = "transcript"
    assert "--speakers" not in report_notes(t, ["Maya", "Greg", "Tom"])[0]


def test_names_that_replace_a_transcripts_own_say_so():
    """The README's `--names "Maya,Greg"` on pricing-sync.vtt, where Greg speaks first, swapped the two
    silently: the report set "Greg wants a lower price" against Maya."""
    from talkscan.pipeline import apply_names
    from talkscan.transcript import Speaker, Transcript, Utterance

    def meeting() -> Transcript:
        utts = [Utterance(id=f"u{i}", turn=i, speaker=f"S{i % 2}", text="Twelve weeks.") for i in range(4)]
        return Transcript(source="a.vtt", kind="transcript", utterances=utts,
                          speakers=[Speaker(id="S0", name="Greg"), Speaker(id="S1", name="Maya (Procurement)")])

    t = meeting()
    apply_names(t, ["Maya", "Greg"])
    assert [s.name for s in t.speakers] == ["Maya", "Greg"]
    assert t.notes == ["--names replaced the transcript's own names (Greg → Maya, Maya (Procurement) → Greg); "
                       "they go in order of first appearance: check them against the transcript"]
    for same in (["Greg", "Maya"], ["greg", ""], [" Greg ", "Maya (Finance)"]):   # the same people
        t = meeting()
        apply_names(t, same)
        assert t.notes == []
