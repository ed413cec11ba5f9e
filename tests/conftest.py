"""Shared fixtures. Tests never reach a model hub: HF_HUB_OFFLINE is set before anything imports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
SAMPLES = ROOT / "data" / "samples"


def copy_models(models: Path, parent: Path) -> Path:
    """A copy of the models folder (`parent`/models, model cards left out) for a test to edit."""
    import shutil

    out = parent / "models"
    shutil.copytree(models, out, ignore=shutil.ignore_patterns("*.md"))
    return out


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public test data not found at {SHARED_DATA} (an outside clone without ../shared)")
    return SHARED_DATA


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """The real `talkscan` command in a child process: exit codes, stderr and tracebacks are as a user sees them."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    return subprocess.run(
        [sys.executable, "-m", "talkscan.cli", *args],
        cwd=cwd or ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def encode_m4a(audio, path: Path, sample_rate: int = 16000) -> Path:
    """Write float32 mono audio as AAC in an .m4a with PyAV (no system ffmpeg)."""
    from talkscan.audio import write_m4a

    return write_m4a(audio, path, sample_rate)
