"""The batcher in process: requests that arrive together are scored in one call; a small batch
is scored on the event loop's own thread, a large one in a worker thread while the loop keeps
serving; a refused request fails alone."""

from __future__ import annotations

import asyncio
import threading

import pytest

from nbops.errors import InvalidValueError
from nbops.serving.batching import Batcher
from nbops.serving.payload import Request


def request(values: list, method: str = "predict") -> Request:
    return Request({"x": values}, len(values), method)


class Recorder:
    """A scorer that doubles x, records each call's threads and sizes, and refuses negatives."""

    def __init__(self):
        self.calls: list[tuple[str, int]] = []

    def __call__(self, parts: list[dict], method: str) -> list:
        values = [v for p in parts for v in p["x"]]
        self.calls.append((threading.current_thread().name, len(values)))
        if any(v < 0 for v in values):
            raise InvalidValueError("negative x")
        return [2 * v for v in values]


def test_requests_that_arrive_together_are_one_call_on_the_loop_thread():
    scorer = Recorder()

    async def run():
        batcher = Batcher(scorer, inline_rows=64)
        return await asyncio.gather(*(batcher.submit(request([i, i + 100])) for i in range(10)))

    answers = asyncio.run(run())
    assert answers == [[2 * i, 2 * (i + 100)] for i in range(10)]
    assert scorer.calls == [(threading.current_thread().name, 20)]  # asyncio.run's loop runs here


def test_a_large_batch_runs_in_a_worker_thread_while_the_loop_serves():
    scorer = Recorder()

    async def run():
        batcher = Batcher(scorer, inline_rows=4)
        ticks = 0

        async def tick():
            nonlocal ticks
            while not big.done():
                ticks += 1
                await asyncio.sleep(0)

        big = asyncio.ensure_future(batcher.submit(request(list(range(50)))))
        await tick()
        return await big, ticks

    answer, ticks = asyncio.run(run())
    assert answer == [2 * v for v in range(50)]
    assert scorer.calls[0][0] != threading.current_thread().name and scorer.calls[0][1] == 50
    assert ticks > 0  # the loop ran other tasks while the batch was scored


@pytest.mark.parametrize("inline_rows", [64, 1])
def test_a_refused_request_fails_alone(inline_rows):
    scorer = Recorder()

    async def run():
        batcher = Batcher(scorer, inline_rows=inline_rows)
        calls = [batcher.submit(request([i])) for i in range(5)]
        calls.insert(2, batcher.submit(request([-1])))
        return await asyncio.gather(*calls, return_exceptions=True)

    answers = asyncio.run(run())
    bad = answers.pop(2)
    assert isinstance(bad, InvalidValueError)
    assert answers == [[2 * i] for i in range(5)]
