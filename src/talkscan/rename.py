"""Naming a report's speakers after the fact: `talkscan rename talkscan-reports/meeting S0=Greg`.

A recording's speakers come out as S0, S1, …, and who is who is often clear only on reading the
report. Running the recording again with --names would transcribe it again; the report is instead
analysed again from its own transcript.json, which takes seconds. It is analysed again rather than
relabelled because the names change what the analyzer reads: an emotional label's target is the
person it names ("Tom, you sound worried"), and conflict reasons and flags name people.

The report keeps its resume key, so a rerun of the batch that made it finds it current and keeps the
names; the names are also recorded in report.json (`renamed`), and the history database and
index.html beside the report are updated when they exist.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import InputError, UsageError
from .progress import ProgressFn, no_progress
from .readers import json_reader
from .transcript import Transcript

__all__ = ["parse_names", "rename_report", "load_report", "report_transcript", "write_again", "previous_names",
           "carry_names"]

# report.json fields that describe the input, not the analysis: they carry over unchanged
KEPT = ("cache_key", "content_sha256", "meeting_date", "edited")


def parse_names(pairs: list[str]) -> dict[str, str]:
    """["S0=Greg", "Maya=Maya Chen"] → {"S0": "Greg", "Maya": "Maya Chen"}; an empty name
    ("S2=") takes a speaker's name away."""
    out: dict[str, str] = {}
    for pair in pairs:
        who, sep, name = pair.partition("=")
        if not sep or not who.strip():
            raise UsageError(f"'{pair}' is not SPEAKER=NAME (for example S0=Greg)")
        if who.strip() in out:
            raise UsageError(f"speaker '{who.strip()}' is given twice")
        out[who.strip()] = " ".join(name.split())
    if not out:
        raise UsageError("give at least one SPEAKER=NAME (for example S0=Greg)")
    return out


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"cannot be read ({e.strerror or e})", path=str(path)) from None
    except ValueError:
        raise InputError("is not valid JSON", path=str(path)) from None
    if not isinstance(data, dict):
        raise InputError("is not a talkscan report", path=str(path))
    return data


def _speaker_ids(t: Transcript, names: dict[str, str], folder: Path) -> dict[str, str]:
    """Each SPEAKER (an id such as S1, or a current name, in any case) → the speaker's id."""
    resolved: dict[str, str] = {}
    for who, name in names.items():
        hits = [s.id for s in t.speakers if s.id == who] or [
            s.id for s in t.speakers if s.id.lower() == who.lower() or (s.name or "").lower() == who.lower()
        ]
        if len(hits) != 1:
            known = ", ".join(f"{s.id} ({s.name})" if s.name else s.id for s in t.speakers)
            why = "is more than one speaker" if hits else "is not a speaker of this report"
            raise UsageError(f"'{who}' {why} (speakers: {known})", path=str(folder))
        if hits[0] in resolved:
            raise UsageError(f"'{who}' and another name given both mean speaker {hits[0]}", path=str(folder))
        resolved[hits[0]] = name
    final = {s.id: resolved.get(s.id, s.name) for s in t.speakers}
    taken: dict[str, str] = {}
    ids = {s.id.lower(): s.id for s in t.speakers}
    for sid, name in final.items():
        if name and ids.get(name.lower(), sid) != sid:   # S0=S1: then who would "S1" be?
            raise UsageError(f"'{name}' is speaker {ids[name.lower()]}'s id: give {sid} a name of its own",
                             path=str(folder))
        if name and name.lower() in taken:
            raise UsageError(f"speakers {taken[name.lower()]} and {sid} would both be named '{name}'",
                             path=str(folder))
        if name:
            taken[name.lower()] = sid
    return resolved


def rename_report(folder: Path, names: dict[str, str], policy: Path | None = None,
                  progress: ProgressFn = no_progress, recording_only: bool = False) -> Transcript:
    """Names the speakers of the report in `folder` (speaker id or current name → new name) and
    writes the report again; returns the analysed transcript. The flags follow `policy`, else the
    policy file the report was made with, else the built-in one. `recording_only` refuses, before
    anything is written, a report made from a transcript (`rename --enrol` needs voices)."""
    from .update import pending_corrections

    folder = Path(folder)
    old, t = load_report(folder)
    if recording_only and old.get("kind") != "recording":
        raise UsageError("--enrol needs a report of a recording: a transcript has no voices", path=str(folder))
    unsaved = pending_corrections(folder, t, old)
    if unsaved:   # writing the report again would write over them
        raise UsageError(f"{unsaved[0].name} has corrections not analysed yet: run `talkscan update {folder}` "
                         "first (renaming now would write over them)", path=str(folder))
    resolved = _speaker_ids(t, names, folder)
    for sid, name in resolved.items():
        speaker = t.speaker(sid)
        speaker.name = name or None
        speaker.voice_score = None   # named by hand now, not by a voiceprint
    return write_again(folder, t, old, policy, progress, {"renamed": {**(old.get("renamed") or {}), **resolved}})


def load_report(folder: Path) -> tuple[dict, Transcript]:
    """report.json as read, and the transcript in transcript.json, of the report folder `folder`."""
    if not folder.is_dir():
        raise InputError("no such report folder", path=str(folder))
    if not (folder / "transcript.json").is_file() or not (folder / "report.json").is_file():
        raise InputError("is not a talkscan report folder (it needs transcript.json and report.json)", path=str(folder))
    return _read(folder / "report.json"), report_transcript(folder)


def report_transcript(folder: Path) -> Transcript:
    """The transcript in a report folder's transcript.json, with the input it was made from."""
    tpath = folder / "transcript.json"
    data = _read(tpath)
    if not json_reader.is_talkscan_transcript(data):
        raise InputError("is not talkscan's transcript", path=str(tpath))
    return json_reader.talkscan_transcript(data, str(tpath), keep_origin=True)


def write_again(folder: Path, t: Transcript, old: dict, policy: Path | None, progress: ProgressFn,
                meta: dict) -> Transcript:
    """Analyses `t` and writes it over the report in `folder`, keeping what describes the input
    (KEPT) and adding `meta`; the flags follow `policy`, else the policy the report was made with."""
    from .pipeline import RunOptions, analyze, write_report

    if policy is None and old.get("policy"):
        policy = Path(str(old["policy"]))
        if not policy.is_file():
            raise UsageError(f"the report was flagged by the policy {policy}, which is not there any more: "
                             "pass --policy", path=str(folder))
    t = analyze(t, RunOptions(policy=policy), progress)
    meta = {**{k: old[k] for k in KEPT if k in old}, **meta}
    if policy is not None:
        meta["policy"] = str(Path(policy).resolve())
    write_report(t, folder, progress, meta=meta)
    _update_history(folder, t)
    return t


def _update_history(folder: Path, t: Transcript) -> None:
    """The meeting's row in the history database beside the report, and index.html, when they exist."""
    from .store import Store, default_db

    out = folder.parent
    db = default_db(out)
    if not db.is_file():
        return
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    with Store(db) as store:
        when = store.file_time(folder)
        if when is None and os.path.isfile(t.source):
            from .batch import file_time

            when = file_time(Path(t.source))
        store.add_meeting(folder, report, str(report.get("content_sha256") or ""), file_time=when)
        from .report.index import write_index

        store.forget_missing()
        write_index(store, out)


# -- keeping the names when the report is made again ----------------------------------------------
#
# A rerun redoes a report when its key changes (--force, other options, an upgrade of talkscan).
# The speaker ids may then differ (a new diarization can number or split voices otherwise), so
# the names given by hand follow the speech: each renamed speaker's name goes to the new speaker
# who holds more than half of that speaker's time, when that is also more than half of its own (or
# more than half of the old speaker's utterances, said word for word, for an untimed transcript); a
# name that cannot be placed so is dropped, with a note.

CARRY_SHARE = 0.5


def previous_names(report: dict | None) -> tuple[dict[str, str], list[dict]] | None:
    """The names given with `talkscan rename` in a report (report.json as read, before a redo
    replaces it), and its utterances; None when there are none."""
    renamed = report.get("renamed") if isinstance(report, dict) else None
    if not isinstance(renamed, dict) or not renamed:
        return None
    utterances = report.get("utterances")
    return ({str(k): str(v) for k, v in renamed.items()}, utterances if isinstance(utterances, list) else [])


def carry_names(t: Transcript, previous: tuple[dict[str, str], list[dict]]) -> tuple[dict[str, str], list[str]]:
    """Applies the previous report's hand-given names to `t`; returns the names placed (new id →
    name) and those that could not be (as "S2 (Tom)")."""
    renamed, old_utts = previous
    spans: dict[str, list[tuple[float, float]]] = {}
    said: dict[str, set[str]] = {}
    for u in old_utts:
        if not isinstance(u, dict) or u.get("speaker") not in renamed:
            continue
        if isinstance(u.get("start"), (int, float)) and isinstance(u.get("end"), (int, float)):
            spans.setdefault(u["speaker"], []).append((float(u["start"]), float(u["end"])))
        if isinstance(u.get("text"), str):
            said.setdefault(u["speaker"], set()).add(u["text"])
    timed = all(u.start is not None and u.end is not None for u in t.utterances)
    placed: dict[str, str] = {}
    lost: list[str] = []
    for old_id, name in renamed.items():
        shared: dict[str, float] = {}
        if timed and spans.get(old_id):
            for u in t.utterances:
                for a, b in spans[old_id]:
                    shared[u.speaker] = shared.get(u.speaker, 0.0) + max(0.0, min(b, u.end) - max(a, u.start))
            own = sum(b - a for a, b in spans[old_id])
            theirs = {s.id: sum(u.duration or 0.0 for u in t.utterances if u.speaker == s.id) for s in t.speakers}
        else:   # by what they said: lines added or removed by an edit shift every turn's index
            for u in t.utterances:
                if u.text in said.get(old_id, ()):
                    shared[u.speaker] = shared.get(u.speaker, 0.0) + 1
            own = float(sum(1 for u in old_utts if isinstance(u, dict) and u.get("speaker") == old_id))
            theirs = {}   # a transcript's speakers are its writer's, never merged voices; an edit may add turns
        best = max(shared, key=shared.get, default=None)
        if (best is None or best in placed or own <= 0 or shared[best] <= CARRY_SHARE * own
                or shared[best] <= CARRY_SHARE * theirs.get(best, 0.0)):
            lost.append(f"{old_id} ({name})" if name else old_id)
            continue
        placed[best] = name
    for sid, name in placed.items():
        t.speaker(sid).name = name or None
        t.speaker(sid).voice_score = None
    if lost:
        t.notes.append("the names given with `talkscan rename` could not all be kept when the report was made "
                       f"again, because the speakers came out differently: {', '.join(lost)}")
    return placed, lost
