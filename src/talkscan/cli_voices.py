"""`talkscan voices`: enrol, list and remove voiceprints (voiceprints.py). Mounted by cli.py."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .cli_common import guard as _guard
from .cli_common import warn_alike
from .errors import UsageError

voices_app = typer.Typer(
    help="Voiceprints that name speakers in recordings. They stay on this machine.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

VOICES = typer.Option(
    None, "--voices", metavar="FILE", help="Voiceprint database (default: ~/.local/share/talkscan/voices.db)."
)


def _db(voices: Optional[Path]) -> Path:
    from .voiceprints import default_voices_path

    return voices if voices is not None else default_voices_path()


@voices_app.command("add")
def add(
    name: str = typer.Argument(..., metavar="NAME", help="The person's name, as reports should show it."),
    file: Optional[Path] = typer.Argument(None, metavar="FILE", help="A recording of that person speaking (at least 2 s of speech)."),
    start: Optional[float] = typer.Option(None, "--start", metavar="SECONDS", min=0, help="Use the recording from here (seconds)."),
    end: Optional[float] = typer.Option(None, "--end", metavar="SECONDS", min=0, help="Use the recording up to here (seconds)."),
    from_report: Optional[Path] = typer.Option(
        None, "--from", metavar="FOLDER", help="A report folder of an analysed recording: enrol one of its speakers (with --speaker)."
    ),
    speaker: Optional[str] = typer.Option(None, "--speaker", metavar="ID|NAME", help="The speaker id (S1) or name in the --from report."),
    replace: bool = typer.Option(False, "--replace", help="Overwrite a voice already enrolled under NAME."),
    voices: Optional[Path] = VOICES,
) -> None:
    """Enrol NAME from FILE (or a --start/--end span of it), or from a speaker of an analysed meeting."""

    def go() -> None:
        from .voiceprints import VoiceStore, enrol_file, enrol_from_report

        if from_report is not None:
            if file is not None or start is not None or end is not None:
                raise UsageError("give either FILE [--start --end] or --from REPORT_DIR --speaker S, not both")
            if not speaker:
                raise UsageError("--from needs --speaker (a speaker id such as S1, or its name)")
            vp = enrol_from_report(name, from_report, speaker)
        else:
            if file is None:
                raise UsageError("give a recording FILE, or --from REPORT_DIR --speaker S")
            if speaker is not None:
                raise UsageError("--speaker only goes with --from")
            vp = enrol_file(name, file, start, end)
        db = _db(voices)
        with VoiceStore(db) as store:
            alike = store.add(vp, replace=replace)
        typer.echo(f"enrolled {vp.name}: {vp.speech_s:.1f} s of speech ({vp.model}) in {db}")
        warn_alike("this voice", alike)

    _guard(go)


@voices_app.command("list")
def list_cmd(voices: Optional[Path] = VOICES) -> None:
    """Enrolled voices: name, model, seconds of speech, when enrolled."""

    def go() -> None:
        from .voiceprints import VoiceStore, voice_model_id

        db = _db(voices)
        if not db.is_file():
            typer.echo(f"no voices enrolled ({db} does not exist)")
            return
        with VoiceStore(db) as store:
            rows = store.voices()
        if not rows:
            typer.echo("no voices enrolled")
            return
        current = voice_model_id()
        width = max(4, *(len(v.name) for v in rows))
        typer.echo(f"{'name':{width}}  {'model':28}  {'speech':>7}  created")
        for v in rows:
            model = v.model if v.model == current else f"{v.model} (other encoder: re-enrol)"
            typer.echo(f"{v.name:{width}}  {model:28}  {v.speech_s:6.1f}s  {v.created}")

    _guard(go)


@voices_app.command("remove")
def remove(name: str = typer.Argument(..., metavar="NAME", help="The enrolled name."), voices: Optional[Path] = VOICES) -> None:
    """Forget NAME's voiceprint."""

    def go() -> None:
        from .voiceprints import VoiceStore

        with VoiceStore(_db(voices), create=False) as store:
            store.remove(name)
        typer.echo(f"removed {name}")

    _guard(go)
