"""The ways out of the GIL that Python itself offers, as far as the running Python offers
them: what this build has (free-threading, subinterpreters with their own GIL), then the
pure-Python prime count on one thread, two threads and two worker processes. Standard
library only; Python 3.11 or newer."""

import argparse
import concurrent.futures
import importlib.util
import math
import multiprocessing
import os
import sys
import sysconfig
import time


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


# ANCHOR: offers
def what_this_python_offers() -> None:
    version = sys.version.split()[0]
    free_threaded = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    # sys._is_gil_enabled() exists from 3.13; a free-threaded build can still turn the GIL
    # on (PYTHON_GIL=1, or an extension module that does not declare itself safe).
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"python: {version}, free-threaded build: {'yes' if free_threaded else 'no'}, "
          f"GIL {'enabled' if gil else 'disabled'}")
    private = importlib.util.find_spec("_interpreters") or importlib.util.find_spec(
        "_xxsubinterpreters")
    if importlib.util.find_spec("concurrent.interpreters") is not None:
        print("subinterpreters: concurrent.interpreters, each with its own GIL (3.14+)")
    elif private and sys.version_info >= (3, 12):
        print("subinterpreters: each may have its own GIL (3.12+), "
              "but only through a private module")
    elif private:
        print("subinterpreters: a private module only, and they share one GIL (before 3.12)")
    else:
        print("subinterpreters: none")
# ANCHOR_END: offers


# ANCHOR: pools
def on_pool(make_pool, jobs: list[tuple[int, int]]) -> int:
    """Counts the primes of every job on a fresh pool; starting the pool is timed too."""
    with make_pool() as pool:
        return sum(pool.map(count_primes, *zip(*jobs)))


def empty_pool(make_pool) -> int:
    """A fresh pool, started, given two jobs that check nothing, and shut down: what a
    pool costs beyond the count."""
    with make_pool() as pool:
        return sum(pool.map(count_primes, [10**13, 10**13], [0, 0]))
# ANCHOR_END: pools


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=400,
                        help="integers from 10**13 to check (default 400)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of each way; the fastest counts (default 3)")
    args = parser.parse_args()
    if args.count < 20 or args.rounds < 1:
        parser.error("--count must be at least 20 and --rounds at least 1")

    what_this_python_offers()
    print(f"machine: {os.cpu_count()} cores")
    chunk = args.count // 20
    jobs = [(10**13 + i * chunk, chunk) for i in range(20)]
    method = multiprocessing.get_start_method()
    ways = [
        ("1 thread", lambda: concurrent.futures.ThreadPoolExecutor(max_workers=1)),
        ("2 threads", lambda: concurrent.futures.ThreadPoolExecutor(max_workers=2)),
        (f"2 processes ({method})", lambda: concurrent.futures.ProcessPoolExecutor(max_workers=2)),
    ]
    if hasattr(concurrent.futures, "InterpreterPoolExecutor"):  # 3.14 and newer
        ways.append(("2 interpreters",
                     lambda: concurrent.futures.InterpreterPoolExecutor(max_workers=2)))
    print(f"pure-Python prime count, {chunk * 20} integers from 10**13 in 20 chunks, "
          f"best of {args.rounds}, the ways in turn:")
    print(f"{'':26}{'best':>7}{'slowest':>11}")
    # Every round runs every way once, so that a change in the machine's load hits them all;
    # the last way is the process pool again, with nothing to count.
    process_pool = ways[2][1]
    ways.append(("2 processes, no work", process_pool))
    times = {label: [] for label, _ in ways}
    primes, failed = {}, {}
    for _ in range(args.rounds):
        for label, make_pool in ways:
            if label in failed:
                continue
            start = time.perf_counter()
            try:
                if label.endswith("no work"):
                    primes[label] = empty_pool(make_pool)
                else:
                    primes[label] = on_pool(make_pool, jobs)
            except Exception as error:  # a way this Python has but cannot run this program in
                failed[label] = f"{type(error).__name__}: {error}"
                continue
            times[label].append(time.perf_counter() - start)
    one = min(times["1 thread"])
    for label, _ in ways:
        if label in failed:
            print(f"  {label:24}failed: {failed[label]}")
        elif label.endswith("no work"):
            print(f"  {label:24}{min(times[label]):7.3f} s  {max(times[label]):7.3f} s  "
                  f"(pool start-up and shutdown)")
        else:
            best = min(times[label])
            print(f"  {label:24}{best:7.3f} s  {max(times[label]):7.3f} s  {one / best:5.2f}x  "
                  f"({primes[label]} primes)")
    if not getattr(sys, "_is_gil_enabled", lambda: True)():
        print("the GIL is disabled: the 2 threads above ran without one")


if __name__ == "__main__":
    main()
