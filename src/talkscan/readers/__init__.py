"""Transcript files (.vtt .srt .txt .docx .json) → Transcript. Zoom, Teams and Meet export WebVTT,
plain text or Word documents."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError, MalformedTranscript, UnsupportedInput
from ..transcript import Transcript
from .common import build_transcript

TRANSCRIPT_EXTENSIONS = (".vtt", ".srt", ".txt", ".docx", ".json")

__all__ = ["TRANSCRIPT_EXTENSIONS", "read_transcript", "build_transcript"]


def read_transcript(path: str | os.PathLike, join_cues: bool = True) -> Transcript:
    """`join_cues=False` keeps each cue of a .vtt or .srt its own utterance (talkscan's own subtitles,
    one cue per utterance); by default one speaker's consecutive cues are one turn (common.join_cues)."""
    from . import docx, json_reader, srt, txt, vtt

    path = Path(path)
    readers = {".vtt": vtt.parse, ".srt": srt.parse, ".txt": txt.parse, ".json": json_reader.parse}
    ext = path.suffix.lower()
    if ext not in TRANSCRIPT_EXTENSIONS:
        raise UnsupportedInput(f"unsupported transcript type '{ext}'", path=str(path))
    if not path.exists():
        raise InputError("no such file", path=str(path))
    if path.stat().st_size == 0:
        raise InputError("file is empty (0 bytes)", path=str(path))
    raw = path.read_bytes()
    try:
        if ext == ".docx":   # a zip of XML, not text
            return docx.parse(raw, source=str(path))
        if ext in (".vtt", ".srt"):
            return readers[ext](decode(raw, str(path)), source=str(path), join=join_cues)
        return readers[ext](decode(raw, str(path)), source=str(path))
    except MalformedTranscript as e:
        e.path = e.path or str(path)
        raise


def decode(raw: bytes, source: str) -> str:
    """Transcript bytes as text: UTF-8 (with or without a BOM), UTF-16 with a BOM (Notepad's
    "Unicode", PowerShell) or without one, else Windows-1252 (Word's "Plain Text" on Windows), where curly quotes
    and dashes would otherwise fail the whole file."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise MalformedTranscript("is not valid UTF-16 text", path=source) from None
    if b"\x00" in raw:   # no text format but UTF-16 has NULs
        text = _utf16_without_bom(raw)
        if text is None:
            raise MalformedTranscript("is binary, not text", path=source)
        return text
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    return raw.decode("cp1252", errors="replace")


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 text saved without a byte-order mark (some Windows tools): Latin text has a NUL in
    every other byte, the high byte of each character; which half says the byte order."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    for encoding, high in (("utf-16-le", raw[1::2]), ("utf-16-be", raw[0::2])):
        if high.count(0) >= 0.9 * len(high):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                return None
            return text if "\x00" not in text else None
    # Chinese, Japanese, Korean…: few NUL bytes, but the line ends and the speakers' colons are still
    # ASCII, and only one byte order decodes them as such
    best = None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        marks = text.count("\n") + text.count(":") + text.count("\uff1a")   # ":" and the full-width "："
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        if "\x00" not in text and marks >= 2 and printable >= 0.98 * len(text) and (best is None or marks > best[0]):
            best = (marks, text)
    return best[1] if best else None
