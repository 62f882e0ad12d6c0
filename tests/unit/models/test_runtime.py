"""Where a torch model runs: items mapped over a CPU's cores."""

import threading

import pytest
import torch

from synth.models.runtime import map_on_cores


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_items_run_side_by_side_with_one_torch_thread_each_and_come_back_in_order(two_threads):
    seen, done = [], []

    def work(item: int) -> int:
        seen.append((threading.get_ident(), torch.get_num_threads()))
        return item * item

    assert map_on_cores(work, list(range(8)), torch.device("cpu"), done.append) == [i * i for i in range(8)]
    assert done == list(range(8))
    assert {threads for _, threads in seen} == {1}
    assert threading.get_ident() not in {ident for ident, _ in seen}
    assert torch.get_num_threads() == 2  # restored


def test_the_thread_count_is_restored_when_an_item_fails(two_threads):
    def work(item: int) -> int:
        if item == 3:
            raise ValueError("bad item")
        return item

    with pytest.raises(ValueError, match="bad item"):
        map_on_cores(work, list(range(5)), torch.device("cpu"))
    assert torch.get_num_threads() == 2


def test_one_thread_or_one_item_runs_here(two_threads):
    here = threading.get_ident()
    assert map_on_cores(lambda _: threading.get_ident(), [0], torch.device("cpu")) == [here]
    torch.set_num_threads(1)
    assert map_on_cores(lambda _: threading.get_ident(), [0, 1, 2], torch.device("cpu")) == [here] * 3


def test_maps_started_on_two_threads_at_once_leave_the_thread_count_as_it_was(two_threads):
    results = []

    def draw() -> None:
        results.append(map_on_cores(lambda i: torch.get_num_threads() + i, [0, 0, 0], torch.device("cpu")))

    callers = [threading.Thread(target=draw) for _ in range(4)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    assert results == [[1, 1, 1]] * 4
    assert torch.get_num_threads() == 2
