"""Folder runs: many inputs, in parallel, resumable, with the history in SQLite and an index.html.

Each input gets a resume key (resume.py: its content hash + the options that change its results +
the model versions + talkscan's own code) written into its report.json, which is written last and
so marks a complete report. A rerun skips inputs whose report.json carries the current key.
Workers (executors.py: local processes or Dask workers, the same `process_file`) only write report
folders; the parent process alone writes the database, after a report is complete, so a SIGKILL at
any moment leaves nothing half-done that a rerun would not redo.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from .errors import TalkscanError, UsageError
from .executors import DaskPool, InProcess, LocalPool, WorkerDied, ctrl_c_ignored
from .pipeline import RunOptions, is_transcript, meeting_name
from .resume import REPORT_FILES, cache_key, marker_path, own_report_dir, read_marker, report_is_current
from .weights import file_sha256

__all__ = [
    "BatchOptions", "BatchEvent", "BatchResult", "FileOutcome", "Job",
    "run_batch", "history_text", "process_file",
]

# a crashed worker process takes its in-flight files with it; each gets this many tries in all
MAX_TRIES = 2


@dataclass
class BatchOptions:
    workers: int = 1                 # local worker processes (models loaded once per worker, not per file)
    scheduler: str | None = None     # Dask scheduler address: same per-file function, run on the cluster
    force: bool = False              # redo inputs whose report is current
    transcript_only: bool = False
    db: Path | None = None           # default OUT/talkscan.db
    index: bool = True               # write OUT/index.html after the batch


@dataclass
class BatchEvent:
    """One thing that happened in a batch, for a progress display.

    kind: "plan" (total known), "skip", "start", "stage" (in-process runs only: a stage of the
    current file), "done", "fail", "finish". `finished` counts done + skipped + failed so far;
    `running` lists the inputs being processed now; `eta_s` is the estimated time left."""

    kind: str
    total: int
    finished: int
    running: tuple[str, ...] = ()
    eta_s: float | None = None
    source: str | None = None
    message: str | None = None
    stage: str | None = None
    stage_done: float | None = None
    stage_total: float | None = None


@dataclass
class BatchResult:
    done: list[Path] = field(default_factory=list)      # inputs processed in this run
    skipped: list[Path] = field(default_factory=list)   # inputs whose report was already current
    failed: list[tuple[Path, str]] = field(default_factory=list)
    folders: dict[str, Path] = field(default_factory=dict)  # input -> its report folder
    index: Path | None = None
    db: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class Job:
    """What a worker needs for one input: plain, picklable data."""

    source: str
    folder: str
    options: RunOptions
    key: str
    content_hash: str
    transcript_only: bool = False
    tries: int = 0
    fresh: bool = False   # --force: from the input itself, even where the report was corrected (talkscan update)


@dataclass
class FileOutcome:
    source: str
    folder: str
    ok: bool
    message: str | None = None
    seconds: float = 0.0
    input_error: bool = False  # the input itself is bad (corrupt, silent, malformed): retrying cannot help
    note: str | None = None    # done, but the user should know something about the result



def _clean_temporaries(folder: Path) -> None:
    """write_atomic's temporaries, left by a process killed mid-write."""
    if folder.is_dir():
        for p in folder.glob(".*.tmp"):
            try:
                p.unlink()
            except OSError:
                pass


# -- the per-file work (runs in a worker) ------------------------------------------------------------

_DATE_IN_NAME = re.compile(r"(?<!\d)(20\d\d)[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")


def meeting_date(path: Path) -> str | None:
    """The meeting's date when known: a date in the file name, else a transcript's header (Meet's
    title line, Teams' date line) or the recording's creation time."""
    m = _DATE_IN_NAME.search(path.name)
    if m:
        return f"{m[1]}-{m[2]}-{m[3]}"
    if is_transcript(path):
        return _transcript_date(path)
    try:
        import av

        with av.open(str(path), metadata_errors="ignore") as c:
            created = c.metadata.get("creation_time") or ""
    except Exception:  # noqa: BLE001 - a date is a nicety; the decoder reports broken files properly
        return None
    m = re.match(r"(\d{4}-\d{2}-\d{2})", created)
    return m[1] if m and not m[1].startswith("1970") else None


def _transcript_date(path: Path) -> str | None:
    from .readers import decode
    from .readers.docx import paragraphs
    from .readers.header import header_date

    try:
        if path.suffix.lower() == ".docx":
            return header_date(paragraphs(path.read_bytes(), str(path)))
        if path.suffix.lower() == ".txt":
            with path.open("rb") as f:   # the header is at the top; a cut character decodes as one
                return header_date(decode(f.read(8192), str(path)).splitlines())
    except (OSError, TalkscanError):   # a date is a nicety; reading the transcript reports the file
        pass
    return None


def _write_outputs(t, folder: Path, meta: dict[str, Any], transcript_only: bool) -> None:
    """The pipeline's report files with the resume key in the marker, which is written last."""
    from .pipeline import write_report, write_transcript_files

    if transcript_only:
        write_transcript_files(t, folder, meta)
    else:
        write_report(t, folder, meta=meta)


def _discard_partial(folder: Path, transcript_only: bool) -> None:
    """After a failure: no half report stays behind. A folder whose marker is still there holds the
    previous report, whole: the failure came before any writing, and it is kept."""
    if marker_path(folder, transcript_only).exists():
        return
    for name in REPORT_FILES:
        try:
            (folder / name).unlink()
        except OSError:
            pass
    _clean_temporaries(folder)
    try:
        folder.rmdir()  # only when empty: never a folder holding the user's own files
    except OSError:
        pass


def _error_message(e: BaseException) -> str:
    if isinstance(e, TalkscanError):
        return e.message
    first = str(e).splitlines()[0] if str(e) else ""
    return f"internal error: {type(e).__name__}: {first}".rstrip(": ")


def corrected_transcript(folder: Path, marker: dict | None, content_hash: str):
    """(transcript, the file it was corrected in, names given by hand) of the report in `folder`
    (`marker`: its report.json as read) when `talkscan update` made it from a corrected transcript
    of this same input; None otherwise."""
    from .errors import TalkscanError
    from .rename import report_transcript

    if not marker or not marker.get("edited") or marker.get("content_sha256") != content_hash:
        return None
    try:
        t = report_transcript(folder)
    except TalkscanError:
        return None
    renamed = marker.get("renamed") if isinstance(marker.get("renamed"), dict) else {}
    return t, str(marker["edited"]), renamed


def _corrections_pending(folder: Path, marker: dict | None) -> str | None:
    """Why redoing `folder` would lose work: a transcript file in it corrected by hand and not
    analysed (or, for `talkscan transcribe`, not kept anywhere else) yet; None when there is none.
    `marker`: the folder's report.json (transcript.json for `transcribe`) as read."""
    from .errors import TalkscanError
    from .rename import report_transcript
    from .update import pending_corrections

    if marker is None:
        return None
    try:
        pending = pending_corrections(folder, report_transcript(folder), marker)
    except TalkscanError:   # no readable transcript.json: nothing to compare with, the redo remakes it
        return None
    if not pending:
        return None
    if (folder / "report.json").is_file():
        return (f"{pending[0]} was corrected but not analysed: run `talkscan update {folder}` first, or undo "
                "the correction (this run would write over it)")
    # no report to say which of the files was corrected: they disagree, and the redo would rewrite both
    return (f"{pending[0]} and {folder / 'transcript.json'} disagree, so one was corrected by hand: copy them "
            "elsewhere or undo the correction (this run would write over them)")


def process_file(job: Job, progress=None) -> FileOutcome:
    """One input → its report folder. Never raises: a failure comes back as an outcome, so one bad
    input cannot stop a batch on any executor."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from .pipeline import analyze, apply_names, in_report_folder, load_transcript
    from .progress import no_progress
    from .rename import carry_names, previous_names

    progress = progress or no_progress
    started = time.monotonic()
    path, folder = Path(job.source), Path(job.folder)
    try:
        old = None if job.transcript_only else read_marker(folder, False)
        # names given with `talkscan rename` survive a redo, unless --names says otherwise
        previous = None if job.options.names else previous_names(old)
        # so does a transcript corrected with `talkscan update`, unless --force
        corrected = None if job.fresh else corrected_transcript(folder, old, job.content_hash)
        _clean_temporaries(folder)
        if corrected is not None:
            from .update import note_correction

            t, edited, renamed = corrected
            if job.options.names:
                apply_names(t, job.options.names)
                renamed = {}
            t.notes = note_correction(t, t.notes, edited)
        else:
            t, edited = load_transcript(path, job.options, progress), None
            renamed = carry_names(t, previous)[0] if previous else {}
            if in_report_folder(path) and folder.resolve() != path.parent.resolve():
                what = "the report" if path.name.lower() == "report.json" else "the transcript of the report"
                t.notes.append(f"this is {what} in {path.parent}: to analyse that report "
                               f"again from it, in place, run `talkscan update {path.parent}`")
        if not job.transcript_only and job.options.analyze:
            t = analyze(t, job.options, progress)
        meta = {"cache_key": job.key, "content_sha256": job.content_hash, "meeting_date": meeting_date(path)}
        if edited:
            meta["edited"] = edited
        if renamed:
            meta["renamed"] = renamed
        if job.options.policy is not None:   # so `talkscan rename` flags the meeting by the same policy
            meta["policy"] = str(Path(job.options.policy).resolve())
        # The old report stays whole until the new one is ready: an input that fails now, a full disk
        # while writing, or a run stopped with Ctrl-C leaves it as it was (files.write_together).
        _write_outputs(t, folder, meta, job.transcript_only)
    except Exception as e:  # noqa: BLE001 - recorded as this input's failure
        if os.environ.get("TALKSCAN_DEBUG"):
            import traceback

            traceback.print_exc()
        _discard_partial(folder, job.transcript_only)
        from .errors import InputError

        return FileOutcome(
            job.source, job.folder, False, _error_message(e), time.monotonic() - started, isinstance(e, InputError)
        )
    return FileOutcome(job.source, job.folder, True, None, time.monotonic() - started, note="; ".join(t.notes) or None)


# -- the batch -------------------------------------------------------------------------------------


def file_time(path: Path) -> str:
    """The input's modification time, as the history orders meetings without a date."""
    return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")


def run_batch(
    files: list[Path],
    out: Path,
    options: RunOptions,
    batch: BatchOptions | None = None,
    progress: Callable[[BatchEvent], None] | None = None,
) -> BatchResult:
    """Process `files` into report folders under `out`, skipping current ones, recording each
    meeting (or failure) in the history database and writing `out/index.html`."""
    from .pipeline import check_out_dir
    from .store import Store, default_db

    batch = batch or BatchOptions()
    if batch.workers < 1:
        raise UsageError(f"--workers must be at least 1 (got {batch.workers})")
    out = Path(out)
    check_out_dir(out)
    emit = progress or (lambda event: None)
    result = BatchResult()
    store = None if batch.transcript_only else Store(batch.db or default_db(out))
    result.db = store.path if store else None
    total = len(files)
    running: dict[str, float] = {}  # source -> start time
    processed_times: list[float] = []
    t0 = time.monotonic()

    def finished() -> int:
        return len(result.done) + len(result.skipped) + len(result.failed)

    def eta() -> float | None:
        left = total - finished()
        if not processed_times or left <= 0:
            return 0.0 if left <= 0 else None
        rate = len(processed_times) / max(1e-6, time.monotonic() - t0)  # files per second, all slots together
        return left / rate

    def event(kind: str, **kw) -> None:
        emit(BatchEvent(kind, total, finished(), tuple(running), eta(), **kw))

    calm = contextlib.ExitStack()   # holds Ctrl-C off the cleanup once a first one has stopped the run

    def fail(
        path: Path, message: str, job: Job | None = None, folder: Path | None = None, input_error: bool = False
    ) -> None:
        result.failed.append((path, message))
        if store is not None:
            store.add_failure(str(path), message, job and job.content_hash, job and job.key, input_error)
            if folder is not None and not marker_path(folder, False).is_file():   # a previous report kept whole stays
                store.remove_meeting(folder)
        event("fail", source=str(path), message=message)

    try:
        # plan: report folders, keys, and what is already current
        taken: set[str] = set()
        todo: list[Job] = []
        event("plan")
        for f in files:
            try:
                h = file_sha256(f)
                key = cache_key(f, options, batch.transcript_only, h)
            except OSError as e:
                result.folders[str(f)] = out / meeting_name(f)   # no report is made: the name is for the record
                broken = f.is_symlink() and not f.exists()
                fail(f, "broken link" if broken else f"cannot be read ({e.strerror or e})")
                continue
            folder, marker = own_report_dir(f, h, out, taken, batch.transcript_only)
            result.folders[str(f)] = folder
            _clean_temporaries(folder)
            if not batch.force and report_is_current(folder, key, batch.transcript_only, marker):
                if store is not None and not store.has_meeting(folder, key):
                    # the report was completed by a run killed before its database insert
                    store.add_meeting(folder, marker or {}, h, file_time=file_time(f))
                result.skipped.append(f)
                event("skip", source=str(f), message="report is current")
                continue
            unsaved = _corrections_pending(folder, marker)
            if unsaved is not None:
                # redoing the report would write over the user's corrections: this input waits for them
                fail(f, unsaved)
                continue
            known = None if batch.force or store is None else store.known_failure(str(f), key)
            if known is not None:
                # unchanged since it failed as a bad input: it stays failed, without another try
                result.failed.append((f, known))
                event("fail", source=str(f), message=f"unchanged since it failed: {known}")
                continue
            todo.append(Job(str(f), str(folder), options, key, h, batch.transcript_only, fresh=batch.force))

        if todo:
            if batch.scheduler:
                executor = DaskPool(process_file, batch.scheduler)
            elif batch.workers == 1:
                executor = InProcess(
                    process_file, lambda src, s, d, tt: event("stage", source=src, stage=s, stage_done=d, stage_total=tt)
                )
            else:
                executor = LocalPool(process_file, min(batch.workers, len(todo)))
            interrupted = False
            try:
                _drive(executor, todo, running, processed_times, event, result, store, fail)
            except KeyboardInterrupt:
                # The files in flight are dropped (each report is written whole or not at all); a
                # second Ctrl-C must not cut short the history and index of the finished ones.
                interrupted = True
                calm.enter_context(ctrl_c_ignored())
                raise
            finally:
                executor.close(interrupted)
    finally:
        with calm:
            try:
                if store is not None and batch.index:
                    from .report.index import write_index

                    store.forget_missing()
                    result.index = write_index(store, out)
            finally:
                if store is not None:
                    store.close()
    order = {str(f): i for i, f in enumerate(files)}  # outcomes arrive as workers finish: report in input order
    result.done.sort(key=lambda p: order.get(str(p), 0))
    result.failed.sort(key=lambda pm: order.get(str(pm[0]), 0))
    event("finish")
    return result


def _drive(executor, todo, running, processed_times, event, result, store, fail) -> None:
    """Keep `executor.slots` jobs in flight; collect outcomes as they finish."""
    queue = list(todo)
    inflight: dict[Any, Job] = {}

    def top_up() -> None:
        while queue and len(inflight) < executor.slots:
            job = queue.pop(0)
            running[job.source] = time.monotonic()
            event("start", source=job.source)
            inflight[executor.submit(job)] = job

    top_up()
    while inflight:
        died = False
        for fut in executor.wait_any(list(inflight)):
            job = inflight.pop(fut)
            running.pop(job.source, None)
            try:
                outcome = executor.result(fut)
            except WorkerDied as e:
                died = True
                job.tries += 1
                if job.tries < MAX_TRIES:
                    queue.insert(0, job)  # it may have been an innocent neighbour of the crash
                else:
                    fail(Path(job.source), f"worker process died ({e})", job, Path(job.folder))
                continue
            processed_times.append(outcome.seconds)
            if outcome.ok:
                folder = Path(outcome.folder)
                if store is not None:
                    report = read_marker(folder)
                    if report is None:
                        fail(Path(job.source), "report.json missing after processing", job, folder)
                        continue
                    store.add_meeting(folder, report, job.content_hash, file_time=file_time(Path(job.source)))
                result.done.append(Path(job.source))
                event("done", source=job.source, message=outcome.note)
            else:
                fail(Path(job.source), outcome.message or "failed", job, Path(job.folder), outcome.input_error)
        if died:
            # a broken pool fails every future it holds: start a fresh one, requeue what was in flight
            for fut, job in list(inflight.items()):
                running.pop(job.source, None)
                queue.insert(0, job)
            inflight.clear()
            executor.restart()
        top_up()


def history_text(db: Path, width: int = 100) -> str:
    """`talkscan history`: the meetings, each named person's moves and flags, recurring conflicts."""
    from .history import render_history
    from .store import read_only

    with read_only(db) as store:
        store.forget_missing()   # as index.html does: a deleted report is no longer a meeting
        return render_history(store, width)
