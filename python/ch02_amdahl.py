"""Chapter 2's experiment in Python: the primes among the 1000 integers from 10**13, on a
ProcessPoolExecutor of 1, 2, ... up to MAX_WORKERS worker processes, one task per integer.
Like the original, it times the loop that collects the results ("sub") and the whole call,
pool start and shutdown included ("took"); like the Rust program, it keeps the fastest of
REPEATS runs for each number of workers, and it reports the CPU time the parent process and
the tasks in the workers used. Standard library only; Python 3.11 or newer."""

import argparse
import concurrent.futures
import math
import multiprocessing
import os
import sys
import time

FIRST = 10**13
COUNT = 1000
MOST_WORKERS = 256
# How many empty tasks measure what the pool itself costs per task.
EMPTY_TASKS = 1000
# Each number of workers runs this many times and the fastest run is kept, as in Rust.
REPEATS = 5


def is_prime(n: int) -> bool:
    """Trial division by 2 and then every odd divisor up to the square root, written
    the fast, idiomatic way: `range` counts in C, `math.isqrt` is exact for any int."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    for divisor in range(3, math.isqrt(n) + 1, 2):
        if n % divisor == 0:
            return False
    return True


def timed_is_prime(n: int) -> tuple[bool, float]:
    """is_prime, with the CPU time it took in the process that ran it. A worker returns
    this with its answer: the parent cannot read its workers' CPU time for every start
    method (with forkserver they are not its children), but each worker can."""
    start = time.process_time()
    prime = is_prime(n)
    return prime, time.process_time() - start


def nothing(n: int) -> int:
    """A task that does no work, so that its time is the pool's own cost."""
    return n


def usable_cpus() -> int:
    """The CPUs this process may use: the affinity mask (or a -X cpu_count override).
    Unlike Rust's available_parallelism(), it ignores a container's CPU quota."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13 and newer
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):  # Linux and some other Unix systems
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def solve(workers: int, numbers: list[int]) -> tuple[float, float, list[int], float, float]:
    """One run on a fresh pool: (sub s, took s, the primes in order, parent CPU s, CPU s of
    the tasks in the workers, as each task measured and returned it)."""
    parent_cpu = time.process_time()
    tasks_cpu = 0.0
    start = time.perf_counter()
    primes = []
    # Leaving the `with` block calls shutdown(wait=True): "took" includes the wait.
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(timed_is_prime, n): n for n in numbers}
        sub_start = time.perf_counter()
        for future in concurrent.futures.as_completed(futures):
            prime, cpu = future.result()
            tasks_cpu += cpu
            if prime:
                primes.append(futures[future])
        sub = time.perf_counter() - sub_start
    took = time.perf_counter() - start
    return sub, took, sorted(primes), time.process_time() - parent_cpu, tasks_cpu


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
    # The default start method of the pool's workers: fork on Linux before Python 3.14,
    # forkserver from 3.14, spawn on Windows and macOS.
    print(f"python: {sys.version.split()[0]}, workers started by {multiprocessing.get_start_method()}")
    print(f"checking the {COUNT} integers from {FIRST} with {tried} (fastest of {REPEATS} runs each)")
    one_worker = None
    primes = []
    for workers in range(1, max_workers + 1):
        sub, took, primes, parent, tasks = min(
            (solve(workers, numbers) for _ in range(REPEATS)), key=lambda run: run[1]
        )
        one_worker = one_worker or took
        speedup = one_worker / took
        print(f"{workers_label(workers)}: sub {sub:.3f} s, took {took:.3f} s, speedup {speedup:.2f}x, "
              f"CPU: parent {parent:.3f} s, tasks {tasks:.3f} s")
    print(f"primes: {len(primes)} (first {primes[0]}, last {primes[-1]})")
    seconds = empty_tasks(max_workers)
    print(f"{EMPTY_TASKS} empty tasks on {workers_label(max_workers)}: {seconds:.3f} s")


# The pool's processes import this file again, under another name: each worker on
# Windows and macOS (spawn), and the server that forks the workers on Linux since
# Python 3.14 (forkserver). The guard keeps those imports from starting pools of
# their own.
if __name__ == "__main__":
    main()
