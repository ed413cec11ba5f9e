"""A report analysed again from its corrected transcript: `talkscan update talkscan-reports/meeting`.

Whisper mishears figures and names ("fifteen" for "fifty"), and diarization can give a turn to the
wrong person; both change what the analyzer finds (an ask's topic, a conflict, whom a label
targets). The user corrects transcript.vtt (or transcript.srt, or transcript.json) in the report
folder, and the report is analysed again from it, in place: the folder, the history row and the
resume key stay, so a rerun of the batch that made the report keeps the corrections (until
`--force` transcribes the recording again).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from .errors import InputError, UsageError
from .progress import ProgressFn, no_progress
from .rename import load_report, write_again
from .transcript import Speaker, Transcript, Utterance

__all__ = ["analysed_transcript", "pending_corrections", "edited_transcript", "update_report", "note_correction"]


_NOTE = "analysed from a transcript corrected by hand"


def note_correction(before: Transcript, notes: list[str], edited: str) -> list[str]:
    """`notes` without what the analysis of `before` noted (the next analysis notes what still holds:
    names added in the edit end "the transcript names no speakers"), saying once which corrected
    transcript the report is analysed from."""
    from .notes import report_notes

    stale = set(report_notes(before))
    return [n for n in notes if not n.startswith(_NOTE) and n not in stale] + [
        f"{_NOTE} ({edited}, `talkscan update`); `talkscan run --force` transcribes the input again"]


_CUE_TIME = re.compile(r"^(\d+:\d\d:\d\d[.,]\d{3}) --> (\d+:\d\d:\d\d[.,]\d{3})$")
# report.json keeps times to the hundredth of a second, the subtitles to the millisecond
_TIME_TOLERANCE = 0.006


def _cue_lines(text: str) -> list[str]:
    """What a subtitle file says, without what only its layout holds: the header, NOTE blocks, cue
    numbers, blank lines, a byte-order mark and line endings (so a report written by an earlier
    release, whose notes read otherwise, is not taken for a corrected one)."""
    lines, in_note = [], False
    for line in text.lstrip("\ufeff").replace("\r\n", "\n").split("\n"):
        line = line.strip()
        if not line:
            in_note = False
        elif line.startswith("NOTE") or in_note:
            in_note = True
        elif line != "WEBVTT" and not line.isdigit():
            lines.append(line)
    return lines


def _cue_times(line: str) -> tuple[float, float] | None:
    from .readers.common import parse_time

    m = _CUE_TIME.match(line)
    return (parse_time(m.group(1)), parse_time(m.group(2))) if m else None


def _same_cues(a: list[str], b: list[str]) -> bool:
    """The same cue lines, timings equal within report.json's precision."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        tx, ty = _cue_times(x), _cue_times(y)
        if tx is None or ty is None or any(abs(p - q) > _TIME_TOLERANCE for p, q in zip(tx, ty)):
            return False
    return True


def analysed_transcript(report: dict) -> Transcript | None:
    """What a report was analysed from, as far as a hand correction can change it (speakers' names;
    each utterance's speaker, times and text), read from its report.json (`report`, as read); None
    when `report` does not hold it. transcript.json cannot serve: it may be the corrected file."""
    try:
        speakers = [Speaker(id=str(s["id"]), name=s.get("name") or None) for s in report["speakers"]]
        known = {s.id for s in speakers}
        utterances = [Utterance(id=f"u{i}", turn=i, speaker=str(u["speaker"]), text=str(u["text"]),
                                start=u.get("start"), end=u.get("end")) for i, u in enumerate(report["utterances"])]
    except (KeyError, TypeError, AttributeError):
        return None
    if not utterances or any(u.speaker not in known for u in utterances):
        return None
    return Transcript(source="", kind="transcript", speakers=speakers, utterances=utterances)


def _same_said(a: Transcript, b: Transcript) -> bool:
    """The same names, and utterances by the same speakers with the same words at the same times
    (within report.json's precision)."""
    def close(x, y) -> bool:
        return x is None and y is None or x is not None and y is not None and abs(float(x) - float(y)) <= _TIME_TOLERANCE

    return ({s.id: s.name or None for s in a.speakers} == {s.id: s.name or None for s in b.speakers}
            and len(a.utterances) == len(b.utterances)
            and all(u.speaker == v.speaker and u.text == v.text and close(u.start, v.start) and close(u.end, v.end)
                    for u, v in zip(a.utterances, b.utterances)))


def pending_corrections(folder: Path, before: Transcript, report: dict | None) -> list[Path]:
    """The transcript files in `folder` corrected by hand and not analysed yet: transcript.vtt and
    transcript.srt where they say other than what the report was analysed from, and transcript.json
    (`before`, as read) where it does. `report`: the folder's report.json as read (None, or a
    transcript's own dict, in a folder of `talkscan transcribe`: then transcript.json is the reference).
    Content, not file times: copying or syncing a folder gives every file a new time, and a file
    saved unchanged is no correction."""
    from .report.subtitles import to_srt, to_vtt

    analysed = analysed_transcript(report) if report is not None else None
    json_edited = analysed is not None and not _same_said(before, analysed)
    # the subtitles were written from transcript.json: unless that was corrected, it is the exact reference
    reference = analysed if json_edited else before
    out = []
    for name, render in (("transcript.vtt", to_vtt), ("transcript.srt", to_srt)):
        p = folder / name
        if not p.is_file():
            continue
        try:
            changed = not _same_cues(_cue_lines(p.read_text(encoding="utf-8")), _cue_lines(render(reference)))
        except (OSError, UnicodeDecodeError):
            changed = True   # reading it says what is wrong
        if changed:
            out.append(p)
    if json_edited:
        out.append(folder / "transcript.json")
    return out


def edited_transcript(folder: Path, before: Transcript, report: dict) -> Path:
    """The transcript file in `folder` that the user corrected, by `pending_corrections`. Where two
    were corrected, the user says which (`--from`): the report is written again from one of them,
    over the other's corrections."""
    edited = pending_corrections(folder, before, report)
    if not edited:
        raise UsageError("no transcript was changed since the report was written: correct transcript.vtt "
                         "(or transcript.srt, transcript.json) first, or pass --from FILE", path=str(folder))
    if len(edited) > 1:
        names = ", ".join(p.name for p in edited[:-1]) + f" and {edited[-1].name}"
        raise UsageError(f"{names} {'both' if len(edited) == 2 else 'all'} have corrections not analysed yet: "
                         "pass --from with the one to analyse "
                         "(the report is written again from it, over the others)", path=str(folder))
    return edited[0]


def update_report(folder: Path, source: Path | None = None, policy: Path | None = None,
                  progress: ProgressFn = no_progress) -> Transcript:
    """Analyses the report in `folder` again from `source` (default: its transcript edited since the
    report was written) and writes it in place; returns the analysed transcript."""
    from .pipeline import in_report_folder
    from .readers import read_transcript
    from .readers.json_reader import talkscan_transcript

    folder = Path(folder)
    old, before = load_report(folder)
    source = Path(source) if source is not None else edited_transcript(folder, before, old)
    if not source.is_file():
        raise InputError("no such file", path=str(source))
    data = _talkscan_json(source)
    if data is not None:   # talkscan's own transcript.json: ids, words and times as corrected
        t = talkscan_transcript(data, str(source), keep_origin=True)
    else:
        # the folder's own subtitles hold one cue per utterance: one speaker's consecutive utterances
        # stay apart, as in the report (joined, correcting a word would merge them)
        own = in_report_folder(source) and source.parent.resolve() == folder.resolve()
        t = corrected(before, read_transcript(source, join_cues=not own))
    if not t.utterances:
        raise InputError("has no utterances left", path=str(source))
    share = shared_word_pairs(before, t)
    if share < SAME_MEETING:
        # the report would become another meeting's, under this one's name, date and history row
        raise InputError(f"shares only {share:.0%} of its word pairs with the report's transcript: is it "
                         f"another meeting's? Correct {folder / 'transcript.vtt'}, or run the other "
                         "meeting's file with `talkscan run`", path=str(source))
    names = {s.id: s.name for s in before.speakers}
    renamed = dict(old["renamed"]) if isinstance(old.get("renamed"), dict) else {}
    for s in t.speakers:   # names given in the edit count as given by hand (`rename`): a redo keeps them
        if s.name and s.name != names.get(s.id):
            renamed[s.id] = s.name
    meta = {"edited": source.name if source.parent.resolve() == folder.resolve() else str(source.resolve())}
    t.notes = note_correction(before, t.notes, meta["edited"])
    renamed = {k: v for k, v in renamed.items() if any(s.id == k for s in t.speakers)}
    if renamed:
        meta["renamed"] = renamed
    return write_again(folder, t, old, policy, progress, meta)


# The share of word pairs a corrected transcript keeps: about 0.9 for Whisper's words against the
# same meeting's written transcript (data/samples/pricing-sync), at most 0.15 between different
# sample meetings.
SAME_MEETING = 0.4


def shared_word_pairs(a: Transcript, b: Transcript) -> float:
    """The share of the shorter transcript's consecutive word pairs that the other one also has: a
    transcript cut down to its important part still shares all of them. 1.0 where too short to tell."""
    from collections import Counter

    def pairs(t: Transcript) -> Counter:
        w = re.findall(r"[a-z0-9']+", " ".join(u.text for u in t.utterances).lower())
        return Counter(zip(w, w[1:]))

    pa, pb = pairs(a), pairs(b)
    n = min(sum(pa.values()), sum(pb.values()))
    return 1.0 if n < 20 else sum((pa & pb).values()) / n


def _talkscan_json(path: Path) -> dict | None:
    if path.suffix.lower() != ".json":
        return None
    import json

    from .readers.json_reader import is_talkscan_transcript

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise InputError("is not valid JSON", path=str(path)) from None
    return data if is_talkscan_transcript(data) else None


def corrected(before: Transcript, edit: Transcript) -> Transcript:
    """The report's transcript with the utterances of its edited subtitles: each voice is the speaker
    of that name, or id, in the report; a new name put on all the cues of a speaker the edit no
    longer names is that speaker renamed; any other new name is a new speaker. An utterance left as
    it was keeps its words; estimated cue times of an untimed transcript are not taken for real ones."""
    by_label: dict[str, Speaker] = {s.id.lower(): s for s in before.speakers}
    by_label.update({s.name.lower(): s for s in before.speakers if s.name})
    timed = any(u.start is not None for u in before.utterances)
    renamed = _relabelled(before, edit, by_label, timed)
    used = {s.id for s in before.speakers}
    speakers: dict[str, Speaker] = {}
    id_of: dict[str, str] = {}   # the edit's speaker id -> the report's
    for s in edit.speakers:
        known = by_label.get(s.label.lower())
        if known is None and s.id in renamed:
            # named by hand now: a voiceprint's score no longer says who this is
            known = by_label[s.label.lower()] = replace(renamed[s.id], name=s.label, voice_score=None)
        if known is None:
            sid = next(f"S{k}" for k in range(len(used) + 1) if f"S{k}" not in used)
            used.add(sid)
            known = by_label[s.label.lower()] = Speaker(id=sid, name=s.label)
        id_of[s.id] = known.id
        speakers.setdefault(known.id, replace(known))
    stamp = lambda x: None if x is None else round(x, 3)  # noqa: E731  (cue times are in ms)
    kept = {(u.speaker, u.text, stamp(u.start), stamp(u.end)): u.words for u in before.utterances}
    utterances: list[Utterance] = []
    for i, u in enumerate(edit.utterances):
        sid = id_of[u.speaker]
        start, end = (u.start, u.end) if timed else (None, None)
        words = kept.get((sid, u.text, stamp(start), stamp(end)), [])
        utterances.append(Utterance(id=f"u{i}", turn=u.turn, speaker=sid, text=u.text, start=start, end=end,
                                    words=[replace(w) for w in words]))
    order = list(dict.fromkeys(u.speaker for u in utterances))
    return replace(before, speakers=[speakers[sid] for sid in order], utterances=utterances,
                   asks=[], conflicts=[], flags=[])


def _relabelled(before: Transcript, edit: Transcript, by_label: dict[str, Speaker],
                timed: bool) -> dict[str, Speaker]:
    """The edit's new voices that rename a report speaker: `<v S0>` replaced by `<v Maya>` on S0's
    cues keeps S0's id and word times, instead of making Maya a stranger and S0 vanish.
    A cue is the report's when its times (or, untimed, its text) are; a new voice renames the speaker
    whose cues are most of its own, only where the edit names that speaker nowhere else and no
    other new voice claims them (one speaker split into two people stays two new speakers)."""
    from bisect import bisect_left
    from collections import Counter

    named = {by_label[s.label.lower()].id for s in edit.speakers if s.label.lower() in by_label}
    texts = {u.text.strip(): u.speaker for u in before.utterances}
    starts = sorted((u.start, u.end, u.speaker) for u in before.utterances if u.start is not None and u.end is not None)

    def owner(u: Utterance) -> str | None:
        if not timed:
            return texts.get(u.text.strip())
        if u.start is None or u.end is None:
            return None
        # subtitles keep milliseconds: the same cue within 10 ms at both ends
        k = bisect_left(starts, (u.start - 0.01,))
        while k < len(starts) and starts[k][0] <= u.start + 0.01:
            if abs(starts[k][1] - u.end) <= 0.01:
                return starts[k][2]
            k += 1
        return None

    claims: dict[str, list[str]] = {}
    for s in edit.speakers:
        if s.label.lower() in by_label:
            continue
        cues = [u for u in edit.utterances if u.speaker == s.id]
        votes = Counter(owner(u) for u in cues)
        votes.pop(None, None)
        sid, n = votes.most_common(1)[0] if votes else (None, 0)
        if sid is not None and sid not in named and 2 * n > len(cues):
            claims.setdefault(sid, []).append(s.id)
    old = {s.id: s for s in before.speakers}
    return {voices[0]: old[sid] for sid, voices in claims.items() if len(voices) == 1}
