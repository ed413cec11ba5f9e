"""Running small torch batches one per core, each single-threaded.

On a shared machine a torch op split across two threads waits for whichever core another process
holds, at every step (the voice encoder's LSTM synchronises its thread team 480 times a window).
Batches run side by side, each on one thread, keep both cores busy without that wait. Shared by
the voice encoder (voice.py) and the sentence encoder (nlp/encoder.py)."""

from __future__ import annotations

from typing import Callable, Iterator, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_per_core(fn: Callable[[T], R], items: Sequence[T], name: str) -> Iterator[R]:
    """fn(item) for each item, in order, on `torch.get_num_threads()` threads with torch set to one
    thread each; the thread count is restored when the results are exhausted or abandoned."""
    import torch

    workers = max(1, min(torch.get_num_threads(), len(items)))
    if workers == 1:
        yield from map(fn, items)
        return
    from concurrent.futures import ThreadPoolExecutor

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    pool = ThreadPoolExecutor(workers, thread_name_prefix=name)
    try:
        yield from pool.map(fn, items)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        torch.set_num_threads(before)
