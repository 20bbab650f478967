"""The Python original's counters (Chapter16, example3-4) without their sleep: a counter
behind one threading.Lock, the approximate counter (a local count per thread, flushed to a
locked global count every THRESHOLD increments), and a counter with no lock at all. Each
runs on 1 and 2 threads for SECONDS per run; prints millions of increments per second, best
(slowest) of 3 runs, and checks the counts. Standard library only; Python 3.11 or newer."""

import argparse
import sys
import threading
import time

THRESHOLD = 10
CHUNK = 1000  # increments between two looks at the clock


# ANCHOR: counters
class LockedCounter:
    def __init__(self, threads: int):
        self.value = 0
        self.lock = threading.Lock()

    def increment(self, me: int) -> None:
        with self.lock:
            self.value += 1

    def total(self) -> int:
        return self.value


class ApproximateCounter:
    """OSTEP's approximate counter: a reader of `value` lags by up to threads x THRESHOLD."""

    def __init__(self, threads: int):
        self.value = 0
        self.lock = threading.Lock()
        self.local = [0] * threads
        self.local_locks = [threading.Lock() for _ in range(threads)]

    def increment(self, me: int) -> None:
        with self.local_locks[me]:
            self.local[me] += 1
            if self.local[me] >= THRESHOLD:
                with self.lock:
                    self.value += self.local[me]
                self.local[me] = 0

    def total(self) -> int:
        return self.value + sum(self.local)


class UnlockedCounter:
    """`self.value += 1` is a load, an add and a store: a switch between them loses one."""

    def __init__(self, threads: int):
        self.value = 0

    def increment(self, me: int) -> None:
        self.value += 1

    def total(self) -> int:
        return self.value
# ANCHOR_END: counters


def timed_run(make, threads: int, budget: float):
    """`threads` threads increment one fresh counter for `budget` seconds each, released
    together. Returns (increments per second, increments done, final count)."""
    counter = make(threads)
    gate = threading.Barrier(threads)
    spans = [None] * threads
    done = [0] * threads

    def work(me: int) -> None:
        gate.wait()
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < budget:
            for _ in range(CHUNK):
                counter.increment(me)
            n += CHUNK
        spans[me] = (start, time.perf_counter())
        done[me] = n

    workers = [threading.Thread(target=work, args=(me,)) for me in range(threads)]
    started = []
    try:
        for worker in workers:
            worker.start()
            started.append(worker)
    except RuntimeError as error:
        gate.abort()  # the started threads leave the barrier with BrokenBarrierError
        for worker in started:
            worker.join()
        sys.exit(f"error: could not start a thread: {error}")
    for worker in workers:
        worker.join()
    if any(span is None for span in spans):
        sys.exit("error: a worker thread failed")
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    return sum(done) / elapsed, sum(done), counter.total()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("seconds", nargs="?", type=float, default=0.3,
                        help="length of each timed run (default 0.3)")
    args = parser.parse_args()
    if not 0.01 <= args.seconds <= 60:
        parser.error("SECONDS must be a number from 0.01 to 60")
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"python: {sys.version.split()[0]}, GIL enabled: {gil}")
    print(f"millions of increments per second, best (slowest) of 3 runs of {args.seconds:.2f} s:")
    print(f"{'counter':<28} {'1 thread':>13} {'2 threads':>13}")
    exact = True
    lost = (0, 0)
    for name, make in [("Lock around one count", LockedCounter),
                       ("approximate, threshold 10", ApproximateCounter),
                       ("no lock", UnlockedCounter)]:
        row = f"{name:<28}"
        for threads in (1, 2):
            runs = [timed_run(make, threads, args.seconds) for _ in range(3)]
            rates = [rate for rate, _, _ in runs]
            row += f" {max(rates) / 1e6:>6.2f} ({min(rates) / 1e6:.2f})"
            for _, added, final in runs:
                if make is UnlockedCounter:
                    if threads == 2:
                        lost = (lost[0] + added - final, lost[1] + added)
                else:
                    exact &= final == added
        print(row)
    print(f"Lock and approximate counts exact: {exact}")
    print(f"no lock, 2 threads: {100 * lost[0] / lost[1]:.4f}% of increments lost")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.stdout = None  # a closed pipe (`| head`): end quietly
