"""What the GIL makes of memory ordering. First the store-buffering litmus test of chapter 17
in Python: two threads, each stores to one list slot and loads the other's, round after
round, with a call between the two; under the GIL no round ends with both loads seeing the
old value. Then the Python original's Chapter17 experiments: 1000 threads
that each run `n += 1` once, and 1000 that each append to one list once, under several
switch intervals, counting what was lost. Standard library only; Python 3.11 or newer."""

import argparse
import sys
import threading

ROUNDS = 200_000
INTERVALS = (0.005, 0.0001, 0.000001)  # the default 5 ms, 100 us, and the original's 1 us
THREADS = 1000

n = 0


# ANCHOR: litmus
def switch_point() -> None:
    """Does nothing, but calling it is a point where the interpreter may hand the GIL over."""


def store_buffering(rounds: int) -> dict[str, int]:
    """Thread A stores x[r] then loads y[r]; thread B stores y[r] then loads x[r]; a call
    between the store and the load lets a thread switch fall inside a round. The threads
    run freely, so a round can end both new only when a switch catches both in it."""
    x = [0] * rounds
    y = [0] * rounds
    seen_by_a = [0] * rounds
    seen_by_b = [0] * rounds

    def a() -> None:
        for r in range(rounds):
            x[r] = 1
            switch_point()
            seen_by_a[r] = y[r]

    def b() -> None:
        for r in range(rounds):
            y[r] = 1
            switch_point()
            seen_by_b[r] = x[r]

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = {"both old": 0, "one old": 0, "both new": 0}
    for ra, rb in zip(seen_by_a, seen_by_b):
        key = "both new" if ra and rb else "one old" if ra or rb else "both old"
        outcomes[key] += 1
    return outcomes
# ANCHOR_END: litmus


# ANCHOR: increments
def add_once() -> None:
    """The original's example1.py: one `n += 1` per thread."""
    global n
    n += 1


def append_once(items: list) -> None:
    """The original's example2.py: one `append` per thread."""
    items.append(1)
# ANCHOR_END: increments


def run_threads(target, args: tuple, threads: int) -> None:
    workers = [threading.Thread(target=target, args=args) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def lost(threads: int) -> tuple[int, int]:
    """Runs the two experiments with `threads` threads; returns how many increments and
    how many appends were lost."""
    global n
    n = 0
    run_threads(add_once, (), threads)
    items: list = []
    run_threads(append_once, (items,), threads)
    return threads - n, threads - len(items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"python: {sys.version.split()[0]}, GIL {'enabled' if gil else 'disabled'}")
    default_interval = sys.getswitchinterval()
    for interval in INTERVALS:
        sys.setswitchinterval(interval)
        us = interval * 1e6
        sb = store_buffering(ROUNDS)
        print(
            f"switch interval {us:.1f} us: store buffering, {ROUNDS} rounds: "
            f"both old in {sb['both old']}, both new in {100.0 * sb['both new'] / ROUNDS:.4f}%"
        )
        lost_adds, lost_appends = lost(THREADS)
        print(
            f"  {THREADS} threads once each: n += 1 lost {lost_adds}, "
            f"list.append lost {lost_appends}"
        )
    sys.setswitchinterval(default_interval)


if __name__ == "__main__":
    main()
