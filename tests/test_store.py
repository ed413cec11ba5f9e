"""The history database, the terminal history and index.html, on hand-made report.json dicts."""

from __future__ import annotations

import re
import sqlite3

import pytest

from talkscan import store as store_mod
from talkscan.errors import UsageError
from talkscan.history import build_history, render_history
from talkscan.report.index import render_index, write_index
from talkscan.store import SCHEMA_VERSION, Store, read_only


def report(source: str, names: list[str | None], *, moves=(), conflicts=(), flags=(), date=None, key="k1") -> dict:
    """A minimal report.json: `moves` as (speaker index, move), conflicts as (topic, i, j, reason)."""
    speakers = [{"id": f"S{i}", "name": n, "talk_time_s": 10.0, "turns": 2, "words": 20} for i, n in enumerate(names)]
    utterances = [
        {"id": f"u{k}", "turn": k, "speaker": f"S{i}", "start": float(k), "end": k + 1.0, "text": f"line {k}",
         "emotion": {"label": "neutral", "score": 0.5}, "tags": [{"type": mv, "score": 0.9}]}
        for k, (i, mv) in enumerate(moves)
    ]
    asks, confl = [], []
    for n, (topic, i, j, reason) in enumerate(conflicts):
        asks += [
            {"id": f"a{2 * n}", "utterance": None, "speaker": f"S{i}", "topic": topic, "direction": "less", "text": "x"},
            {"id": f"a{2 * n + 1}", "utterance": None, "speaker": f"S{j}", "topic": topic, "direction": "more", "text": "y"},
        ]
        confl.append({"asks": [f"a{2 * n}", f"a{2 * n + 1}"], "speakers": [f"S{i}", f"S{j}"], "topic": topic,
                      "reason": reason, "score": 0.8})
    return {
        "schema": "talkscan.report/1", "source": source, "kind": "transcript", "duration_s": 600.0,
        "language": "en", "models": {"encoder": "test"}, "speakers": speakers, "utterances": utterances,
        "asks": asks, "conflicts": confl,
        "flags": [{"speaker": sp, "move": mv, "kind": kind, "value": 5, "threshold": 3, "evidence": ["u0"],
                   "advice": "less"} for sp, mv, kind in flags],
        "cache_key": key, "meeting_date": date,
    }


@pytest.fixture
def db(tmp_path) -> Store:
    with Store(tmp_path / "out" / "talkscan.db") as s:
        yield s


def test_created_on_first_use_with_schema_version(tmp_path):
    path = tmp_path / "new" / "talkscan.db"
    with Store(path) as s:
        assert s.version == SCHEMA_VERSION >= 1
        tables = {r[0] for r in s.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"meetings", "failures", "speakers", "moves", "asks", "conflicts", "flags"} <= tables
    with Store(path) as s:  # reopening does not migrate again
        assert s.version == SCHEMA_VERSION


def test_migration_hook_runs_new_steps_once(tmp_path, monkeypatch):
    path = tmp_path / "talkscan.db"
    Store(path).close()
    monkeypatch.setattr(store_mod, "MIGRATIONS", store_mod.MIGRATIONS + ["ALTER TABLE meetings ADD COLUMN note TEXT"])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", len(store_mod.MIGRATIONS))
    with Store(path) as s:
        assert s.version == SCHEMA_VERSION + 1
        cols = [r[1] for r in s.db.execute("PRAGMA table_info(meetings)")]
        assert "note" in cols
    Store(path).close()  # a second open must not run ALTER TABLE again


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "talkscan.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.close()
    with pytest.raises(UsageError, match="newer"):
        Store(path)


def test_a_damaged_or_foreign_database_is_refused_in_one_line(tmp_path):
    """A history file overwritten with garbage, cut short, or some other SQLite file (the voiceprints,
    an app's own) gave a traceback from deep inside a batch, and `history` added talkscan's tables to
    a stranger's database."""
    from conftest import SAMPLES, run_cli

    good = tmp_path / "good" / "talkscan.db"
    Store(good).close()
    garbage = tmp_path / "garbage.db"
    garbage.write_text("garbage")
    other = tmp_path / "other.db"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE x (a)")
    con.commit()
    con.close()
    voices = tmp_path / "voices.db"
    from talkscan.voiceprints import VoiceStore

    VoiceStore(voices).close()
    for path, words in [(garbage, "is not a talkscan history database, or it is damaged"),
                        (other, "has no 'meetings' table"), (voices, "has no 'meetings' table")]:
        with pytest.raises(UsageError, match=re.escape(words)):
            Store(path)
    assert [r[0] for r in sqlite3.connect(other).execute("SELECT name FROM sqlite_master")] == ["x"]
    with pytest.raises(UsageError, match="has no 'voices' table"):
        VoiceStore(good)
    with pytest.raises(UsageError, match="damaged .*: move it aside and enrol the voices again"):
        VoiceStore(garbage)
    out = tmp_path / "out"
    out.mkdir()
    (out / "talkscan.db").write_text("garbage")
    r = run_cli("run", str(SAMPLES / "pricing-sync.vtt"), "--out", str(out), "--quiet")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].endswith(f"{out / 'talkscan.db'}: is not a talkscan history database, "
                                                      "or it is damaged (file is not a database): move it aside and "
                                                      "run the same `talkscan run` again to rebuild it from the reports")


def test_the_advice_for_a_damaged_history_rebuilds_it_without_analysing_again(tmp_path):
    """The one line for a damaged talkscan.db says to move it aside and run again: that must bring
    back every meeting, with the names given after the run, and analyse nothing."""
    from conftest import SAMPLES, run_cli

    out = tmp_path / "out"
    src = SAMPLES / "pricing-sync.vtt"
    assert run_cli("run", str(src), "--out", str(out), "--quiet").returncode == 0
    assert run_cli("rename", str(out / "pricing-sync"), "Maya=Maya Lund").returncode == 0
    before = read_only(out / "talkscan.db").meetings()
    (out / "talkscan.db").write_bytes(b"\0" * 4096)
    assert run_cli("history", "--out", str(out)).returncode == 2
    (out / "talkscan.db").rename(tmp_path / "damaged.db")
    r = run_cli("run", str(src), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "skipped (report is current)" in r.stdout + r.stderr
    after = read_only(out / "talkscan.db").meetings()
    assert [(m.report, m.source, m.speakers, m.moves, m.flags, m.conflicts) for m in after] == \
        [(m.report, m.source, m.speakers, m.moves, m.flags, m.conflicts) for m in before]
    assert "Maya Lund" in [s["name"] for s in after[0].speakers]


def test_history_needs_an_existing_database(tmp_path):
    with pytest.raises(UsageError):
        read_only(tmp_path / "none.db")
    assert not (tmp_path / "none.db").exists()


def test_insert_is_idempotent_per_meeting(db, tmp_path):
    folder = db.path.parent / "m1"
    r = report("m1.txt", ["Maya", "Greg"], moves=[(0, "paraphrase"), (1, "ask")], conflicts=[("price", 0, 1, "r")],
               flags=[("S0", "paraphrase", "overused")])
    for _ in range(3):
        db.add_meeting(folder, r, "hash1")
    assert db.meeting_count() == 1
    for table, n in (("speakers", 2), ("moves", 2), ("asks", 2), ("conflicts", 1), ("flags", 1)):
        assert db.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == n, table
    assert db.has_meeting(folder, "k1") and not db.has_meeting(folder, "other")
    row = db.db.execute("SELECT report FROM meetings").fetchone()[0]
    assert row == "m1"  # relative to the database's folder
    db.remove_meeting(folder)
    assert db.meeting_count() == 0
    assert db.db.execute("SELECT COUNT(*) FROM moves").fetchone()[0] == 0  # cascaded


def test_failures_one_row_per_input(db):
    db.add_failure("bad.m4a", "corrupt", "h", "key1", input_error=True)
    db.add_failure("bad.m4a", "corrupt again", "h", "key1", input_error=True)
    [f] = db.failures()
    assert f.attempts == 2 and f.message == "corrupt again"
    assert db.known_failure("bad.m4a", "key1") == "corrupt again"
    assert db.known_failure("bad.m4a", "key2") is None
    db.add_failure("crash.m4a", "worker process died", "h", "key3", input_error=False)
    assert db.known_failure("crash.m4a", "key3") is None  # not the input's fault: retried
    # the input succeeds later: its failure goes
    db.add_meeting(db.path.parent / "bad", report("bad.m4a", ["A"]), "h2")
    assert [f.source for f in db.failures()] == ["crash.m4a"]


def _three_meetings(db: Store) -> None:
    out = db.path.parent
    db.add_meeting(out / "w2", report("w2.m4a", ["Tom", "Priya"], date="2024-05-08",
                                      moves=[(0, "ask"), (1, "paraphrase"), (1, "paraphrase")],
                                      conflicts=[("timeline", 0, 1, "Tom needs 12 weeks, Priya fixed go-live")],
                                      flags=[("S1", "paraphrase", "overused")]), "h2")
    db.add_meeting(out / "w1", report("w1.m4a", ["Tom", "priya ", None], date="2024-05-01",
                                      moves=[(0, "ask"), (2, "similarity")],
                                      conflicts=[("timeline", 1, 0, "go-live vs. testing time"),
                                                 ("price", 0, 2, "p")]), "h1")
    db.add_meeting(out / "w3", report("w3.m4a", ["<b>Eve</b>", "Tom"], date="2024-05-15",
                                      flags=[(None, "similarity", "missing")]), "h3")
    db.add_failure(str(out.parent / "broken.m4a"), "cannot be read as audio", "hb", "kb", True)


def test_history_over_time(db):
    _three_meetings(db)
    h = build_history(db)
    assert [m.when for m in h.meetings] == ["2024-05-01", "2024-05-08", "2024-05-15"]
    people = {p.name: p for p in h.people}
    assert set(people) == {"Tom", "priya", "<b>Eve</b>"}  # matched by name across meetings, case-insensitively
    assert [pt.moves.get("ask", 0) for pt in people["Tom"].points] == [1, 1, 0]
    assert [pt.moves.get("paraphrase", 0) for pt in people["priya"].points] == [0, 2]
    assert people["priya"].points[1].flags == ["overused paraphrase"]
    [timeline, price] = h.conflicts
    assert timeline.topic == "timeline" and timeline.recurring and timeline.count == 2
    assert timeline.pairs == {"priya ↔ Tom": 2}  # the same pair in both meetings, however spelled
    assert not price.recurring

    text = render_history(db)
    assert "3 meeting(s), 1 failed input(s)" in text
    assert "2024-05-01" in text and "Tom" in text and "recurring" in text
    assert "broken.m4a" in text and "cannot be read as audio" in text
    tom = next(line for line in text.splitlines() if line.startswith("Tom "))
    assert "1/1/0" in tom  # asks per meeting, oldest first


def test_unnamed_speakers_are_nobody_elsewhere_and_a_role_is_not_a_new_person(db):
    """S0 and S1 of two meetings used to make one recurring pair "S0 ↔ S1 ×2"; "Maya (Procurement)"
    (as a transcript may introduce her) used to be another person than Maya."""
    out = db.path.parent
    db.add_meeting(out / "a", report("a.m4a", [None, None], conflicts=[("price", 0, 1, "p")]), "ha")
    db.add_meeting(out / "b", report("b.m4a", [None, None], conflicts=[("price", 0, 1, "q")]), "hb")
    db.add_meeting(out / "c", report("c.txt", ["Maya (Procurement)", "Greg"], moves=[(0, "ask")]), "hc")
    db.add_meeting(out / "d", report("d.txt", ["Maya", "Greg"], moves=[(0, "ask")]), "hd")
    h = build_history(db)
    [price] = h.conflicts
    assert price.pairs == {"S0 (a) ↔ S1 (a)": 1, "S0 (b) ↔ S1 (b)": 1}
    people = {p.name: p for p in h.people}
    assert set(people) == {"Maya (Procurement)", "Greg"}
    assert [pt.moves.get("ask", 0) for pt in people["Maya (Procurement)"].points] == [1, 1]


def test_index_html(db):
    _three_meetings(db)
    out = db.path.parent
    path = write_index(db, out)
    html = path.read_text()
    assert html.count('href="w1/report.html"') == 1 and 'href="w3/report.html"' in html
    assert html.index("w1") < html.index("w2") < html.index("w3")  # oldest first
    assert "&lt;b&gt;Eve&lt;/b&gt;" in html and "<b>Eve</b>" not in html  # autoescaped
    assert "<script" not in html and "http://" not in html.replace('http-equiv', '')
    assert html.count('<svg class="mini"') == 7 * 3  # six moves + flags, for each of three named people
    assert "recurring" in html and "timeline" in html
    assert "broken.m4a" in html
    # a flag or a conflict count leads to that part of its meeting's report
    assert '<a class="chip" href="w2/report.html#flags">' in html
    assert 'href="w1/report.html#conflicts">' in html
    # the index lies elsewhere than the database: links still lead to the reports
    other = render_index(db, out.parent)
    assert 'href="out/w1/report.html"' in other


def test_index_tells_apart_meetings_that_share_a_name(db):
    out = db.path.parent
    db.add_meeting(out / "sync-txt", report("in/sync.txt", ["Tom"], date="2024-05-01"), "h1")
    db.add_meeting(out / "sync-vtt", report("in/sync.vtt", ["Tom"], date="2024-05-02"), "h2")
    db.add_meeting(out / "other", report("in/other.m4a", ["Tom"], date="2024-05-03"), "h3")
    html = render_index(db, out)
    assert '">sync.txt</a>' in html and '">sync.vtt</a>' in html
    assert '">other</a>' in html  # a unique name keeps its short form


def test_a_recording_and_its_transcript_are_one_meeting_in_the_history(db):
    """`talkscan run data/samples/` made pricing-sync.m4a, .txt and .vtt three meetings: Greg and
    Maya "met" three times, and their one price conflict was "recurring"."""
    out = db.path.parent

    def recording(r: dict) -> dict:
        return {**r, "kind": "recording"}

    clash = [("price", 0, 1, "Maya lower, Greg higher")]
    db.add_meeting(out / "sync", recording(report("in/sync.m4a", [None, None], conflicts=clash)), "h1")
    untimed = report("in/sync.txt", ["Maya", "Greg"], moves=[(0, "ask")], conflicts=clash)
    db.add_meeting(out / "sync-txt", {**untimed, "duration_s": None}, "h2")
    timed = report("in/sync.vtt", ["Maya", "Greg"], moves=[(0, "ask"), (1, "ask")], conflicts=clash)
    db.add_meeting(out / "sync-vtt", timed, "h3")
    db.add_meeting(out / "zoom", recording(report("in/GMT2024_Recording.m4a", [None], date="2024-05-01")), "h4")
    db.add_meeting(out / "zoom-vtt", report("in/GMT2024_Recording.transcript.vtt", ["Tom"], date="2024-05-01"), "h5")
    # the same name in another folder, or on another date, is another meeting
    db.add_meeting(out / "sync-2", report("in/old/sync.vtt", ["Maya", "Greg"], conflicts=clash), "h6")
    db.add_meeting(out / "zoom-2", report("in/GMT2024_Recording.txt", ["Tom"], date="2024-06-01"), "h7")
    h = build_history(db)
    by = {m.report: i for i, m in enumerate(h.meetings)}
    assert {h.meetings[k].report: h.meetings[v].report for k, v in h.same_as.items()} == \
        {"sync": "sync-vtt", "sync-txt": "sync-vtt", "zoom": "zoom-vtt"}
    assert h.meeting_count == 4
    people = {p.name: p for p in h.people}
    assert sorted(pt.meeting for pt in people["Maya"].points) == sorted([by["sync-vtt"], by["sync-2"]])
    greg = {pt.meeting: pt.moves.get("ask", 0) for pt in people["Greg"].points}
    assert greg == {by["sync-vtt"]: 1, by["sync-2"]: 0}   # counted from the timed transcript
    [price] = h.conflicts
    assert price.count == 2 and price.pairs == {"Greg ↔ Maya": 2}
    text = render_history(db, width=200)
    assert "History: 4 meeting(s) (7 reports)" in text and "sync-txt (= sync-vtt)" in text
    html = render_index(db, out)
    assert "<h1>4 meetings</h1>" in html and "7 reports" in html
    assert html.count("counted once") == 3 and 'same meeting as <a href="sync-vtt/report.html">sync.vtt</a>' in html
    assert html.count('<svg class="mini"') == 7 * 3   # Maya, Greg, Tom


def test_history_tables_wrap_long_cells_to_the_width_and_cut_nothing():
    from talkscan.history import _table

    speakers = "User Interface, Project Manager, Marketing, Industrial Designer"
    flags = "Project Manager: overused paraphrase; meeting: missing future vision"
    lines = _table(["date", "speakers", "flags"], [["2026-11-28", speakers, flags]], width=80)
    assert max(map(len, lines)) <= 80 and len(lines) > 3
    body = " ".join(" ".join(line.split()) for line in lines[2:])
    for word in (speakers + " " + flags).split():
        assert word in body
    assert _table(["a", "b"], [["x", "y"]], width=80) == ["a  b", "-  -", "x  y"]
    # a report's name is one word: the columns of words wrap first, and the name stays whole
    name = "altura-followup-2024-06-20"
    lines = _table(["report", "speakers", "flags"], [[name, speakers, flags]], width=80)
    assert name in lines[2] and all(len(x) <= 80 for x in lines)


def test_empty_history(db):
    assert "No meetings yet." in render_history(db)
    assert "No meetings analysed yet." in render_index(db, db.path.parent)


def test_the_conflict_checks_read_as_the_report_heads_them(db):
    """The policy's two conflict checks are flags on paraphrase that mirroring or labeling satisfy
    too; the report heads them as such, and the index and the history said "missing paraphrase"."""
    from talkscan.report.html import flag_label

    out = db.path.parent
    r = report("w.txt", ["Maya", "Greg"], flags=[("S0", "paraphrase", "missing"), (None, "paraphrase", "missing"),
                                                ("S1", "paraphrase", "overused")])
    db.add_meeting(out / "w", r, "hw")
    heads = [flag_label(f) for f in r["flags"]]
    assert heads == ["acknowledgement of the other side", "restatement of the conflicting asks", "paraphrase"]
    text, html = render_history(db), write_index(db, out).read_text()
    for head in heads[:2]:
        assert f"missing {head}" in " ".join(text.split()) and f"missing {head}" in html
    assert "missing paraphrase" not in text and "missing paraphrase" not in html
    assert "Greg: overused paraphrase" in html
