"""Progress reporting through a callback: the library never prints."""

from __future__ import annotations

from typing import Callable, Optional

# progress(stage, done, total): `total` is None when unknown. Stages: "decode", "asr", "diarize", "nlp", "report".
ProgressFn = Callable[[str, float, Optional[float]], None]


def no_progress(stage: str, done: float, total: float | None) -> None:
    return None
