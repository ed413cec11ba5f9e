"""Third-party model packages: their weight files must match the recorded hashes."""

from __future__ import annotations

import shutil

import pytest

from talkscan import weights
from talkscan.errors import ModelError


@pytest.mark.parametrize("package", sorted(weights.BUNDLED))
def test_installed_weights_match_recorded_hashes(package):
    root = weights.bundled_dir(package)
    for rel, digest in weights.BUNDLED[package]:
        assert weights.sha256(root / rel) == digest


def test_tampered_file_is_refused(tmp_path):
    rel, digest = weights.BUNDLED["resemblyzer"][0]
    copy = tmp_path / "pretrained.pt"
    shutil.copy(weights.package_dir("resemblyzer") / rel, copy)
    with open(copy, "r+b") as f:
        f.seek(1000)
        b = f.read(1)
        f.seek(1000)
        f.write(bytes([b[0] ^ 0xFF]))
    with pytest.raises(ModelError, match="does not match"):
        weights.verify_file(copy, digest)
    weights.sha256.cache_clear()


def test_missing_package_is_a_clear_error():
    with pytest.raises(ModelError, match="not installed"):
        weights.package_dir("talkscan_no_such_model_package")


def test_help_does_not_import_heavy_libraries():
    """`talkscan --help` must answer instantly: no torch, Whisper, spaCy or transformers at import."""
    import subprocess
    import sys

    code = (
        "import sys; from talkscan import cli; "
        "heavy = [m for m in ('torch', 'faster_whisper', 'spacy', 'transformers', 'resemblyzer', 'ctranslate2', 'av') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
