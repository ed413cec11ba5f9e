"""Transcript files (.vtt .srt .txt .json) → Transcript. Zoom, Teams and Meet exports are WebVTT."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError, MalformedTranscript, UnsupportedInput
from ..transcript import Transcript
from .common import build_transcript

TRANSCRIPT_EXTENSIONS = (".vtt", ".srt", ".txt", ".json")

__all__ = ["TRANSCRIPT_EXTENSIONS", "read_transcript", "build_transcript"]


def read_transcript(path: Path) -> Transcript:
    from . import json_reader, srt, txt, vtt

    readers = {".vtt": vtt.parse, ".srt": srt.parse, ".txt": txt.parse, ".json": json_reader.parse}
    ext = path.suffix.lower()
    if ext not in readers:
        raise UnsupportedInput(f"unsupported transcript type '{ext}'", path=str(path))
    if not path.exists():
        raise InputError("no such file", path=str(path))
    if path.stat().st_size == 0:
        raise InputError("file is empty (0 bytes)", path=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedTranscript("is not UTF-8 text", path=str(path)) from None
    try:
        return readers[ext](text, source=str(path))
    except MalformedTranscript as e:
        e.path = e.path or str(path)
        raise
