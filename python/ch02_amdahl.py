"""Chapter 2's experiment in Python: the primes among the 1000 integers from 10**13, on a
ProcessPoolExecutor of 1, 2, ... up to MAX_WORKERS worker processes, one task per integer.
Like the original, it times the loop that collects the results ("sub") and the whole call,
pool start and shutdown included ("took"). Standard library only; Python 3.11 or newer."""

import argparse
import concurrent.futures
import os
import time

FIRST = 10**13
COUNT = 1000
MOST_WORKERS = 256
# How many empty tasks measure what the pool itself costs per task.
EMPTY_TASKS = 1000


def is_prime(n: int) -> bool:
    """Trial division by 2 and then every odd divisor up to the square root."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    divisor = 3
    while divisor * divisor <= n:
        if n % divisor == 0:
            return False
        divisor += 2
    return True


def nothing(n: int) -> int:
    """A task that does no work, so that its time is the pool's own cost."""
    return n


def usable_cpus() -> int:
    """The CPUs this process may use: what Rust's available_parallelism() reports."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13 and newer
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):  # Linux and some other Unix systems
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def solve(workers: int, numbers: list[int]) -> tuple[float, float, list[int]]:
    """One run on a fresh pool: (sub seconds, took seconds, the primes in order)."""
    start = time.perf_counter()
    primes = []
    # Leaving the `with` block calls shutdown(wait=True): "took" includes the wait.
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(is_prime, n): n for n in numbers}
        sub_start = time.perf_counter()
        for future in concurrent.futures.as_completed(futures):
            if future.result():
                primes.append(futures[future])
        sub = time.perf_counter() - sub_start
    took = time.perf_counter() - start
    return sub, took, sorted(primes)


def empty_tasks(workers: int) -> float:
    """Seconds for EMPTY_TASKS tasks that do nothing, on a pool that has already started."""
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        # One round first, so that starting the workers is not counted.
        list(pool.map(nothing, range(workers)))
        start = time.perf_counter()
        futures = [pool.submit(nothing, n) for n in range(EMPTY_TASKS)]
        for future in concurrent.futures.as_completed(futures):
            future.result()
        return time.perf_counter() - start


def workers_label(n: int) -> str:
    return "1 worker" if n == 1 else f"{n} workers"


def worker_count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= MOST_WORKERS:
        raise argparse.ArgumentTypeError(
            f"MAX_WORKERS must be a whole number from 1 to {MOST_WORKERS}, not `{text}`"
        )
    return n


def main() -> None:
    parser = argparse.ArgumentParser(
        description=f"Checks the {COUNT} integers from 10^13 for primes on process pools "
        "of 1, 2, ... up to MAX_WORKERS workers, as the Python original of chapter 2 did."
    )
    parser.add_argument(
        "max_workers",
        metavar="MAX_WORKERS",
        nargs="?",
        type=worker_count,
        default=usable_cpus(),
        help="the most worker processes to try (default: the CPUs this process may use)",
    )
    max_workers = parser.parse_args().max_workers

    numbers = list(range(FIRST, FIRST + COUNT))
    tried = "1 worker process" if max_workers == 1 else f"1 to {max_workers} worker processes"
    print(f"checking the {COUNT} integers from {FIRST} with {tried}")
    one_worker = None
    primes = []
    for workers in range(1, max_workers + 1):
        sub, took, primes = solve(workers, numbers)
        one_worker = one_worker or took
        speedup = one_worker / took
        print(f"{workers_label(workers)}: sub {sub:.3f} s, took {took:.3f} s, speedup {speedup:.2f}x")
    print(f"primes: {len(primes)} (first {primes[0]}, last {primes[-1]})")
    seconds = empty_tasks(max_workers)
    print(f"{EMPTY_TASKS} empty tasks on {workers_label(max_workers)}: {seconds:.3f} s")


# The pool's processes import this file again, under another name: each worker on
# Windows and macOS (spawn), and the server that forks the workers on Linux since
# Python 3.14 (forkserver). The guard keeps those imports from starting pools of
# their own.
if __name__ == "__main__":
    main()
