"""What every command does with a failure: one line on stderr, an exit code, no traceback."""

from __future__ import annotations

import sqlite3

import typer

from .errors import TalkscanError


def err(message: str) -> None:
    typer.echo(f"talkscan: error: {message}", err=True)


def warn_alike(whose: str, alike: list[tuple[str, float]]) -> None:
    """A voice just enrolled that sits as close to an enrolled one as one person's voice does to itself."""
    for other, cos in alike:
        typer.echo(f"talkscan: warning: {whose} matches the one enrolled as {other} (similarity {cos:.2f}): reports "
                   f"may name either; if they are one person, `talkscan voices remove` one of them", err=True)


def guard(fn, *args) -> None:
    """Run a command's work: the library's errors, the machine's (a folder that cannot be written, a
    full disk) and Ctrl-C each end in one line and an exit code."""
    try:
        fn(*args)
    except TalkscanError as e:
        err(str(e))
        raise typer.Exit(e.exit_code) from None
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        err(f"{where}{e.strerror or e}")
        raise typer.Exit(1) from None
    except sqlite3.Error as e:   # the history or voiceprint database: a full disk, a locked or read-only file
        err(f"could not use the history or voiceprint database: {e}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)   # exiting now: a second Ctrl-C would only break the exit
        err("interrupted")
        raise typer.Exit(130) from None
