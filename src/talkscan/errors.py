"""Domain errors. The library raises these; only the CLI turns them into messages and exit codes."""

from __future__ import annotations


class TalkscanError(Exception):
    """Base class. `path` names the input the problem is about, when there is one."""

    exit_code = 1

    def __init__(self, message: str, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class UsageError(TalkscanError):
    """The command line itself is wrong (bad option value, unwritable --out, missing model folder)."""

    exit_code = 2


class InputError(TalkscanError):
    """An input file cannot be used: missing, empty, corrupt, unsupported, silent, malformed."""


class UnsupportedInput(InputError):
    pass


class MalformedTranscript(InputError):
    pass


class AudioError(InputError):
    pass


class ModelError(TalkscanError):
    """A model is missing, cannot be loaded, or its weights do not match the recorded hash."""
