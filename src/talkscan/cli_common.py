"""What every command does with a failure: one line on stderr, an exit code, no traceback."""

from __future__ import annotations

import sqlite3

import typer

from .errors import TalkscanError


def err(message: str) -> None:
    typer.echo(f"talkscan: error: {message}", err=True)


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
