"""``python -m bench.waitfloor``: what each idiom of waiting costs at depth, with no database at all.

The gcouchbase goal of issue 18 compares N parked greenlets with one coroutine awaiting N futures
(bench/README.md). This measures the two idioms alone, in CPU µs per completed wait, with the SDK's
shape and nothing else:

* **gevent**: N worker greenlets; each makes a small pending object, stores itself in it, queues
  it and parks by switching to the hub through ``frames`` Python calls (gcouchbase's worker parks
  about six calls deep); a hub callback resumes the queued greenlets in turn, as gcouchbase's run
  queue does;
* **asyncio**: one coroutine creates N futures, one loop callback resolves them all (one readiness
  event's completions) and ``asyncio.gather`` awaits them, as the acouchbase contender does.

Any growth from 100 to 10,000 in flight is the idiom's own: no socket, no libcouchbase, no SDK.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
from collections import deque
from typing import Any, Callable, Dict, List

DEPTHS = (100, 1000, 10000)


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


class _Pending:
    __slots__ = ("key", "value", "waiter")

    def __init__(self, key: int) -> None:
        self.key, self.value, self.waiter = key, None, None


def gevent_wait(n: int, ops: int, frames: int) -> float:
    """CPU µs per wait of ``n`` greenlets each waiting ``ops`` times, parked ``frames`` calls deep."""
    import gevent
    from gevent.event import Event

    hub = gevent.get_hub()
    ready: deque = deque()
    done, left = Event(), [0]

    def resume() -> None:
        while ready:
            ready.popleft().waiter.switch()

    def park(pending: _Pending, depth: int) -> _Pending:
        if depth:
            return park(pending, depth - 1)
        pending.waiter = gevent.getcurrent()
        ready.append(pending)
        if len(ready) == 1:
            hub.loop.run_callback(resume)
        hub.switch()
        return pending

    def worker(count: int) -> None:
        for i in range(count):
            park(_Pending(i), frames)
        left[0] -= 1
        if left[0] == 0:
            done.set()

    figure = 0.0
    for count in (2, ops):  # a warm-up round, then the timed one
        left[0] = n
        done.clear()
        lets = [gevent.spawn(worker, count) for _ in range(n)]
        gevent.sleep(0)  # every worker started and parked once
        start = _cpu()
        done.wait()
        figure = (_cpu() - start) / (n * count) * 1e6
        gevent.joinall(lets)
    return figure


def asyncio_wait(n: int, ops: int, frames: int = 0) -> float:
    """CPU µs per wait of one coroutine gathering ``n`` futures, ``ops`` times (``frames`` unused)."""
    loop = asyncio.new_event_loop()

    async def main() -> float:
        start = 0.0
        for round_ in range(ops + 2):  # two warm-up rounds
            if round_ == 2:
                start = _cpu()
            futures = [loop.create_future() for _ in range(n)]

            def resolve(batch: List[asyncio.Future] = futures) -> None:
                for future in batch:
                    future.set_result(None)

            loop.call_soon(resolve)
            await asyncio.gather(*futures)
        return (_cpu() - start) / (n * ops) * 1e6

    try:
        return loop.run_until_complete(main())
    finally:
        loop.close()


IDIOMS: Dict[str, Callable[[int, int, int], float]] = {"gevent": gevent_wait, "asyncio": asyncio_wait}


def measure(total: int, frames: int) -> Dict[str, Dict[int, float]]:
    """Every idiom at every depth, ``total`` waits each (at least two per waiter)."""
    return {name: {n: fn(n, max(2, total // n), frames) for n in DEPTHS} for name, fn in IDIOMS.items()}


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.waitfloor", description=__doc__.split("\n")[0])
    parser.add_argument("--waits", type=int, default=200_000, help="waits per idiom and depth")
    parser.add_argument("--frames", type=int, default=6, help="calls between a worker and its park")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.waits < 1 or args.frames < 0:
        parser.error("--waits must be positive and --frames not negative")
    figures = measure(args.waits, args.frames)
    print(f"CPU µs per wait ({sys.implementation.name}, {args.waits} waits, "
          f"gevent parks {args.frames} calls deep)")
    print(f"{'idiom':<10}" + "".join(f"{'x' + str(n):>10}" for n in DEPTHS) + f"{'x10000 - x100':>16}")
    for name, row in figures.items():
        print(f"{name:<10}" + "".join(f"{row[n]:>10.2f}" for n in DEPTHS)
              + f"{row[DEPTHS[-1]] - row[DEPTHS[0]]:>+16.2f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"frames": args.frames, "waits": args.waits, "figures": figures}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
