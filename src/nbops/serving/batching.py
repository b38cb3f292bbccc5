"""Requests that arrive while the model is busy are scored together, in one call.

A model's ``predict`` costs much more per call than per row (validation, pandas, pipeline
steps), so under concurrent load one call on the rows of every waiting request is much
cheaper than one call each. Nothing waits for a batch to fill: an idle model scores a lone
request at once, and whatever arrived meanwhile forms the next batch (up to ``max_rows``).
A small batch (up to ``inline_rows`` rows: a lone request's usual case) is scored on the event
loop itself: handing it to a worker thread and back costs two thread wake-ups, more than
scoring it, and on a loaded host each wake-up can wait for a time slice. The requests read
meanwhile wait in the socket buffers and form the next batch. A larger batch runs in a worker
thread, one batch at a time, so the event loop keeps answering (``/ping``) while it scores.
The drain starts as a task on the loop's next turn, so requests already read join the first
batch. Scikit-learn estimators score rows independently, so a row's
prediction does not depend on its batch (tested); if a batch fails, each request is scored
alone so that only the bad one gets the error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


class Batcher:
    def __init__(self, score: Callable[[list[dict], str], list], max_rows: int = 1024, inline_rows: int = 64):
        self._score = score  # (requests' columns, method) -> one result per row, in order
        self.max_rows = max_rows
        self.inline_rows = inline_rows
        self._pending: list[tuple[Any, asyncio.Future]] = []
        self._draining = False

    async def submit(self, request) -> list:
        """The request's results (one per row); InvalidValueError when the model refuses its rows."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append((request, future))
        if not self._draining:
            self._draining = True
            asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        from starlette.concurrency import run_in_threadpool

        try:
            while self._pending:
                batch = self._take()
                for method in {r.method for r, _ in batch}:
                    group = [(r, f) for r, f in batch if r.method == method]
                    requests = [r for r, _ in group]
                    try:
                        if sum(r.rows for r in requests) <= self.inline_rows:
                            outcomes = self._score_group(requests, method)
                        else:
                            outcomes = await run_in_threadpool(self._score_group, requests, method)
                    except BaseException as exc:  # never leave a request waiting
                        outcomes = [exc] * len(group)
                    for (_, future), outcome in zip(group, outcomes):
                        if future.done():
                            continue
                        if isinstance(outcome, BaseException):
                            future.set_exception(outcome)
                        else:
                            future.set_result(outcome)
        finally:
            self._draining = False

    def _take(self) -> list:
        rows, taken = 0, 0
        for request, _ in self._pending:
            if taken and rows + request.rows > self.max_rows:
                break
            rows += request.rows
            taken += 1
        batch, self._pending = self._pending[:taken], self._pending[taken:]
        return batch

    def _score_group(self, requests: list, method: str) -> list:
        """Per request: its slice of the batch's results, or the error scoring it alone gave."""
        try:
            results = self._score([r.columns for r in requests], method)
        except Exception as exc:  # noqa: BLE001  (handed to the requests' handlers)
            if len(requests) == 1:
                return [exc]
            return [_alone(self._score, r, method) for r in requests]
        out, start = [], 0
        for r in requests:
            out.append(results[start : start + r.rows])
            start += r.rows
        return out


def _alone(score, request, method: str):
    try:
        return score([request.columns], method)
    except Exception as exc:  # noqa: BLE001
        return exc
