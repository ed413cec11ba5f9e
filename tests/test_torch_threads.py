"""torch_threads.map_per_core: order, one torch thread per batch while it runs, the thread count
restored afterwards (also when the caller stops early)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from talkscan.torch_threads import map_per_core  # noqa: E402


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_results_in_order_single_threaded_inside_and_restored_after(two_threads):
    seen = list(map_per_core(lambda x: (x * x, torch.get_num_threads()), list(range(9)), "t"))
    assert [r for r, _ in seen] == [x * x for x in range(9)]
    assert {n for _, n in seen} == {1}
    assert torch.get_num_threads() == 2


def test_thread_count_restored_when_the_caller_stops_early(two_threads):
    it = map_per_core(lambda x: x, list(range(9)), "t")
    assert next(it) == 0
    it.close()
    assert torch.get_num_threads() == 2


def test_one_item_runs_in_the_caller_without_touching_the_thread_count(two_threads):
    assert list(map_per_core(lambda x: torch.get_num_threads(), [0], "t")) == [2]
    assert list(map_per_core(lambda x: x, [], "t")) == []
