"""Every kind of bad input: one clear line naming the file and the problem, the right exit code,
no traceback, and the other inputs of a batch still get their reports."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from conftest import encode_m4a, run_cli

GOOD_TXT = "Maya: We need the price under four twenty.\nGreg: Under four twenty?\nMaya: Yes, that is our ceiling.\n"


def tone_speechless(seconds: float = 3.0) -> np.ndarray:
    return np.zeros(int(16000 * seconds), dtype=np.float32)


def write_wav(path: Path, audio: np.ndarray) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes((audio * 32767).astype(np.int16).tobytes())
    return path


def make_bad(tmp_path: Path, kind: str, shared: Path | None = None) -> tuple[list[str], str]:
    """(command-line arguments, expected words in the message) for one kind of bad input."""
    d = tmp_path / "in"
    d.mkdir(exist_ok=True)
    if kind == "missing":
        return [str(d / "nope.m4a")], "no such file"
    if kind == "empty-folder":
        (d / "notes.pdf").write_text("x")
        return [str(d)], "no supported files"
    if kind == "zero-byte":
        (d / "z.m4a").write_bytes(b"")
        return [str(d / "z.m4a")], "empty"
    if kind == "text-as-m4a":
        (d / "t.m4a").write_text("this is a text file, not audio\n" * 20)
        return [str(d / "t.m4a")], "cannot be read as audio"
    if kind == "truncated-m4a":
        from talkscan.audio import decode

        full = encode_m4a(decode(shared / "speech" / "jfk.flac"), d / "full.m4a")
        data = full.read_bytes()
        (d / "cut.m4a").write_bytes(data[: len(data) // 2])
        full.unlink()
        return [str(d / "cut.m4a")], "truncated"
    if kind == "silence":
        write_wav(d / "quiet.wav", tone_speechless())
        return [str(d / "quiet.wav")], "silent"
    if kind == "unsupported":
        (d / "minutes.pdf").write_text("hello")
        return [str(d / "minutes.pdf")], "unsupported file type"
    if kind == "old-word":   # said what to do: the transcript is there, in a format talkscan does not read
        (d / "minutes.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
        return [str(d / "minutes.doc")], "save it as .docx"
    if kind == "bad-vtt":
        (d / "bad.vtt").write_text("WEBVTT\n\n1\n00:00:01.000 --> nonsense\nhi\n")
        return [str(d / "bad.vtt")], "timing"
    if kind == "bad-srt":
        (d / "bad.srt").write_text("1\nno arrow here\nhi\n")
        return [str(d / "bad.srt")], "timing"
    if kind == "broken-link":
        # a link into an unmounted drive: in a folder it must fail by name, not vanish from the batch
        (d / "gone.m4a").symlink_to(tmp_path / "unmounted" / "gone.m4a")
        return [str(d / "gone.m4a")], "broken link"
    if kind == "no-names-txt":
        (d / "notes.txt").write_text("we talked about the price\nand the timeline\n")
        return [str(d / "notes.txt")], "Name: text"
    raise AssertionError(kind)


BAD_INPUTS = [
    "missing", "empty-folder", "zero-byte", "text-as-m4a", "truncated-m4a", "silence",
    "unsupported", "old-word", "bad-vtt", "bad-srt", "no-names-txt", "broken-link",
]


def assert_one_clean_line(stderr: str, path_part: str, words: str) -> None:
    assert "Traceback" not in stderr
    errors = [ln for ln in stderr.splitlines() if ln.startswith("talkscan: error:")]
    assert len(errors) == 1, stderr
    assert path_part in errors[0] and words in errors[0], errors[0]


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_bad_input_single(tmp_path, kind, shared_data):
    args, words = make_bad(tmp_path, kind, shared_data)
    r = run_cli("run", *args, "--out", str(tmp_path / "out"), "--quiet")
    assert r.returncode == 1, r.stderr
    assert_one_clean_line(r.stderr, Path(args[0]).name, words)
    assert not any((tmp_path / "out").glob("*/report.json"))


def test_missing_model_folder_is_a_usage_error(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD_TXT)
    r = run_cli("transcribe", str(tmp_path / "a.txt"), "--model", str(tmp_path / "no-such-model"), "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert_one_clean_line(r.stderr, "no-such-model", "does not exist")


def test_unwritable_out_is_a_usage_error(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD_TXT)
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    r = run_cli("transcribe", str(tmp_path / "a.txt"), "--out", str(blocker / "reports"))
    assert r.returncode == 2
    assert_one_clean_line(r.stderr, "reports", "not writable")
    # --out naming a file said "not writable (File exists)"
    r = run_cli("transcribe", str(tmp_path / "a.txt"), "--out", str(blocker))
    assert r.returncode == 2
    assert_one_clean_line(r.stderr, "file", "--out is a file, not a folder")


def test_train_moves_refuses_a_folder_that_is_not_a_fine_tuning_output(tmp_path):
    (tmp_path / "run").mkdir()
    r = run_cli("train", "moves", "--utterance", str(tmp_path / "run"), "--out", str(tmp_path / "models"))
    assert r.returncode == 1
    assert_one_clean_line(r.stderr, "run", "utterance_pred_A.json")
    assert not (tmp_path / "models").exists()


def test_train_utterance_run_away_from_the_data_names_the_missing_folder(tmp_path):
    """Run from another folder, the default data/dialogues is not there: it used to build 0 rows and
    end in a ZeroDivisionError."""
    r = run_cli("train", "utterance", "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert r.returncode == 1
    assert_one_clean_line(r.stderr, "data/dialogues/train", "labelled meetings")
    assert not (tmp_path / "run").exists()


def test_train_utterance_on_a_device_torch_lacks_exits_2(tmp_path):
    """A CPU build of torch asked for cuda raised an AssertionError after the rows were built."""
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    for device, words in (("cuda", "no usable CUDA"), ("gpu", "not a torch device")):
        r = run_cli("train", "utterance", "--device", device, "--out", str(tmp_path / "run"))
        assert r.returncode == 2
        assert_one_clean_line(r.stderr, f"--device {device}", words)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("args, words", [
    (["--min-speakers", "5", "--max-speakers", "2"], "--min-speakers"),
    # a language Whisper does not know used to be accepted and claimed in the report
    (["--language", "xx"], "--language xx"),
    # two speakers of one name used to be accepted (rename refuses it)
    (["--names", "Maya,maya"], "twice"),
    # a malformed scheduler address used to end in a ValueError traceback
    (["--scheduler", "notanaddress"], "not a Dask scheduler address"),
    (["--scheduler", "tcp://host:notaport"], "not a Dask scheduler address"),
])
def test_bad_option_values_exit_2(tmp_path, args, words):
    (tmp_path / "a.txt").write_text(GOOD_TXT)
    r = run_cli("run", str(tmp_path / "a.txt"), *args, "--out", str(tmp_path / "o"))
    assert r.returncode == 2, r.stderr
    assert_one_clean_line(r.stderr, "", words)
    assert not (tmp_path / "o" / "a").exists()


def test_a_report_folder_given_to_run_is_named_as_one(tmp_path):
    """`run talkscan-reports/meeting` said the folder "has no supported files" while it visibly holds
    a .vtt and a .json (passed over as talkscan's own): say what it is, and what to do instead."""
    from conftest import SAMPLES

    out = tmp_path / "out"
    assert run_cli("run", str(SAMPLES / "overuse.txt"), "--out", str(out), "--quiet").returncode == 0
    for folder, words in [(out / "overuse", f"is a talkscan report folder: after correcting its transcript, "
                                            f"run `talkscan update {out / 'overuse'}`"),
                          (out, "is talkscan's reports folder: run the recordings or transcripts instead")]:
        r = run_cli("run", str(folder), "--out", str(tmp_path / "again"), "--quiet")
        assert r.returncode == 1 and "Traceback" not in r.stderr
        [line] = r.stderr.strip().splitlines()
        assert line.startswith(f"talkscan: error: {folder}: {words}")


def test_a_file_given_twice_is_one_meeting(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD_TXT)
    r = run_cli("transcribe", str(tmp_path / "a.txt"), str(tmp_path / "a.txt"), str(tmp_path), "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "o").iterdir() if p.is_dir()) == ["a"]
    assert r.stdout.count("transcript.vtt") == 1


def test_batch_survives_every_bad_input(tmp_path, shared_data):
    """One folder with all the bad files and two good transcripts: the good ones get reports."""
    for kind in ["zero-byte", "text-as-m4a", "truncated-m4a", "silence", "bad-vtt", "bad-srt", "no-names-txt", "broken-link"]:
        make_bad(tmp_path, kind, shared_data)
    d = tmp_path / "in"
    (d / "good.txt").write_text(GOOD_TXT)
    (d / "good2.vtt").write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Tom>IT needs twelve weeks.</v>\n")
    out = tmp_path / "out"
    r = run_cli("transcribe", str(d), "--out", str(out), "--quiet")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert (out / "good" / "transcript.vtt").is_file() and (out / "good2" / "transcript.srt").is_file()
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("talkscan: error:")]
    assert len(errors) == 8, r.stderr
    assert "2 done, 0 already current, 8 failed" in r.stderr
    for name in ["z.m4a", "t.m4a", "cut.m4a", "quiet.wav", "bad.vtt", "bad.srt", "notes.txt", "gone.m4a"]:
        assert any(name in ln for ln in r.stderr.splitlines() if ln.strip().startswith("failed:")), name
    # no stray temporary files left by the failed ones
    assert not list(out.rglob("*.tmp"))


def test_a_recording_cut_short_is_reported_as_far_as_it_goes_and_says_so(tmp_path, shared_data):
    """A WAV whose recorder stopped at three quarters: the report is made from what is there, and its
    notes say the file is cut short (FFmpeg alone would state the shorter length and say nothing)."""
    import json

    from talkscan.audio import decode

    data = write_wav(tmp_path / "full.wav", decode(shared_data / "speech" / "jfk.flac")).read_bytes()
    cut = tmp_path / "in" / "cut.wav"
    cut.parent.mkdir()
    cut.write_bytes(data[: len(data) * 3 // 4])
    r = run_cli("run", str(cut), "--out", str(tmp_path / "out"), "--quiet")
    assert r.returncode == 0, r.stderr
    notes = json.loads((tmp_path / "out" / "cut" / "report.json").read_text())["notes"]
    assert any("cut short: 0:08 of its stated 0:11" in n for n in notes), notes


@pytest.mark.parametrize("riff, data", [
    (b"\xff\xff\xff\xff", b"\xff\xff\xff\xff"), (b"\xff\xff\xff\x7f", b"\xff\xff\xff\x7f"),
    (b"\x24\xf0\xff\x7f", b"\x00\xf0\xff\x7f"), (b"\x24\x00\x00\x00", b"\x00\x00\x00\x00"),
    (None, b"\x00\x00\x10\x00"),   # a data size the RIFF size does not agree with
])
def test_a_wav_header_left_unfinished_states_no_length(tmp_path, shared_data, riff, data):
    """Recorders write a placeholder data size (0, 0x7FFFFFFF, 0xFFFFFFFF, SoX's 0x7FFFF000) until
    they stop: such a file decodes whole, with no note and no refusal."""
    from talkscan.audio import decode

    path = write_wav(tmp_path / "live.wav", decode(shared_data / "speech" / "jfk.flac"))
    raw = bytearray(path.read_bytes())
    at = raw.index(b"data") + 4
    raw[at:at + 4] = data
    if riff is not None:
        raw[4:8] = riff
    path.write_bytes(bytes(raw))
    notes: list[str] = []
    audio = decode(path, notes=notes)
    assert notes == [] and abs(len(audio) / 16000 - 11.0) < 0.1


def test_a_wav_cut_before_half_is_noted_not_refused(tmp_path, shared_data):
    """Its header states the whole length; what is there is still speech worth a report."""
    from talkscan.audio import decode

    data = write_wav(tmp_path / "full.wav", decode(shared_data / "speech" / "jfk.flac")).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(data[: len(data) * 2 // 5])
    notes: list[str] = []
    audio = decode(cut, notes=notes)
    assert abs(len(audio) / 16000 - 4.4) < 0.1
    assert notes == ["the recording is cut short: 0:04 of its stated 0:11 could be decoded, and the report covers "
                     "only that"]


def test_a_report_that_cannot_be_written_is_one_line(tmp_path):
    """The machine's own errors (a folder that cannot be written, a full disk) used to end in a
    traceback; here a directory stands where `rename` must write report.html (root ignores
    permissions, a directory it cannot)."""
    (tmp_path / "a.txt").write_text(GOOD_TXT)
    r = run_cli("run", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    folder = tmp_path / "o" / "a"
    (folder / "report.html").unlink()
    (folder / "report.html").mkdir()
    r = run_cli("rename", str(folder), "S0=Zed")
    assert r.returncode == 1
    assert_one_clean_line(r.stderr, str(folder), "directory")
    assert (folder / "report.json").is_file()   # found before any file was touched: the report stays whole


def test_a_database_that_cannot_be_written_is_one_line(capsys):
    """A full disk while the history grew ended in sqlite3's traceback."""
    import sqlite3

    import typer

    from talkscan.cli_common import guard

    def full():
        raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(typer.Exit) as e:
        guard(full)
    assert e.value.exit_code == 1
    assert capsys.readouterr().err.strip() == (
        "talkscan: error: could not use the history or voiceprint database: database or disk is full")
