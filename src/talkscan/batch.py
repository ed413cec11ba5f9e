"""Folder runs: many inputs, in parallel, resumable, with the history in SQLite and an index.html.

Each input gets a resume key (its content hash + the options that change its results + the model
versions + talkscan's own code) written into its report.json, which is written last and so marks a
complete report. A rerun skips inputs whose report.json carries the current key. Workers (local
processes or Dask workers, the same `process_file`) only write report folders; the parent process
alone writes the database, after a report is complete, so a SIGKILL at any moment leaves nothing
half-done that a rerun would not redo.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from .errors import TalkscanError, UsageError
from .weights import file_sha256
from .pipeline import RunOptions, is_transcript, meeting_name

__all__ = [
    "BatchOptions", "BatchEvent", "BatchResult", "FileOutcome", "Job",
    "run_batch", "history_text", "cache_key", "process_file", "report_is_current",
]

KEY_VERSION = "talkscan.key/1"
REPORT_FILES = ("transcript.vtt", "transcript.srt", "transcript.json", "report.html", "report.json")
TRANSCRIPT_FILES = ("transcript.vtt", "transcript.srt", "transcript.json")
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


# -- resume keys ---------------------------------------------------------------------------------


def _files_fingerprint(folder: Path, patterns: tuple[str, ...]) -> str | None:
    """Hash of the files' paths (relative to `folder`) and contents: the trained heads and the
    package's own files are small, so this is cheap."""
    if not folder.is_dir():
        return None
    h = hashlib.sha256()
    found = False
    for pattern in patterns:
        for p in sorted(folder.glob(pattern)):
            if "__pycache__" in p.parts or not p.is_file():
                continue
            found = True
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(file_sha256(p).encode())
    return h.hexdigest()[:16] if found else None


# talkscan's own files that shape a report: the code, the report templates, the default policy
CODE_PATTERNS = ("**/*.py", "**/*.j2", "**/*.js", "**/*.css", "**/*.json", "**/*.toml")


def code_fingerprint(package: Path | None = None) -> str | None:
    """The installed talkscan's own files, hashed. Its decoding rules, readers and report layout
    change between releases without the weights or the version number changing, so a report made
    by other code is not current."""
    return _files_fingerprint(package or Path(__file__).resolve().parent, CODE_PATTERNS)


@lru_cache(maxsize=8)
def _model_versions(asr_model: str | None, models_dir: str) -> dict[str, Any]:
    from . import __version__
    from .report.json_report import SCHEMA
    from .weights import BUNDLED

    versions: dict[str, Any] = {
        "talkscan": __version__,
        "code": code_fingerprint(),
        "report": SCHEMA,
        # the recorded hashes are what weights.py lets load: they name the bundled models exactly
        "bundled": {pkg: [d for _, d in files] for pkg, files in sorted(BUNDLED.items())},
        "heads": _files_fingerprint(Path(models_dir), ("*.safetensors", "*.json")),
    }
    try:
        from .nlp.emotion_bridge import emotion_model_name

        versions["emotion"] = emotion_model_name()
    except Exception:  # noqa: BLE001 - an analyzer being rebuilt must not stop key computation
        versions["emotion"] = None
    if asr_model is not None:
        p = Path(asr_model).expanduser()
        if (p / "model.bin").is_file():
            st = (p / "model.bin").stat()  # a local Whisper folder: size+mtime, hashing GBs per run is too slow
            versions["asr"] = [str(p.resolve()), st.st_size, int(st.st_mtime)]
        else:
            versions["asr"] = asr_model
    return versions


def _models_dir() -> str:
    try:
        from .nlp.analyzer import default_models_dir

        return str(default_models_dir())
    except Exception:  # noqa: BLE001
        return str(Path(__file__).resolve().parents[2] / "models")


def _policy_fingerprint(policy: Path | None) -> str | None:
    if policy is None:
        return None
    try:
        return hashlib.sha256(Path(policy).read_bytes()).hexdigest()[:16]
    except OSError:
        return str(policy)


def key_parts(path: Path, options: RunOptions, transcript_only: bool, content_hash: str) -> dict[str, Any]:
    """Everything that changes an input's results. Speed-only options (threads) are left out, and
    a transcript ignores the ASR and speaker options, so changing --model does not redo it."""
    parts: dict[str, Any] = {
        "key": KEY_VERSION,
        "content": content_hash,
        "suffix": path.suffix.lower(),  # the reader depends on it
        "transcript_only": transcript_only,
        "names": options.names,
        "models": _model_versions(options.asr.model if not is_transcript(path) else None, _models_dir()),
    }
    if not is_transcript(path):
        a = options.asr
        parts["asr"] = {
            "model": a.model, "language": a.language, "device": a.device,
            "compute_type": a.compute_type, "beam_size": a.beam_size, "vad": a.vad,
        }
        s = options.speakers
        parts["speakers"] = [s.num_speakers, s.min_speakers, s.max_speakers]
        if s.channels != "mix":  # absent for the default, so existing reports stay current
            parts["channels"] = s.channels
        if options.voices is not None:
            from .voiceprints import voices_fingerprint

            # enrolling, removing or re-enrolling a voice changes who gets named
            parts["voices"] = voices_fingerprint(options.voices)
    if not transcript_only:
        parts["analyze"] = options.analyze
        parts["policy"] = _policy_fingerprint(options.policy)
    if transcript_only or not options.analyze:
        parts["models"] = {k: v for k, v in parts["models"].items() if k not in ("heads", "emotion")}
    return parts


def cache_key(path: Path, options: RunOptions, transcript_only: bool = False, content_hash: str | None = None) -> str:
    content_hash = content_hash or file_sha256(path)
    blob = json.dumps(key_parts(path, options, transcript_only, content_hash), sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _marker(folder: Path, transcript_only: bool) -> Path:
    return folder / ("transcript.json" if transcript_only else "report.json")


def read_marker(folder: Path, transcript_only: bool = False) -> dict[str, Any] | None:
    """The folder's completion marker as a dict, or None when missing or not valid JSON."""
    try:
        data = json.loads(_marker(folder, transcript_only).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def report_is_current(folder: Path, key: str, transcript_only: bool = False, data: dict | None = None) -> bool:
    """`data`: the folder's marker when the caller has read it already (planning reads it anyway)."""
    data = data if data is not None else read_marker(folder, transcript_only)
    if data is None or data.get("cache_key") != key:
        return False
    schema = str(data.get("schema", ""))
    if not schema.startswith("talkscan.transcript/" if transcript_only else "talkscan.report/"):
        return False
    files = TRANSCRIPT_FILES if transcript_only else REPORT_FILES
    return all((folder / f).is_file() for f in files)


def _from_input(marker: dict, path: Path, content_hash: str) -> bool:
    """Was this marker's report made from this input: the same content, or the same file (edited since)?"""
    if marker.get("content_sha256") == content_hash:
        return True
    source = marker.get("source")
    return isinstance(source, str) and bool(source) and os.path.realpath(source) == os.path.realpath(path)


def _made_from(folder: Path, path: Path, content_hash: str, transcript_only: bool) -> tuple[bool | None, dict | None]:
    """Does `folder` hold a report (or transcript) made from this input? None when it holds neither.
    Also returns the folder's marker of this run's kind, read once for report_is_current too (a long
    meeting's report.json is megabytes); the other kind is read only when this one does not decide."""
    own = read_marker(folder, transcript_only)
    if own is not None and _from_input(own, path, content_hash):
        return True, own
    other = read_marker(folder, not transcript_only)
    if other is not None and _from_input(other, path, content_hash):
        return True, own
    return (None if own is None and other is None else False), own


def own_report_dir(path: Path, content_hash: str, out: Path, taken: set[str],
                   transcript_only: bool = False) -> tuple[Path, dict | None]:
    """DIR/<name>/, unless another input of this run has it (`taken`) or it holds the report of
    another input (team-a/standup.m4a run last week, team-b/standup.m4a today): then
    <name>-<ext>, <name>-<ext>-2, … A run never writes over another meeting's report. Returns the
    folder and its marker (None when there is none)."""
    stem, ext = meeting_name(path), path.suffix.lstrip(".").lower() or "file"
    for name in [stem, f"{stem}-{ext}"] + [f"{stem}-{ext}-{k}" for k in range(2, 1000)]:
        if name in taken:
            continue
        mine, marker = _made_from(out / name, path, content_hash, transcript_only)
        if mine is not False:
            taken.add(name)
            return out / name, marker
    raise UsageError(f"no free report folder for '{stem}' in {out}", path=str(path))


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
    if _marker(folder, transcript_only).exists():
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


# -- executors ---------------------------------------------------------------------------------------


class _WorkerDied(Exception):
    pass


@contextlib.contextmanager
def _ctrl_c_ignored():
    """SIGINT ignored in this process meanwhile, and in every process it starts meanwhile (an ignored
    signal stays ignored across exec, and Python then installs no KeyboardInterrupt for it)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():   # only the main thread may set handlers
        yield
        return
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)


class _InProcess:
    """workers=1 without a scheduler: no pool to start, and stage progress reaches the caller."""

    slots = 1

    def __init__(self, emit_stage: Callable[[str, str, float, float | None], None]):
        self.emit_stage = emit_stage

    def submit(self, job: Job):
        from concurrent.futures import Future

        fut: Future = Future()
        fut.set_result(process_file(job, lambda s, d, t: self.emit_stage(job.source, s, d, t)))
        return fut

    def wait_any(self, futures):
        return set(futures)

    def result(self, fut) -> FileOutcome:
        return fut.result()

    def restart(self) -> None:
        pass

    def close(self, interrupted: bool = False) -> None:
        pass


def _share_cores(workers: int) -> None:
    """Each worker gets its share of the cores: N workers each using every core ran slower than one
    (benchmarks/batch.py: 2 workers 0.59x; with one thread each 1.19x)."""
    share = str(max(1, (os.cpu_count() or 1) // workers))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, share)
    os.environ.setdefault("TALKSCAN_THREADS", share)


class _LocalPool:
    def __init__(self, workers: int):
        self.slots = workers
        self.pool = None
        self.restart()

    def restart(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        # spawn: torch and CTranslate2 threads do not survive fork; workers keep their lru_cached models
        self.pool = ProcessPoolExecutor(
            max_workers=self.slots,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_share_cores,
            initargs=(self.slots,),
        )

    def submit(self, job: Job):
        # The pool starts its workers in submit. Ctrl-C reaches the whole process group: a worker
        # still starting up printed its own traceback. Workers ignore it; the parent stops them (close).
        with _ctrl_c_ignored():
            return self.pool.submit(process_file, job)

    def wait_any(self, futures):
        from concurrent.futures import FIRST_COMPLETED, wait

        return wait(futures, return_when=FIRST_COMPLETED).done

    def result(self, fut) -> FileOutcome:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return fut.result()
        except BrokenProcessPool as e:
            raise _WorkerDied(str(e) or "a worker process died") from None

    def close(self, interrupted: bool = False) -> None:
        if interrupted:   # the workers ignore Ctrl-C: stop them rather than wait for their files
            for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
                proc.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Dask:
    def __init__(self, scheduler):
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--scheduler needs the 'distributed' package (pip install distributed)") from None
        try:
            self.client = scheduler if hasattr(scheduler, "submit") else Client(scheduler, timeout="20s")
            self.own = not hasattr(scheduler, "submit")
            threads = sum(self.client.nthreads().values())
        except (OSError, TimeoutError) as e:
            raise UsageError(f"cannot reach the Dask scheduler ({e})", path=str(scheduler)) from None
        except (ValueError, TypeError) as e:   # "notanaddress", "tcp://host:port"
            raise UsageError(f"not a Dask scheduler address, such as tcp://host:8786 ({e})", path=str(scheduler)) from None
        # keep a little queue on the cluster so no worker waits for the parent
        self.slots = max(1, threads) * 2

    def submit(self, job: Job):
        # pure=False: a retried job must run again, not return the cached future
        return self.client.submit(process_file, job, pure=False)

    def wait_any(self, futures):
        from distributed import wait

        return wait(list(futures), return_when="FIRST_COMPLETED").done

    def result(self, fut) -> FileOutcome:
        try:
            return fut.result()
        except Exception as e:  # noqa: BLE001 - KilledWorker, lost connection: the file's failure
            raise _WorkerDied(f"{type(e).__name__}: {e}") from None

    def restart(self) -> None:
        pass

    def close(self, interrupted: bool = False) -> None:
        if self.own:
            self.client.close()


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
            if folder is not None and not _marker(folder, False).is_file():   # a previous report kept whole stays
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
                executor = _Dask(batch.scheduler)
            elif batch.workers == 1:
                executor = _InProcess(
                    lambda src, s, d, tt: event("stage", source=src, stage=s, stage_done=d, stage_total=tt)
                )
            else:
                executor = _LocalPool(min(batch.workers, len(todo)))
            interrupted = False
            try:
                _drive(executor, todo, running, processed_times, event, result, store, fail)
            except KeyboardInterrupt:
                # The files in flight are dropped (each report is written whole or not at all); a
                # second Ctrl-C must not cut short the history and index of the finished ones.
                interrupted = True
                calm.enter_context(_ctrl_c_ignored())
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
            except _WorkerDied as e:
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
