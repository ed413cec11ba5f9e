"""`talkscan run` on transcripts writes every report file, and report.json meets its JSON Schema."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT, SAMPLES, run_cli

SCHEMA = json.loads((ROOT / "src" / "talkscan" / "report" / "schema.json").read_text())


def validate(report: dict) -> None:
    import jsonschema

    jsonschema.Draft202012Validator(SCHEMA).validate(report)


def check_ids(report: dict) -> None:
    """Every reference inside the report points at something that exists."""
    utts = {u["id"] for u in report["utterances"]}
    spk = {s["id"] for s in report["speakers"]}
    asks = {a["id"] for a in report["asks"]}
    for u in report["utterances"]:
        assert u["speaker"] in spk
        for tag in u["tags"]:
            if tag["type"] in ("paraphrase", "mirroring"):
                assert tag["target"] in utts and tag["target"] != u["id"]
            if tag["type"] == "emotional_labeling" and tag["target"] is not None:
                assert tag["target"] in spk and tag["target"] != u["speaker"]
    for a in report["asks"]:
        assert a["utterance"] in utts and a["speaker"] in spk
    for c in report["conflicts"]:
        assert set(c["asks"]) <= asks and c["speakers"][0] != c["speakers"][1]
    for f in report["flags"]:
        assert set(f["evidence"]) <= utts and (f["speaker"] is None or f["speaker"] in spk)


@pytest.mark.slow
def test_run_on_transcripts_writes_valid_reports(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("pricing-sync.txt", "pricing-sync.vtt"):
        (src / name).write_bytes((SAMPLES / name).read_bytes())
    r = run_cli("run", str(src), "--out", str(tmp_path / "out"), "--quiet")
    assert r.returncode == 0, r.stderr
    folders = sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_dir())
    # same stem: the first keeps it, the next is told apart by its extension (stable when files are added later)
    assert folders == ["pricing-sync", "pricing-sync-vtt"]
    for folder in folders:
        d = tmp_path / "out" / folder
        assert {p.name for p in d.iterdir()} >= {"report.json", "report.html", "transcript.vtt", "transcript.srt"}
        report = json.loads((d / "report.json").read_text())
        validate(report)
        check_ids(report)
        ext = "vtt" if folder.endswith("-vtt") else "txt"
        assert report["kind"] == "transcript" and report["source"].endswith("pricing-sync." + ext)
        assert {s["name"] for s in report["speakers"]} == {"Maya", "Greg", "Tom", "Priya"}
        assert report["utterances"][0]["turn"] == 0
        assert any(u["tags"] for u in report["utterances"]), "the analyzer tagged nothing"
        html = (d / "report.html").read_text()
        assert "<script src" not in html and "http://" not in html.replace("http://www.w3.org", "")
    lines = r.stdout.strip().splitlines()
    assert sum(ln.startswith("report: ") and ln.endswith("report.html") for ln in lines) == 2
    assert lines[-1] == f"index: {tmp_path / 'out' / 'index.html'}"


def test_schema_rejects_a_broken_report():
    import jsonschema

    bad = {"schema": "talkscan.report/1", "source": "x", "kind": "recording", "duration_s": 1.0, "language": "en",
           "models": {}, "speakers": [], "asks": [], "conflicts": [], "flags": [],
           "utterances": [{"id": "u0", "turn": 0, "speaker": "S0", "start": 0, "end": 1, "text": "hi",
                           "emotion": {"label": "happy", "score": 0.5}, "tags": []}]}
    with pytest.raises(jsonschema.ValidationError):
        validate(bad)
    bad["utterances"][0]["emotion"]["label"] = "joy"
    validate(bad)
    bad["utterances"][0]["tags"] = [{"type": "ask", "score": 0.9, "topic": "price"}]  # direction missing
    with pytest.raises(jsonschema.ValidationError):
        validate(bad)
