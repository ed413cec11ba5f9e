"""The README stays true for a new user: every option of `run` and `transcribe` is documented there."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import run_cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["run", "transcribe"])
def test_every_option_is_in_the_readme(command):
    r = run_cli(command, "--help")
    assert r.returncode == 0, r.stderr
    # option lines only ("  -o, --out <path>  …"), not options named inside help texts
    options = set(re.findall(r"^  (?:-\w, )?(--[a-z][a-z-]+)", r.stdout, re.M)) - {"--help"}
    assert "--channels" in options and "--out" in options
    missing = sorted(o for o in options if f"`{o}" not in README)
    assert not missing, f"options of `talkscan {command}` not in README.md: {missing}"
