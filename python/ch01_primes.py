"""Which of the 500 integers from 10**13 are prime? Chapter 1's check in Python:
trial division, first in one process, then on a pool of worker processes, one per CPU.
Each version runs ROUNDS times and reports its fastest round, as the Rust program does.
Standard library only; Python 3.11 or newer."""

import argparse
import concurrent.futures
import math
import multiprocessing
import os
import sys
import time

FIRST = 10**13
COUNT = 500
# Each version runs this many times and reports its fastest round: other programs on the
# machine can only add time to a round, never remove it.
ROUNDS = 5


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


def usable_cpus() -> int:
    """The CPUs this process may use: the affinity mask (or a -X cpu_count override).
    Unlike Rust's available_parallelism(), it ignores a container's CPU quota."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13 and newer
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):  # Linux and some other Unix systems
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def fastest_round(work):
    """Runs `work` ROUNDS times: (its result, wall s, own CPU s, workers' CPU s) of the
    fastest. `work` returns its result and the CPU time its workers' tasks used."""
    best = None
    for _ in range(ROUNDS):
        own = time.process_time()
        start = time.perf_counter()
        result, workers = work()
        wall = time.perf_counter() - start
        own = time.process_time() - own
        if best is None or wall < best[1]:
            best = (result, wall, own, workers)
    return best


def report(label: str, primes: list[int], wall: float, own: float, workers: float) -> None:
    print(f"{label}: {len(primes)} primes")
    for row in range(0, len(primes), 4):
        print("  " + " ".join(str(p) for p in primes[row : row + 4]))
    cpu = own + workers
    print(f"  took {wall:.3f} s, CPU time {cpu:.3f} s, cores busy: {cpu / wall:.2f}")
    if workers > 0:
        print(f"  CPU time of this process {own:.3f} s, of the tasks in the workers {workers:.3f} s")


def sequential_primes(numbers: list[int]) -> tuple[list[int], float]:
    return [n for n in numbers if is_prime(n)], 0.0


def pool_primes(numbers: list[int], workers: int) -> tuple[list[int], float]:
    # The timed part includes starting the worker processes and, when the `with` block
    # ends, waiting for them to stop (`shutdown(wait=True)`).
    # ANCHOR: pool
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        # One task per number, as in the original; `map` gives the results in input
        # order, each with the CPU time its check took in the worker.
        answers = list(pool.map(timed_is_prime, numbers))
    primes = [n for n, (prime, _) in zip(numbers, answers) if prime]
    return primes, sum(cpu for _, cpu in answers)
    # ANCHOR_END: pool


def main() -> None:
    parser = argparse.ArgumentParser(
        description=f"Finds the primes among the {COUNT} integers from 10^13, first in one "
        "process, then on a ProcessPoolExecutor with one worker per CPU, and compares the times."
    )
    parser.parse_args()

    numbers = list(range(FIRST, FIRST + COUNT))
    workers = usable_cpus()
    print(f"machine: {workers} CPUs usable, {workers} worker processes")
    # The default start method of the pool's workers: fork on Linux before Python 3.14,
    # forkserver from 3.14, spawn on Windows and macOS.
    print(f"python: {sys.version.split()[0]}, workers started by {multiprocessing.get_start_method()}")
    print(f"checking the {COUNT} integers from {numbers[0]} to {numbers[-1]}, fastest of {ROUNDS} rounds")

    sequential, seq_time, own, workers_cpu = fastest_round(lambda: sequential_primes(numbers))
    report("sequential", sequential, seq_time, own, workers_cpu)

    concurrent_primes, par_time, own, workers_cpu = fastest_round(
        lambda: pool_primes(numbers, workers)
    )
    report("concurrent", concurrent_primes, par_time, own, workers_cpu)

    print(f"same primes, same order: {str(sequential == concurrent_primes).lower()}")
    print(f"speedup: {seq_time / par_time:.2f}x")


if __name__ == "__main__":
    try:
        main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader of a pipe went away (`| head`): end quietly, as command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
