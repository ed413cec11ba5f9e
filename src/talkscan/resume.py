"""Resume keys: when a report folder holds a current report of an input.

Each input's key hashes its content, the options that change its results, the model versions and
talkscan's own code; report.json (transcript.json for `talkscan transcribe`) carries it and is
written last, so a folder whose marker carries the current key holds a complete, current report.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import UsageError
from .pipeline import RunOptions, is_transcript, meeting_name
from .weights import file_sha256

KEY_VERSION = "talkscan.key/1"
REPORT_FILES = ("transcript.vtt", "transcript.srt", "transcript.json", "report.html", "report.json")
TRANSCRIPT_FILES = ("transcript.vtt", "transcript.srt", "transcript.json")


def _files_fingerprint(folder: Path, patterns: tuple[str, ...]) -> str | None:
    """Hash of the files' paths (relative to `folder`) and contents: the trained heads and the
    package's own files are small, so this is cheap."""
    if not folder.is_dir():
        return None
    h = hashlib.sha256()
    found = False
    for pattern in patterns:
        for p in sorted(folder.glob(pattern)):
            if "__pycache__" in p.parts or not p.is_file():
                continue
            found = True
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(file_sha256(p).encode())
    return h.hexdigest()[:16] if found else None


# talkscan's own files that shape a report: the code, the report templates, the default policy
CODE_PATTERNS = ("**/*.py", "**/*.j2", "**/*.js", "**/*.css", "**/*.json", "**/*.toml")


def code_fingerprint(package: Path | None = None) -> str | None:
    """The installed talkscan's own files, hashed. Its decoding rules, readers and report layout
    change between releases without the weights or the version number changing, so a report made
    by other code is not current."""
    return _files_fingerprint(package or Path(__file__).resolve().parent, CODE_PATTERNS)


@lru_cache(maxsize=8)
def _model_versions(asr_model: str | None, models_dir: str) -> dict[str, Any]:
    from . import __version__
    from .report.json_report import SCHEMA
    from .weights import BUNDLED

    versions: dict[str, Any] = {
        "talkscan": __version__,
        "code": code_fingerprint(),
        "report": SCHEMA,
        # the recorded hashes are what weights.py lets load: they name the bundled models exactly
        "bundled": {pkg: [d for _, d in files] for pkg, files in sorted(BUNDLED.items())},
        "heads": _files_fingerprint(Path(models_dir), ("*.safetensors", "*.json")),
    }
    try:
        from .nlp.emotion_bridge import emotion_model_name

        versions["emotion"] = emotion_model_name()
    except Exception:  # noqa: BLE001 - an analyzer being rebuilt must not stop key computation
        versions["emotion"] = None
    if asr_model is not None:
        p = Path(asr_model).expanduser()
        if (p / "model.bin").is_file():
            st = (p / "model.bin").stat()  # a local Whisper folder: size+mtime, hashing GBs per run is too slow
            versions["asr"] = [str(p.resolve()), st.st_size, int(st.st_mtime)]
        else:
            versions["asr"] = asr_model
    return versions


def _models_dir() -> str:
    try:
        from .nlp.analyzer import default_models_dir

        return str(default_models_dir())
    except Exception:  # noqa: BLE001
        return str(Path(__file__).resolve().parents[2] / "models")


def _policy_fingerprint(policy: Path | None) -> str | None:
    if policy is None:
        return None
    try:
        return hashlib.sha256(Path(policy).read_bytes()).hexdigest()[:16]
    except OSError:
        return str(policy)


def key_parts(path: Path, options: RunOptions, transcript_only: bool, content_hash: str) -> dict[str, Any]:
    """Everything that changes an input's results. Speed-only options (threads) are left out, and
    a transcript ignores the ASR and speaker options, so changing --model does not redo it."""
    parts: dict[str, Any] = {
        "key": KEY_VERSION,
        "content": content_hash,
        "suffix": path.suffix.lower(),  # the reader depends on it
        "transcript_only": transcript_only,
        "names": options.names,
        "models": _model_versions(options.asr.model if not is_transcript(path) else None, _models_dir()),
    }
    if not is_transcript(path):
        a = options.asr
        parts["asr"] = {
            "model": a.model, "language": a.language, "device": a.device,
            "compute_type": a.compute_type, "beam_size": a.beam_size, "vad": a.vad,
        }
        s = options.speakers
        parts["speakers"] = [s.num_speakers, s.min_speakers, s.max_speakers]
        if s.channels != "mix":  # absent for the default, so existing reports stay current
            parts["channels"] = s.channels
        if options.voices is not None:
            from .voiceprints import voices_fingerprint

            # enrolling, removing or re-enrolling a voice changes who gets named
            parts["voices"] = voices_fingerprint(options.voices)
    if not transcript_only:
        parts["analyze"] = options.analyze
        parts["policy"] = _policy_fingerprint(options.policy)
    if transcript_only or not options.analyze:
        parts["models"] = {k: v for k, v in parts["models"].items() if k not in ("heads", "emotion")}
    return parts


def cache_key(path: Path, options: RunOptions, transcript_only: bool = False, content_hash: str | None = None) -> str:
    content_hash = content_hash or file_sha256(path)
    blob = json.dumps(key_parts(path, options, transcript_only, content_hash), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def marker_path(folder: Path, transcript_only: bool) -> Path:
    return folder / ("transcript.json" if transcript_only else "report.json")


def read_marker(folder: Path, transcript_only: bool = False) -> dict[str, Any] | None:
    """The folder's completion marker as a dict, or None when missing or not valid JSON."""
    try:
        data = json.loads(marker_path(folder, transcript_only).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def report_is_current(folder: Path, key: str, transcript_only: bool = False, data: dict | None = None) -> bool:
    """`data`: the folder's marker when the caller has read it already (planning reads it anyway)."""
    data = data if data is not None else read_marker(folder, transcript_only)
    if data is None or data.get("cache_key") != key:
        return False
    schema = str(data.get("schema", ""))
    if not schema.startswith("talkscan.transcript/" if transcript_only else "talkscan.report/"):
        return False
    files = TRANSCRIPT_FILES if transcript_only else REPORT_FILES
    return all((folder / f).is_file() for f in files)


def _from_input(marker: dict, path: Path, content_hash: str) -> bool:
    """Was this marker's report made from this input: the same content, or the same file (edited since)?"""
    if marker.get("content_sha256") == content_hash:
        return True
    source = marker.get("source")
    return isinstance(source, str) and bool(source) and os.path.realpath(source) == os.path.realpath(path)


def _made_from(folder: Path, path: Path, content_hash: str, transcript_only: bool) -> tuple[bool | None, dict | None]:
    """Does `folder` hold a report (or transcript) made from this input? None when it holds neither.
    Also returns the folder's marker of this run's kind, read once for report_is_current too (a long
    meeting's report.json is megabytes); the other kind is read only when this one does not decide."""
    own = read_marker(folder, transcript_only)
    if own is not None and _from_input(own, path, content_hash):
        return True, own
    other = read_marker(folder, not transcript_only)
    if other is not None and _from_input(other, path, content_hash):
        return True, own
    return (None if own is None and other is None else False), own


def own_report_dir(path: Path, content_hash: str, out: Path, taken: set[str],
                   transcript_only: bool = False) -> tuple[Path, dict | None]:
    """DIR/<name>/, unless another input of this run has it (`taken`) or it holds the report of
    another input (team-a/standup.m4a run last week, team-b/standup.m4a today): then
    <name>-<ext>, <name>-<ext>-2, … A run never writes over another meeting's report. Returns the
    folder and its marker (None when there is none)."""
    stem, ext = meeting_name(path), path.suffix.lstrip(".").lower() or "file"
    for name in [stem, f"{stem}-{ext}"] + [f"{stem}-{ext}-{k}" for k in range(2, 1000)]:
        if name in taken:
            continue
        mine, marker = _made_from(out / name, path, content_hash, transcript_only)
        if mine is not False:
            taken.add(name)
            return out / name, marker
    raise UsageError(f"no free report folder for '{stem}' in {out}", path=str(path))
