"""Which of the 500 integers from 10**13 are prime? Chapter 1's check in Python:
trial division, first in one process, then on a pool of worker processes, one per CPU.
Standard library only; Python 3.11 or newer."""

import argparse
import concurrent.futures
import os
import sys
import time

FIRST = 10**13
COUNT = 500


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


def usable_cpus() -> int:
    """The CPUs this process may use: what Rust's available_parallelism() reports."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13 and newer
        return os.process_cpu_count() or 1
    if hasattr(os, "sched_getaffinity"):  # Linux and some other Unix systems
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def report(label: str, primes: list[int], seconds: float) -> None:
    print(f"{label}: {len(primes)} primes")
    for row in range(0, len(primes), 4):
        print("  " + " ".join(str(p) for p in primes[row : row + 4]))
    print(f"  took {seconds:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=f"Finds the primes among the {COUNT} integers from 10^13, first in one "
        "process, then on a ProcessPoolExecutor with one worker per CPU, and compares the times."
    )
    parser.parse_args()

    numbers = list(range(FIRST, FIRST + COUNT))
    workers = usable_cpus()
    print(f"machine: {workers} CPUs usable, {workers} worker processes")
    print(f"checking the {COUNT} integers from {numbers[0]} to {numbers[-1]}, one round each")

    start = time.perf_counter()
    sequential = [n for n in numbers if is_prime(n)]
    seq_time = time.perf_counter() - start
    report("sequential", sequential, seq_time)

    # The timed part includes starting the worker processes and, when the `with` block
    # ends, waiting for them to stop (`shutdown(wait=True)`).
    # ANCHOR: pool
    start = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        # One task per number, as in the original; `map` gives the results in input order.
        flags = list(pool.map(is_prime, numbers))
    concurrent_primes = [n for n, prime in zip(numbers, flags) if prime]
    par_time = time.perf_counter() - start
    # ANCHOR_END: pool
    report("concurrent", concurrent_primes, par_time)

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
