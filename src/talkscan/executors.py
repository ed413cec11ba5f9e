"""Where a batch's per-file work runs: in this process, in local worker processes, or on a Dask
cluster. Each executor takes the work function (`batch.process_file`, which never raises) and
offers the same calls: submit a job, wait for any to finish, take a result (WorkerDied where the
process running it died), restart, close."""

from __future__ import annotations

import contextlib
import os
from typing import Callable

from .errors import UsageError


class WorkerDied(Exception):
    pass


@contextlib.contextmanager
def ctrl_c_ignored():
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


class InProcess:
    """workers=1 without a scheduler: no pool to start, and stage progress reaches the caller."""

    slots = 1

    def __init__(self, work: Callable, emit_stage: Callable[[str, str, float, float | None], None]):
        self.work, self.emit_stage = work, emit_stage

    def submit(self, job):
        from concurrent.futures import Future

        fut: Future = Future()
        fut.set_result(self.work(job, lambda s, d, t: self.emit_stage(job.source, s, d, t)))
        return fut

    def wait_any(self, futures):
        return set(futures)

    def result(self, fut):
        return fut.result()

    def restart(self) -> None:
        pass

    def close(self, interrupted: bool = False) -> None:
        pass


def share_cores(workers: int) -> None:
    """Each worker gets its share of the cores: N workers each using every core ran slower than one
    (benchmarks/batch.py: 2 workers 0.59x; with one thread each 1.19x)."""
    share = str(max(1, (os.cpu_count() or 1) // workers))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, share)
    os.environ.setdefault("TALKSCAN_THREADS", share)


class LocalPool:
    """--workers N: local worker processes, each loading the models once."""

    def __init__(self, work: Callable, workers: int):
        self.work, self.slots = work, workers
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
            initializer=share_cores,
            initargs=(self.slots,),
        )

    def submit(self, job):
        # The pool starts its workers in submit. Ctrl-C reaches the whole process group: a worker
        # still starting up printed its own traceback. Workers ignore it; the parent stops them (close).
        with ctrl_c_ignored():
            return self.pool.submit(self.work, job)

    def wait_any(self, futures):
        from concurrent.futures import FIRST_COMPLETED, wait

        return wait(futures, return_when=FIRST_COMPLETED).done

    def result(self, fut):
        from concurrent.futures.process import BrokenProcessPool

        try:
            return fut.result()
        except BrokenProcessPool as e:
            raise WorkerDied(str(e) or "a worker process died") from None

    def close(self, interrupted: bool = False) -> None:
        if interrupted:   # the workers ignore Ctrl-C: stop them rather than wait for their files
            for proc in list((getattr(self.pool, "_processes", None) or {}).values()):
                proc.terminate()
        self.pool.shutdown(wait=True, cancel_futures=True)


class DaskPool:
    """--scheduler: the work runs on a Dask cluster, which needs talkscan installed on its workers."""

    def __init__(self, work: Callable, scheduler):
        self.work = work
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

    def submit(self, job):
        # pure=False: a retried job must run again, not return the cached future
        return self.client.submit(self.work, job, pure=False)

    def wait_any(self, futures):
        from distributed import wait

        return wait(list(futures), return_when="FIRST_COMPLETED").done

    def result(self, fut):
        try:
            return fut.result()
        except Exception as e:  # noqa: BLE001 - KilledWorker, lost connection: the file's failure
            raise WorkerDied(f"{type(e).__name__}: {e}") from None

    def restart(self) -> None:
        pass

    def close(self, interrupted: bool = False) -> None:
        if self.own:
            self.client.close()
