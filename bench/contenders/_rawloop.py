"""Raw-mode batches on any AsyncResult-returning collection (raw SelectorLoop and TxRaw).

Each operation gets a plain ``callback``/``errback`` pair that counts down;
``wait(done)`` is the loop's own "run until" for the front end in use.
"""
from __future__ import annotations

import time
from typing import Any, Callable, List


def run_raw(coll: Any, mode: str, op: str, batches: List[List[str]], value: Any,
            wait: Callable[[Callable[[], bool]], None]) -> List[int]:
    clock, lat = time.perf_counter_ns, []
    errors: List[BaseException] = []
    left = [0]

    def ok(_result: Any) -> None:
        left[0] -= 1

    def failed(_op: Any, _t: Any, exc: BaseException, _tb: Any) -> None:
        errors.append(exc)
        left[0] -= 1

    def done() -> bool:
        return left[0] == 0

    get, upsert = coll.get, coll.upsert
    for batch in batches:
        t = clock()
        if mode == "multi":
            res = coll.get_multi(batch) if op == "get" else coll.upsert_multi(dict.fromkeys(batch, value))
            left[0] = 1
            res.callback, res.errback = ok, failed
        else:
            left[0] = len(batch)
            for key in batch:
                res = get(key) if op == "get" else upsert(key, value)
                res.callback, res.errback = ok, failed
        if left[0]:
            wait(done)
        lat.append(clock() - t)
        if errors:
            raise errors[0]
    return lat
