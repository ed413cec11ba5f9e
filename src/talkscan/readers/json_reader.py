"""talkscan's own transcript JSON (what `talkscan transcribe` writes) or a report.json."""

from __future__ import annotations

import json

from ..errors import MalformedTranscript
from ..transcript import Transcript


def parse(text: str, source: str) -> Transcript:
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise MalformedTranscript(f"is not valid JSON (line {e.lineno}: {e.msg})", path=source) from None
    if not isinstance(d, dict) or not isinstance(d.get("utterances"), list) or not isinstance(d.get("speakers"), list):
        raise MalformedTranscript("is not a talkscan transcript (needs 'speakers' and 'utterances')", path=source)
    try:
        t = Transcript.from_dict({**d, "source": source, "kind": "transcript"})
    except (TypeError, KeyError, ValueError) as e:
        raise MalformedTranscript(f"has a malformed field ({e})", path=source) from None
    if not t.utterances:
        raise MalformedTranscript("contains no utterances", path=source)
    known = {s.id for s in t.speakers}
    for u in t.utterances:
        if u.speaker not in known:
            raise MalformedTranscript(f"utterance {u.id} names unknown speaker {u.speaker!r}", path=source)
    return t
