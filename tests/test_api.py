"""The Python API in talkscan/__init__.py: the stages of `talkscan run`, on the real models."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import talkscan

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "samples"


def test_import_talkscan_loads_no_heavy_library():
    code = ("import sys, talkscan; heavy = [m for m in ('torch', 'faster_whisper', 'spacy', 'transformers', "
            "'resemblyzer', 'av') if m in sys.modules]; print(heavy)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_load_analyze_write_report_on_a_transcript(tmp_path):
    t = talkscan.load(str(SAMPLES / "pricing-sync.txt"))      # a str path, as notebooks pass it
    assert isinstance(t, talkscan.Transcript) and len(t.utterances) == 27
    assert t.asks == [] and t.conflicts == []
    same = talkscan.analyze(t)
    assert same is t
    # the sample's price clash: Maya (procurement, under 400k) against Greg (sales, floor 450k)
    clashes = [{t.speaker_label(s) for s in c.speakers} for c in t.conflicts]
    assert {"Maya", "Greg"} in clashes
    assert any(tag.type == "emotional_labeling" for u in t.utterances for tag in u.tags)
    files = talkscan.write_report(t, tmp_path / "pricing-sync")
    assert sorted(p.name for p in files) == ["report.html", "report.json", "transcript.json", "transcript.srt",
                                             "transcript.vtt"]
    report = json.loads((tmp_path / "pricing-sync" / "report.json").read_text())
    assert len(report["utterances"]) == 27 and len(report["conflicts"]) == len(t.conflicts)


def test_options_and_errors_are_the_commands(tmp_path):
    t = talkscan.load(SAMPLES / "pricing-sync.txt", talkscan.RunOptions(names=["Greg S.", "Maya P."]))
    assert [s.name for s in t.speakers][:2] == ["Greg S.", "Maya P."]
    bad = tmp_path / "empty.vtt"
    bad.write_text("")
    with pytest.raises(talkscan.TalkscanError, match="empty") as e:
        talkscan.load(bad)
    assert e.value.path == str(bad)
    with pytest.raises(AttributeError):
        talkscan.no_such_thing
    assert talkscan.RunOptions(speakers=talkscan.SpeakerOptions(channels="split")).speakers.channels == "split"
    assert all(getattr(talkscan, name) is not None for name in talkscan.__all__)
