"""The amount column of the CLI's progress bars: what is counted, in its unit."""

from __future__ import annotations

from rich.progress import ProgressColumn, Task
from rich.text import Text

from .report.html import clock

# What each stage's progress counts: seconds of audio, windows of speech embedded, else steps.
UNITS = {"decode": "audio", "asr": "audio", "diarize": "windows"}


def unit_of(stage: str) -> str:
    return UNITS.get(stage, "steps")


def amount(done: float, total: float | None, unit: str) -> str:
    """"2:03 / 10:00 of audio", "2/4 steps", "1/3 files"; without a total, what is done so far."""
    if unit == "audio":
        return f"{clock(done)} / {clock(total)} of audio" if total else f"{clock(done)} of audio"
    n = int(done)
    if total is None:
        return f"{n} {unit}"
    t = int(total)
    return f"{n}/{t} {unit[:-1] if t == 1 and unit.endswith('s') else unit}"


class AmountColumn(ProgressColumn):
    """Reads the task's `unit` field (set by add_task)."""

    def render(self, task: Task) -> Text:
        return Text(amount(task.completed, task.total, task.fields.get("unit", "")), style="progress.download")
