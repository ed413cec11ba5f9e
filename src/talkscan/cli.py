"""The talkscan command. The only module that prints or exits; heavy imports happen inside commands."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .errors import TalkscanError, UsageError

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


class Device(str, Enum):
    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


def _err(message: str) -> None:
    typer.echo(f"talkscan: error: {message}", err=True)


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
OUT = typer.Option(Path("talkscan-reports"), "--out", "-o", help="Folder for the reports: one subfolder per input.")
MODEL = typer.Option(
    None, "--model", "-m", help="Whisper model: a faster-whisper name (small.en, large-v3, … needs a network once) "
    "or a local model folder. Default: the bundled tiny.en.",
)
LANGUAGE = typer.Option(None, "--language", "-l", help="Spoken language code (en, de, …). Default: detect.")
DEVICE = typer.Option(Device.auto, "--device", help="Where Whisper runs.", case_sensitive=False)
THREADS = typer.Option(0, "--threads", min=0, help="CPU threads for Whisper (0: all cores).")
SPEAKERS = typer.Option(None, "--speakers", min=1, help="Exact number of speakers, when known.")
MIN_SPEAKERS = typer.Option(1, "--min-speakers", min=1, help="Fewest speakers to consider.")
MAX_SPEAKERS = typer.Option(8, "--max-speakers", min=1, help="Most speakers to consider.")
NAMES = typer.Option(None, "--names", help='Speaker names in order of first appearance, e.g. "Maya,Greg,Tom".')
RECURSIVE = typer.Option(False, "--recursive", "-r", help="Also look in subfolders of a folder input.")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars.")


def _options(model, language, device, threads, speakers, min_speakers, max_speakers, names, policy=None):
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
    return RunOptions(
        asr=AsrOptions(model=model, language=language, device=device.value, threads=threads),
        speakers=SpeakerOptions(num_speakers=speakers, min_speakers=min_speakers, max_speakers=max_speakers),
        names=[n.strip() for n in names.split(",")] if names else None,
        policy=policy,
    )


def _progress_display(quiet: bool):
    """(progress callback, context manager) drawing one bar per stage on stderr."""
    from contextlib import nullcontext

    from .progress import no_progress

    if quiet:
        return no_progress, nullcontext(), None
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, int] = {}
    labels = {"decode": "decoding", "asr": "transcribing", "diarize": "speakers", "nlp": "analysing", "report": "writing"}

    def progress(stage: str, done: float, total: float | None) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(labels.get(stage, stage), total=total)
        bar.update(tasks[stage], completed=done, total=total)

    def reset() -> None:
        for task_id in tasks.values():
            bar.remove_task(task_id)
        tasks.clear()

    return progress, bar, reset


def _process(inputs: list[Path], out: Path, options, quiet: bool, recursive: bool, transcript_only: bool) -> None:
    from .pipeline import check_out_dir, collect_inputs, report_dir_for, run_file

    check_out_dir(out)
    files: list[Path] = []
    failures: list[tuple[str, str]] = []
    for path in inputs:
        try:
            files += collect_inputs(path, recursive)
        except TalkscanError as e:
            _err(str(e))
            failures.append((str(path), e.message))
    unusable_inputs = len(failures)
    progress, display, reset = _progress_display(quiet)
    written: list[Path] = []
    taken: set[str] = set()
    stems = [f.stem for f in files]
    with display:
        for i, f in enumerate(files):
            folder = report_dir_for(f, out, taken if stems.count(f.stem) > 1 else None)
            if not quiet and len(files) > 1:
                typer.echo(f"[{i + 1}/{len(files)}] {f}", err=True)
            try:
                paths = run_file(f, folder, options, progress, transcript_only=transcript_only)
                main_file = next((p for p in paths if p.name == "report.html"), paths[0])
                written.append(main_file)
                typer.echo(f"{'report' if not transcript_only else 'transcript'}: {main_file}")
            except UsageError:
                raise
            except TalkscanError as e:
                _err(str(e))
                failures.append((str(f), e.message))
            except Exception as e:  # noqa: BLE001 - one broken input must not stop the batch
                if os.environ.get("TALKSCAN_DEBUG"):
                    raise
                msg = f"internal error: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                _err(f"{f}: {msg} (set TALKSCAN_DEBUG=1 for a traceback)")
                failures.append((str(f), msg))
            finally:
                if reset:
                    reset()
    if len(files) + unusable_inputs > 1:  # a batch: close with a summary
        typer.echo(f"{len(written)} done, {len(failures)} failed", err=True)
        for name, why in failures:
            typer.echo(f"  failed: {name}: {why}", err=True)
    if failures:
        raise typer.Exit(1)


def _guard(fn, *args) -> None:
    try:
        fn(*args)
    except TalkscanError as e:
        _err(str(e))
        raise typer.Exit(e.exit_code) from None


@app.command()
def run(
    inputs: List[Path] = typer.Argument(..., help="Recordings, transcripts (.vtt .srt .txt .json) or folders of them."),
    out: Path = OUT,
    model: Optional[str] = MODEL,
    language: Optional[str] = LANGUAGE,
    device: Device = DEVICE,
    threads: int = THREADS,
    speakers: Optional[int] = SPEAKERS,
    min_speakers: int = MIN_SPEAKERS,
    max_speakers: int = MAX_SPEAKERS,
    names: Optional[str] = NAMES,
    policy: Optional[Path] = typer.Option(None, "--policy", help="TOML policy for flags (see `talkscan policy --show`)."),
    recursive: bool = RECURSIVE,
    quiet: bool = QUIET,
) -> None:
    """Analyse recordings or transcripts: writes report.html, report.json, transcript.vtt/.srt per input."""

    def go() -> None:
        opts = _options(model, language, device, threads, speakers, min_speakers, max_speakers, names, policy)
        _process(inputs, out, opts, quiet, recursive, transcript_only=False)

    _guard(go)


@app.command()
def transcribe(
    inputs: List[Path] = typer.Argument(..., help="Recordings or transcripts, or folders of them."),
    out: Path = OUT,
    model: Optional[str] = MODEL,
    language: Optional[str] = LANGUAGE,
    device: Device = DEVICE,
    threads: int = THREADS,
    speakers: Optional[int] = SPEAKERS,
    min_speakers: int = MIN_SPEAKERS,
    max_speakers: int = MAX_SPEAKERS,
    names: Optional[str] = NAMES,
    recursive: bool = RECURSIVE,
    quiet: bool = QUIET,
) -> None:
    """Only the transcript: transcript.vtt, transcript.srt and transcript.json per input."""

    def go() -> None:
        opts = _options(model, language, device, threads, speakers, min_speakers, max_speakers, names)
        _process(inputs, out, opts, quiet, recursive, transcript_only=True)

    _guard(go)


@app.command("policy")
def policy_cmd(
    show: bool = typer.Option(False, "--show", help="Print the default policy (TOML, with comments)."),
    check: Optional[Path] = typer.Option(None, "--check", help="Validate a policy file."),
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
    data: Path = typer.Option(Path("data/dialogues"), "--data", help="Labelled dialogues (train/ and dev/)."),
    out: Path = typer.Option(Path("models"), "--out", help="Where the heads and their metadata go."),
) -> None:
    """Train the move, pair and ask heads on the labelled dialogues; prints dev-split scores."""
    import json

    from .nlp.train import train_moves

    def go() -> None:
        typer.echo(json.dumps(train_moves(data, out), indent=1))

    _guard(go)


@train_app.command("emotion")
def train_emotion_cmd(
    data: Path = typer.Option(Path("../shared/data/goemotions"), "--data", help="GoEmotions folder (train/dev/test .tsv)."),
    out: Path = typer.Option(Path("models"), "--out", help="Where the emotion head goes."),
) -> None:
    """Train the utterance emotion head on GoEmotions; prints test macro-F1."""
    import json

    from .nlp.emotion_train import train_emotion

    def go() -> None:
        typer.echo(json.dumps(train_emotion(data, out), indent=1))

    _guard(go)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
