"""What the GIL is for, and what it costs: reference counts; CPU-bound Python on one and
two threads; a C function that releases the GIL (hashlib) on one and two threads; threads
that wait (time.sleep standing for I/O); and how long a waiting thread takes to get the GIL
back from a busy one, under two switch intervals. Standard library only; Python 3.11 or
newer."""

import argparse
import concurrent.futures
import hashlib
import math
import os
import statistics
import sys
import threading
import time


# ANCHOR: refcounts
def show_refcounts() -> None:
    token = object()
    # getrefcount's own argument may be one more reference while it runs (see the text).
    first = sys.getrefcount(token)
    print(f"a new object: {first} references")
    alias = token
    print(f"after `alias = token`: {sys.getrefcount(token) - first:+}")
    holder = [token, token]
    print(f"in a list, twice: {sys.getrefcount(token) - first:+}")
    del alias, holder
    print(f"after `del alias, holder`: {sys.getrefcount(token) - first:+}")
# ANCHOR_END: refcounts


def is_prime(n: int) -> bool:
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    for divisor in range(3, math.isqrt(n) + 1, 2):
        if n % divisor == 0:
            return False
    return True


def count_primes(start: int, count: int) -> int:
    return sum(1 for n in range(start, start + count) if is_prime(n))


def interleaved(rounds: int, first, second) -> tuple[list[float], list[float]]:
    """Runs `first` and `second` in turn, `rounds` times each (1, 2, 1, 2, ...), so that a
    change in the machine's load hits both alike: the wall times of each, in seconds."""
    times = ([], [])
    for _ in range(rounds):
        for work, into in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            work()
            into.append(time.perf_counter() - start)
    return times


# ANCHOR: threads
def on_threads(threads: int, task, jobs: list[tuple]) -> list:
    """Runs task(*job) for every job on a pool of `threads` threads; the results in order."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda job: task(*job), jobs))
# ANCHOR_END: threads


def compare(label: str, rounds: int, task, jobs: list[tuple]) -> None:
    ones, twos = interleaved(rounds, lambda: on_threads(1, task, jobs),
                             lambda: on_threads(2, task, jobs))
    print(f"{label}:")
    print(f"  1 thread   {min(ones):.3f} s (slowest round {max(ones):.3f} s)")
    print(f"  2 threads  {min(twos):.3f} s (slowest round {max(twos):.3f} s)")
    print(f"  speedup {min(ones) / min(twos):.2f}x")


def sleepers(threads: int, naps: int, nap: float) -> float:
    """`threads` threads, each sleeping `naps` times; the wall time in seconds."""
    def task() -> None:
        for _ in range(naps):
            time.sleep(nap)

    workers = [threading.Thread(target=task) for _ in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - start


# ANCHOR: latency
def wake_up_delays(naps: int, nap: float) -> list[float]:
    """How much later than asked a sleeping thread runs again while another thread
    computes in pure Python: the time it waits for the GIL after its sleep ends."""
    stop = threading.Event()

    def busy() -> None:
        n = 10**13
        while not stop.is_set():
            is_prime(n)
            n += 1

    spinner = threading.Thread(target=busy)
    spinner.start()
    late = []
    try:
        for _ in range(naps):
            start = time.perf_counter()
            time.sleep(nap)
            late.append(time.perf_counter() - start - nap)
    finally:
        stop.set()
        spinner.join()
    return late
# ANCHOR_END: latency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=400,
                        help="integers from 10**13 to check for primes (default 400)")
    parser.add_argument("--hash-mib", type=int, default=512,
                        help="MiB of data to hash with SHA-256 (default 512)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of each measurement, taken in turn; the fastest "
                        "counts (default 3)")
    args = parser.parse_args()
    if args.count < 20 or args.hash_mib < 16 or args.rounds < 1:
        parser.error("--count must be at least 20, --hash-mib at least 16, --rounds at least 1")

    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"python: {sys.version.split()[0]}, GIL {'enabled' if gil else 'disabled'}")
    print(f"machine: {os.cpu_count()} cores")
    show_refcounts()

    # Twenty chunks, so that two threads share the work evenly whatever the primes' places.
    chunk = args.count // 20
    jobs = [(10**13 + i * chunk, chunk) for i in range(20)]
    total = sum(on_threads(1, count_primes, jobs))
    print(f"{total} primes among the {chunk * 20} integers from 10**13")
    compare("pure Python prime count", args.rounds, count_primes, jobs)

    # One piece of data, hashed 16 times: 16 calls that each release the GIL.
    piece = os.urandom(1 << 20) * (args.hash_mib // 16)
    compare(f"SHA-256 of {16 * (args.hash_mib // 16)} MiB in 16 calls", args.rounds,
            lambda data: hashlib.sha256(data).digest(), [(piece,)] * 16)

    serial = sleepers(1, 40, 0.01)
    four = sleepers(4, 10, 0.01)
    print(f"40 sleeps of 10 ms: 1 thread {serial:.3f} s, 4 threads of 10 each {four:.3f} s")

    default = sys.getswitchinterval()
    for interval in (default, default / 10):
        sys.setswitchinterval(interval)
        late = wake_up_delays(50, 0.001)
        print(f"switch interval {interval * 1000:.1f} ms: a sleeper beside a busy thread "
              f"wakes {statistics.median(late) * 1000:.2f} ms late (median of 50)")
    sys.setswitchinterval(default)


if __name__ == "__main__":
    main()
