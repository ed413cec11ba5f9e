"""A stand-in for `talkscan run FOLDER --workers N` until the CLI calls run_batch: the kill/resume
test runs it as a separate process group. Prints one line per finished input and exits 1 if any failed.

    python tests/batch_driver.py IN_FOLDER OUT_FOLDER [--workers N] [--no-analyze] [--force]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from talkscan.batch import BatchOptions, run_batch
    from talkscan.pipeline import RunOptions, collect_inputs

    ap = argparse.ArgumentParser()
    ap.add_argument("inputs", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-analyze", action="store_true")
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args(argv)

    def show(e) -> None:
        if e.kind in ("done", "skip", "fail"):
            print(f"{e.kind} {e.source} {e.message or ''}".rstrip(), flush=True)

    result = run_batch(
        collect_inputs(a.inputs),
        a.out,
        RunOptions(analyze=not a.no_analyze),
        BatchOptions(workers=a.workers, force=a.force),
        show,
    )
    print(f"{len(result.done)} done, {len(result.skipped)} skipped, {len(result.failed)} failed", flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":  # the guard matters: spawned workers import this module
    sys.exit(main())
