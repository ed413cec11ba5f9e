"""Workarounds for third-party packages, kept in one place.

resemblyzer imports webrtcvad, whose 2.0.10 release reads its own version through
`pkg_resources`, which setuptools 81+ no longer ships (and torch pulls a current setuptools in).
The module only needs `get_distribution(name).version`, so when pkg_resources is absent we
register a minimal stand-in backed by importlib.metadata before importing resemblyzer.
"""

from __future__ import annotations

import sys
import types


def ensure_pkg_resources() -> None:
    if "pkg_resources" in sys.modules:
        return
    try:
        import pkg_resources  # noqa: F401

        return
    except ImportError:
        pass
    from importlib import metadata

    shim = types.ModuleType("pkg_resources")
    shim.__doc__ = "talkscan stand-in: only get_distribution(name).version"

    class _Distribution:
        def __init__(self, name: str):
            self.project_name = name
            self.version = metadata.version(name)

    def get_distribution(name: str) -> _Distribution:
        return _Distribution(name)

    shim.get_distribution = get_distribution  # type: ignore[attr-defined]
    shim.DistributionNotFound = metadata.PackageNotFoundError  # type: ignore[attr-defined]
    sys.modules["pkg_resources"] = shim


def import_resemblyzer():
    ensure_pkg_resources()
    import resemblyzer

    return resemblyzer
