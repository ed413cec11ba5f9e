"""talkscan: how the people in a meeting negotiate with each other.

From Python, the same stages as `talkscan run`:

    import talkscan
    t = talkscan.load("meeting.m4a")        # a recording or a transcript file → Transcript
    t = talkscan.analyze(t)                 # moves, asks, conflicts, emotions, flags
    talkscan.write_report(t, "reports/meeting")
    for c in t.conflicts:
        print(c.reason)

Attributes load on first use, so `import talkscan` (and `talkscan --help`) stays instant.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

__version__ = "0.1.0"
__all__ = ["__version__", "load", "analyze", "write_report", "RunOptions", "SpeakerOptions", "Transcript",
           "TalkscanError"]

if TYPE_CHECKING:
    from .errors import TalkscanError
    from .pipeline import RunOptions, SpeakerOptions
    from .progress import ProgressFn
    from .transcript import Transcript


def load(path: str | os.PathLike, options: RunOptions | None = None, progress: ProgressFn | None = None) -> Transcript:
    """A recording (transcribed and diarized) or a transcript file (.vtt .srt .txt .docx .json) as
    a Transcript. Raises talkscan.TalkscanError subclasses naming the file for bad input."""
    from pathlib import Path

    from .pipeline import RunOptions, load_transcript
    from .progress import no_progress

    return load_transcript(Path(path), options or RunOptions(), progress or no_progress)


def analyze(transcript: Transcript, options: RunOptions | None = None, progress: ProgressFn | None = None) -> Transcript:
    """Fill the transcript's tags, emotions, asks, conflicts, flags and notes (in place; also
    returned). The models load once per process."""
    from .pipeline import RunOptions
    from .pipeline import analyze as _analyze
    from .progress import no_progress

    return _analyze(transcript, options or RunOptions(), progress or no_progress)


def write_report(transcript: Transcript, folder: str | os.PathLike) -> list:
    """report.html, report.json and transcript.vtt/.srt/.json into `folder`; returns their paths."""
    from pathlib import Path

    from .pipeline import write_report as _write

    return _write(transcript, Path(folder))


def __getattr__(name: str):
    if name in ("RunOptions", "SpeakerOptions"):
        from . import pipeline

        return getattr(pipeline, name)
    if name == "Transcript":
        from .transcript import Transcript

        return Transcript
    if name == "TalkscanError":
        from .errors import TalkscanError

        return TalkscanError
    raise AttributeError(f"module 'talkscan' has no attribute {name!r}")
