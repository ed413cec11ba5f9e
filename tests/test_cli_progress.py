"""The progress bars' amounts say what they count: audio time, steps or files."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.progress import Progress

from talkscan.cli_progress import AmountColumn, amount, unit_of


@pytest.mark.parametrize("done, total, unit, want", [
    (123.4, 600.0, "audio", "2:03 / 10:00 of audio"),
    (3725.0, 7200.0, "audio", "1:02:05 / 2:00:00 of audio"),
    (42.0, None, "audio", "0:42 of audio"),
    (2, 4, "steps", "2/4 steps"),
    (0, 1, "steps", "0/1 step"),
    (1, 3, "files", "1/3 files"),
    (5, None, "files", "5 files"),
])
def test_amount_names_its_unit(done, total, unit, want):
    assert amount(done, total, unit) == want


def test_a_bar_shows_its_amount():
    out = io.StringIO()
    with Progress(AmountColumn(), console=Console(file=out, force_terminal=True, width=80)) as bar:
        bar.add_task("transcribing", total=600.0, unit="audio", completed=61.0)
    assert "1:01 / 10:00 of audio" in out.getvalue()


def test_each_stage_counts_in_its_unit():
    assert [unit_of(s) for s in ("decode", "asr", "diarize", "nlp", "report")] == ["audio", "audio", "windows", "steps", "steps"]
