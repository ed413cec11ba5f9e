"""Stage wiring: input → Transcript → analysis and flags → report files. Progress via a callback."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .asr import AsrOptions
from .audio import AUDIO_EXTENSIONS
from .errors import InputError, UnsupportedInput, UsageError
from .progress import ProgressFn, no_progress
from .readers import TRANSCRIPT_EXTENSIONS
from .readers.common import pause_splits
from .transcript import Speaker, Transcript, Utterance, Word

SUPPORTED_EXTENSIONS = AUDIO_EXTENSIONS + TRANSCRIPT_EXTENSIONS
DIARIZATION_MODEL = "resemblyzer 0.1.4 (bundled) + spectral clustering"


@dataclass
class SpeakerOptions:
    num_speakers: int | None = None
    min_speakers: int = 1
    max_speakers: int = 8
    # "mix": one mono mix, speakers told apart by voice; "split": one speaker per channel (channels.py),
    # for recordings that have it; others (mono, dual mono) are mixed and diarized as usual
    channels: str = "mix"


@dataclass
class RunOptions:
    asr: AsrOptions = field(default_factory=AsrOptions)
    speakers: SpeakerOptions = field(default_factory=SpeakerOptions)
    names: list[str] | None = None  # names speakers in order of first appearance
    policy: Path | None = None
    analyze: bool = True
    voices: Path | None = None  # voiceprint database: names diarized speakers of recordings (voiceprints.py)


def is_transcript(path: Path) -> bool:
    return path.suffix.lower() in TRANSCRIPT_EXTENSIONS


# Transcripts people keep in formats talkscan does not read, and what to save them as instead.
_CONVERT = {".doc": "an old Word document: save it as .docx", ".rtf": "save it as .docx or .txt",
            ".pdf": "a PDF: download the meeting's transcript as .vtt, .docx or .txt instead"}


def collect_inputs(path: Path, recursive: bool = False) -> list[Path]:
    """The files to process for one command-line input: the file itself, or a folder's supported files."""
    if not path.exists():
        raise InputError("broken link" if path.is_symlink() else "no such file or folder", path=str(path))
    if path.is_file():
        if path.suffix.lower() not in SUPPORTED_EXTENSIONS:
            hint = _CONVERT.get(path.suffix.lower(), f"supported: {' '.join(SUPPORTED_EXTENSIONS)}")
            raise UnsupportedInput(f"unsupported file type '{path.suffix or '(none)'}' ({hint})", path=str(path))
        return [path]
    pattern = "**/*" if recursive else "*"
    files = sorted(
        p
        for p in path.glob(pattern)
        # hidden files, and the "~$name.docx" lock files Word leaves beside an open document; a broken
        # link is kept so that it fails by name instead of vanishing from the batch
        if (p.is_file() or (p.is_symlink() and not p.exists())) and p.suffix.lower() in SUPPORTED_EXTENSIONS and not p.name.startswith((".", "~$"))
        # the project's own label files sit beside samples: .labels.json / .reference.json are not transcripts
        and not re.search(r"\.(labels|reference)\.json$", p.name)
        # nor are talkscan's own reports: `run . -r` twice read the first run's back as new meetings
        and not in_report_folder(p)
    )
    if not files:
        if in_report_folder(path / "report.json") and (path / "report.json").is_file():
            raise InputError(f"is a talkscan report folder: after correcting its transcript, run `talkscan update "
                             f"{path}`; to make it again, run the recording or transcript it came from", path=str(path))
        if (path / "talkscan.db").is_file():
            raise InputError(f"is talkscan's reports folder: run the recordings or transcripts instead "
                             f"(`talkscan history -o {path}` lists its reports)", path=str(path))
        raise InputError(f"folder has no supported files ({' '.join(SUPPORTED_EXTENSIONS)})", path=str(path))
    return files


def check_out_dir(out: Path) -> None:
    """Fail early, before hours of transcription, when the reports cannot be written."""
    import tempfile

    if out.exists() and not out.is_dir():
        raise UsageError("--out is a file, not a folder", path=str(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as e:
        raise UsageError(f"--out folder is not writable ({e.strerror or e})", path=str(out)) from None


def group_utterances(words: list[Word]) -> list[Utterance]:
    """Consecutive words of one speaker form a turn; a long pause after a sentence end splits it."""
    utterances: list[Utterance] = []
    turn = -1
    current: list[Word] = []
    prev_speaker = None

    def flush() -> None:
        if current:
            utterances.append(
                Utterance(
                    id=f"u{len(utterances)}",
                    turn=turn,
                    speaker=current[0].speaker or "S0",
                    text=" ".join(w.text for w in current),
                    start=current[0].start,
                    end=current[-1].end,
                    words=list(current),
                )
            )
            current.clear()

    for w in words:
        if w.speaker != prev_speaker:
            flush()
            turn += 1
            prev_speaker = w.speaker
        elif current and pause_splits(current[-1].text, current[-1].end, w.start):
            flush()
        current.append(w)
    flush()
    return utterances


def transcript_from_recording(path: Path, options: RunOptions, progress: ProgressFn = no_progress) -> Transcript:
    from . import diarize
    from .asr import transcribe
    from .audio import decode
    from .channels import NOT_SPLIT_NOTE, SPLIT_NOTE, looks_split, separate_channels
    from .errors import AudioError
    from .speaker_edges import clause_spans, snap_to_sentences

    notes = []
    if options.speakers.channels == "split":
        chans = decode(path, progress, channels=True, notes=notes)
        if separate_channels(chans):
            return transcript_from_channels(path, chans, options, progress, notes)
        del chans
        notes.append(NOT_SPLIT_NOTE)
    # decoded again rather than averaged: the same mix, so the same transcript, as without "split"
    # (a split look noted a cut-short file already)
    audio = decode(path, progress, notes=None if options.speakers.channels == "split" else notes)
    if options.speakers.channels == "mix" and looks_split(path):
        notes.append(SPLIT_NOTE)
    asr = transcribe(audio, options.asr, progress)
    if not asr.words:
        raise AudioError("contains no recognisable speech", path=str(path))
    notes += _unused_language(options, asr.language, asr.model)
    dopts = diarize.DiarizeOptions(
        num_speakers=options.speakers.num_speakers,
        min_speakers=options.speakers.min_speakers,
        max_speakers=options.speakers.max_speakers,
    )
    # Split speech at short pauses: a two-word mirror between two turns of another speaker must be
    # a span of its own so it is embedded alone (measured on the sample: short turns 4/6 → 5/6 right).
    speech = diarize.speech_from_words(asr.words, max_gap=0.25)
    # ...and a short clause run into the next speaker's words is embedded alone (diarize step 6)
    turns = diarize.diarize(audio, speech, dopts, progress, clauses=clause_spans(asr.words))
    words = snap_to_sentences(diarize.assign_speakers(asr.words, turns))
    utterances = group_utterances(words)
    # speaker ids in order of first appearance
    order: dict[str, str] = {}
    for u in utterances:
        order.setdefault(u.speaker, f"S{len(order)}")
    for u in utterances:
        u.speaker = order[u.speaker]
        for w in u.words:
            w.speaker = u.speaker
    asked = options.speakers.num_speakers
    if asked is not None and asked > len(order):   # k is capped by the stretches of speech there are
        notes.append(f"--speakers {asked} asked for more voices than this recording's speech can be told apart "
                     f"into: {len(order)} speaker{'' if len(order) == 1 else 's'} found, some of them perhaps "
                     "one stretch of speech each; check the speakers against the recording")
    t = Transcript(
        source=str(path),
        kind="recording",
        speakers=[Speaker(id=sid) for sid in order.values()],
        utterances=utterances,
        duration_s=round(asr.duration_s, 2),
        language=asr.language,
        models={"asr": asr.model, "diarization": DIARIZATION_MODEL},
        notes=notes,
    )
    if options.voices is not None:
        from .voiceprints import apply_voiceprints

        # each speaker's own diarized turns (speech only), under its final id
        spans = [(x.start, x.end, order[x.speaker]) for x in turns if x.speaker in order]
        apply_voiceprints(t, audio, spans, options.voices, progress=progress)
    return t


def transcript_from_channels(path: Path, chans, options: RunOptions, progress: ProgressFn = no_progress,
                             notes: list[str] | None = None) -> Transcript:
    """A recording with one speaker per channel: each channel transcribed alone (channels.py).
    `notes`: what decoding it noted already."""
    import numpy as np

    from .asr import transcribe
    from .audio import SAMPLE_RATE, SILENCE_PEAK, peak
    from .channels import SPLIT_MODEL, channel_turns, channel_voices, drop_bleed, gate_leaks
    from .errors import AudioError

    n, seconds = chans.shape[0], chans.shape[1] / SAMPLE_RATE
    gate_leaks(chans)
    words: list[list[Word]] = []
    languages: list[tuple[int, str]] = []
    model = None
    for c in range(n):
        if peak(chans[c]) < SILENCE_PEAK:
            words.append([])
            continue

        def step(stage: str, done: float, total: float | None, c: int = c) -> None:
            if stage == "asr":  # one bar over all the channels' transcription
                done, total = c * seconds + done, n * seconds
            progress(stage, done, total)

        asr = transcribe(np.ascontiguousarray(chans[c]), options.asr, step)
        if not languages:
            notes = [*(notes or []), *_unused_language(options, asr.language, asr.model)]
        words.append(asr.words)
        languages.append((len(asr.words), asr.language))
        model = asr.model
    words = drop_bleed(words, chans)
    live = [c for c in range(n) if words[c]]
    if not live:
        raise AudioError("contains no recognisable speech", path=str(path))
    notes = list(notes or [])
    # Each channel is one speaker, unless the user says there are more people than channels with
    # speech (--speakers, --min-speakers): then each channel is diarized, since a meeting room on
    # one line of a call is several people. Voices are (channel, words) in channel order, not by
    # first appearance: across a batch of calls the agent on the left channel is always S0, so
    # --names "Agent,Customer" fits every call.
    o = options.speakers
    voices: list[tuple[int, list[Word]]] = [(c, words[c]) for c in live]
    shared = (o.num_speakers or o.min_speakers) > len(live)
    if shared:
        most = (o.num_speakers or o.max_speakers) - len(live) + 1
        voices = [(c, v) for c in live for v in channel_voices(
            chans[c], words[c], most, [w for d in live if d != c for w in words[d]], progress)]
        flag, asked = ("--speakers", o.num_speakers) if o.num_speakers else ("--min-speakers", o.min_speakers)
        if len(voices) != asked and (o.num_speakers or len(voices) < asked):
            notes.append(f"{flag} {asked}: {len(voices)} voices were heard on the {len(live)} channel(s) "
                         "with speech, each channel diarized alone")
    elif o.num_speakers not in (None, len(live)):
        notes.append(f"--speakers {o.num_speakers} was not used: with --channels split each channel "
                     f"is at least one speaker, and {len(live)} channel(s) had speech")
    ids = [f"S{i}" for i in range(len(voices))]
    utterances = channel_turns([v for _, v in voices], ids, [c for c, _ in voices])
    t = Transcript(
        source=str(path),
        kind="recording",
        speakers=[Speaker(id=sid) for sid in ids],
        utterances=utterances,
        duration_s=round(seconds, 2),
        language=max(languages)[1],
        models={"asr": model or "", "diarization": f"{SPLIT_MODEL} ({n} channels)"
                + (f", each diarized: {DIARIZATION_MODEL}" if shared else "")},
        notes=notes,
    )
    if options.voices is not None:
        from .voiceprints import apply_voiceprints

        # each utterance heard on its own speaker's channel, not in a mix with the others' leaks
        channel_of = {sid: c for sid, (c, _) in zip(ids, voices)}
        own = np.zeros(chans.shape[1], dtype=np.float32)
        for u in utterances:
            a, b = int(u.start * SAMPLE_RATE), int(u.end * SAMPLE_RATE)
            own[a:b] = chans[channel_of[u.speaker], a:b]
        spans = [(u.start, u.end, u.speaker) for u in utterances]
        apply_voiceprints(t, own, spans, options.voices, progress=progress)
    return t


def _unused_language(options: RunOptions, language: str, model: str) -> list[str]:
    """--language other than English with an English-only model: the report must not claim it."""
    asked = options.asr.language
    if not asked or asked == language:
        return []
    return [f"--language {asked} was not used: the Whisper model {model} knows English only "
            "(a multilingual --model, such as small or large-v3, reads others)"]


def load_transcript(path: Path, options: RunOptions, progress: ProgressFn = no_progress) -> Transcript:
    if is_transcript(path):
        from .readers import read_transcript

        t = read_transcript(path)
    elif path.suffix.lower() in AUDIO_EXTENSIONS:
        t = transcript_from_recording(path, options, progress)
    else:
        raise UnsupportedInput(f"unsupported file type '{path.suffix or '(none)'}'", path=str(path))
    if options.names:
        apply_names(t, options.names)
    return t


def apply_names(t: Transcript, names: list[str]) -> None:
    """Names in order of first appearance; for a recording split by channel, in channel order."""
    from .channels import SPLIT_MODEL
    from .readers.common import person_key

    seen: list[str] = []
    if t.models.get("diarization", "").startswith(SPLIT_MODEL):
        seen = [s.id for s in t.speakers]
    for u in t.utterances:
        if u.speaker not in seen:
            seen.append(u.speaker)
    replaced = []
    for sid, name in zip(seen, names):
        if name.strip():
            old = t.speaker(sid).name
            if old and person_key(old) != person_key(name):   # "Maya (Procurement)" → "Maya": the same person
                replaced.append(f"{old} → {name.strip()}")
            t.speaker(sid).name = name.strip()
    if replaced:
        # a transcript that names its speakers rarely needs --names: the README's own example once
        # swapped Greg and Maya silently, the names given in another order than they first speak
        given = "the names the voiceprints gave" if t.kind == "recording" else "the transcript's own names"
        t.notes.append(f"--names replaced {given} ({', '.join(replaced)}); they go in order of "
                       "first appearance: check them against the transcript")


def analyze(t: Transcript, options: RunOptions, progress: ProgressFn = no_progress) -> Transcript:
    """Moves, asks, conflicts and emotions, then the policy's flags."""
    from .notes import report_notes
    from .policy import evaluate_flags, load_policy

    analyzer = _analyzer()
    t = analyzer.transform(t, progress)
    t.models.update(analyzer.model_names)
    t.flags = evaluate_flags(t, load_policy(options.policy))
    # the notes made while reading the input stay; a rerun on talkscan's own JSON does not repeat them
    t.notes = list(dict.fromkeys([*t.notes, *report_notes(t, options.names)]))
    return t


@lru_cache(maxsize=1)
def _analyzer():
    from .nlp.analyzer import Analyzer

    return Analyzer()


TALKSCAN_TRANSCRIPTS = ("transcript.vtt", "transcript.srt", "transcript.json")


def meeting_name(path: Path) -> str:
    """The name of an input's report folder: its stem, except for a transcript or report file that
    talkscan wrote into a report folder (edited to mend what Whisper misheard, say), which is named after
    that folder rather than making a meeting called "transcript"."""
    return path.parent.name if in_report_folder(path) else path.stem


def in_report_folder(path: Path) -> bool:
    """Is this a transcript or report.json that talkscan wrote into a report folder? Named on its
    own, such a file is still read (a corrected transcript.vtt run again), under the folder's name;
    a folder scan passes it over."""
    return path.name.lower() in (*TALKSCAN_TRANSCRIPTS, "report.json") and (path.parent / "transcript.json").is_file()


def _transcript_texts(t: Transcript, meta: dict | None = None) -> list[tuple[str, str]]:
    import json

    from .report.subtitles import to_srt, to_vtt

    return [
        ("transcript.vtt", to_vtt(t)),
        ("transcript.srt", to_srt(t)),
        ("transcript.json",
         json.dumps({"schema": "talkscan.transcript/1", **t.to_dict(), **(meta or {})}, indent=1, ensure_ascii=False)),
    ]


def write_transcript_files(t: Transcript, folder: Path, meta: dict | None = None) -> list[Path]:
    """transcript.vtt, .srt and .json, all or none; `meta` (e.g. a resume key) goes into the JSON,
    put in place last."""
    from .report.files import write_together

    return write_together(folder, _transcript_texts(t, meta))


def write_report(t: Transcript, folder: Path, progress: ProgressFn = no_progress, meta: dict | None = None) -> list[Path]:
    """All report files, all or none (a full disk or Ctrl-C while writing leaves the previous report
    whole); report.json goes last, so its presence means the report is complete. `meta` adds free
    fields to report.json (resume key, date)."""
    import json

    from .report.files import write_together
    from .report.html import render_html
    from .report.json_report import build_report

    progress("report", 0, 1)
    report = build_report(t, meta=meta)
    files = write_together(folder, [*_transcript_texts(t), ("report.html", render_html(report)),
                                    ("report.json", json.dumps(report, indent=1, ensure_ascii=False))])
    progress("report", 1, 1)
    return files


def run_file(
    path: Path, out_folder: Path, options: RunOptions, progress: ProgressFn = no_progress, transcript_only: bool = False
) -> list[Path]:
    t = load_transcript(path, options, progress)
    if transcript_only:
        return write_transcript_files(t, out_folder)
    if options.analyze:
        t = analyze(t, options, progress)
    return write_report(t, out_folder, progress)
