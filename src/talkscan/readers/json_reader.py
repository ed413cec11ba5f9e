"""talkscan's own transcript JSON (what `talkscan transcribe` writes) or a report.json; the JSON
that Whisper, faster-whisper scripts and WhisperX write (`segments` with `start`, `end`, `text` and,
diarized, `speaker`); or the speaker-labelled `utterances` of the AssemblyAI and Deepgram APIs."""

from __future__ import annotations

import json
import math

from ..errors import MalformedTranscript
from ..transcript import Transcript
from .common import build_transcript, complete_times


def parse(text: str, source: str) -> Transcript:
    try:
        d = json.loads(text, parse_constant=_not_a_number)
    except json.JSONDecodeError as e:
        raise MalformedTranscript(f"is not valid JSON (line {e.lineno}: {e.msg})", path=source) from None
    except RecursionError:
        raise MalformedTranscript("is nested too deeply to be a transcript", path=source) from None
    except MalformedTranscript as e:   # from _not_a_number, which cannot know the file
        raise MalformedTranscript(e.message, path=source) from None
    if isinstance(d, dict) and isinstance(d.get("segments"), list) and "utterances" not in d:
        return _whisper(d, source)
    if isinstance(d, dict) and isinstance(d.get("utterances"), list) and "speakers" not in d:
        # AssemblyAI: {"utterances": [{"speaker": "A", "text", "start", "end"}]}, times in ms
        return _api_utterances(d["utterances"], "text", 1000.0, d.get("language_code"), source)
    results = d.get("results") if isinstance(d, dict) else None
    if isinstance(results, dict) and isinstance(results.get("utterances"), list):
        # Deepgram with utterances=true: {"results": {"utterances": [{"speaker": 0, "transcript", "start", "end"}]}}
        return _api_utterances(results["utterances"], "transcript", 1.0, None, source)
    if not isinstance(d, dict) or not isinstance(d.get("utterances"), list) or not isinstance(d.get("speakers"), list):
        raise MalformedTranscript("is neither a talkscan transcript ('speakers' and 'utterances') nor Whisper's "
                                  "output ('segments') nor AssemblyAI's or Deepgram's 'utterances'", path=source)
    return talkscan_transcript(d, source)


def _not_a_number(word: str):
    """Python's json reads NaN and Infinity, which JSON does not have; no time or score can be one."""
    raise MalformedTranscript(f"holds {word}, which is not a JSON number")


def _check_utterances(d: dict, path: str) -> None:
    """What Transcript.from_dict takes on trust, checked with the utterance named: Python's own
    message ("Utterance.__init__() missing 2 required positional arguments") means nothing to a user."""
    if not isinstance(d, dict) or not isinstance(d.get("speakers"), list) or not isinstance(d.get("utterances"), list):
        raise MalformedTranscript("is not a talkscan transcript: it needs 'speakers' and 'utterances' lists", path=path)
    for k, s in enumerate(d["speakers"]):
        if not isinstance(s, dict) or not isinstance(s.get("id"), str):
            raise MalformedTranscript(f"speaker {k} has no 'id'", path=path)
    for k, u in enumerate(d["utterances"]):
        if not isinstance(u, dict):
            raise MalformedTranscript(f"utterance {k} is not an object", path=path)
        for key in ("id", "speaker", "text"):
            if not isinstance(u.get(key), str):
                raise MalformedTranscript(f"utterance {k} has no '{key}'", path=path)
        for key in ("start", "end"):
            v = u.get(key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)):
                raise MalformedTranscript(f"utterance {k} has a '{key}' time that is not a number", path=path)
            if v is not None and v < 0:
                raise MalformedTranscript(f"utterance {k} has a negative '{key}' time", path=path)
        if isinstance(u.get("start"), (int, float)) and isinstance(u.get("end"), (int, float)) and u["end"] < u["start"]:
            raise MalformedTranscript(f"utterance {k} ends before it starts", path=path)   # as a subtitle cue
        if not isinstance(u.get("turn", k), int):
            raise MalformedTranscript(f"utterance {k} has a 'turn' that is not a whole number", path=path)
        if u.get("emotion") is not None and not isinstance(u["emotion"], dict):
            raise MalformedTranscript(f"utterance {k} has an 'emotion' that is not an object like "
                                      '{"label": "neutral", "score": 0.9}', path=path)
        for key in ("tags", "words"):
            v = u.get(key)
            if v is not None and not (isinstance(v, list) and all(isinstance(x, dict) for x in v)):
                raise MalformedTranscript(f"utterance {k} has '{key}' that are not a list of objects", path=path)


def is_talkscan_transcript(d: object) -> bool:
    """Is this JSON (as read) talkscan's own transcript, as `write_transcript_files` writes it?"""
    return isinstance(d, dict) and str(d.get("schema", "")).startswith("talkscan.transcript/")


def talkscan_transcript(d: dict, path: str, keep_origin: bool = False) -> Transcript:
    """talkscan's own transcript dict, checked; errors name `path`. Read as an input it is a
    transcript from `path`; with `keep_origin` (re-analysing a report) it stays the recording or
    transcript it was made from."""
    origin = {} if keep_origin else {"source": path, "kind": "transcript"}
    _check_utterances(d, path)
    # the turn index is bookkeeping: a hand-made transcript may leave it out
    d = {**d, "utterances": [{"turn": k, **u} for k, u in enumerate(d["utterances"])]}
    try:
        t = Transcript.from_dict({**d, **origin})
    except (TypeError, KeyError, ValueError, AttributeError) as e:
        # a hand-edited field of the wrong kind ("emotion": "neutral" for {"label": …}) is the file's
        # fault, not an internal error
        raise MalformedTranscript(f"has a malformed field ({e})", path=path) from None
    if not t.utterances:
        raise MalformedTranscript("contains no utterances", path=path)
    known = {s.id for s in t.speakers}
    for u in t.utterances:
        if u.speaker not in known:
            raise MalformedTranscript(f"utterance {u.id} names unknown speaker {u.speaker!r}", path=path)
    return complete_times(t)   # the one reader that does not go through build_transcript


def _timed_rows(items: list, what: str, text_key: str, per_s: float, name, source: str) -> list:
    """(name, text, start, end) rows of Whisper's segments or a speech API's utterances (`what`):
    the text under `text_key`, times in units `per_s` to the second, `name(speaker)` for each
    speaker given."""
    rows = []
    for k, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get(text_key), str):
            raise MalformedTranscript(f"{what} {k} has no '{text_key}'", path=source)
        try:
            start = float(item["start"]) / per_s if item.get("start") is not None else None
            end = float(item["end"]) / per_s if item.get("end") is not None else None
        except (TypeError, ValueError):
            raise MalformedTranscript(f"{what} {k} has a time that is not a number", path=source) from None
        if any(t is not None and not math.isfinite(t) for t in (start, end)):
            raise MalformedTranscript(f"{what} {k} has a time that is not a number", path=source)
        if start is not None and end is not None and end < start:   # as a subtitle cue
            raise MalformedTranscript(f"{what} {k} ends before it starts", path=source)
        speaker = item.get("speaker")
        text = " ".join(item[text_key].split())
        if text:
            rows.append((name(speaker) if speaker not in (None, "") else None, text, start, end))
    if not rows:
        raise MalformedTranscript(f"contains no {what}s with text", path=source)
    return rows


def _api_utterances(items: list, text_key: str, per_s: float, language: object, source: str) -> Transcript:
    """A speech API's diarized utterances: each is a turn already, speakers "A" or 0 become "Speaker A"."""
    rows = _timed_rows(items, "utterance", text_key, per_s, lambda s: f"Speaker {s}", source)
    lang = language.split("_")[0] if isinstance(language, str) and language else "en"
    return build_transcript(rows, source, language=lang)


def _whisper(d: dict, source: str) -> Transcript:
    """Whisper's segments are cut like subtitle cues, so one speaker's run is joined as cues are."""
    rows = _timed_rows(d["segments"], "segment", "text", 1.0, str, source)
    language = d.get("language") if isinstance(d.get("language"), str) else "en"
    return build_transcript(rows, source, language=language or "en", join=True)
