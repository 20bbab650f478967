"""Chapter 6's sweep in Python: the 1000 integers from 10**13 checked for primality by 1 and
then 2 consumer processes (multiprocessing.Process), fed through a task queue and stopped by
a None "poison pill" each, as the Rust pool of the chapter is fed through pipes and stopped
by closing them. Standard library only; Python 3.11 or newer."""

import argparse
import math
import multiprocessing
import resource
import sys
import time

FIRST = 10**13
COUNT = 1000
RUNS = 3  # each sweep is timed this many times and the fastest counts, as in the Rust sweep


def is_prime(n: int) -> bool:
    """Trial division by 2 and then every odd divisor up to the square root."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    for divisor in range(3, math.isqrt(n) + 1, 2):
        if n % divisor == 0:
            return False
    return True


# ANCHOR: consumer
def consumer(tasks, results) -> None:
    """Checks numbers until it takes the poison pill, None, from the queue."""
    for n in iter(tasks.get, None):
        results.put((n, is_prime(n)))
    # Its own CPU time, measured here: under forkserver (the default on Linux since 3.14)
    # the consumers are children of the fork server, not of the parent, so the parent's
    # RUSAGE_CHILDREN would never count them.
    results.put((None, time.process_time()))
# ANCHOR_END: consumer


# ANCHOR: sweep
def sweep(processes: int, numbers: list[int]) -> tuple[float, list[int], float]:
    """Seconds for one sweep on `processes` consumers, starting them included, the primes,
    and the CPU seconds the consumers report having used."""
    start = time.perf_counter()
    tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
    consumers = [
        multiprocessing.Process(target=consumer, args=(tasks, results))
        for _ in range(processes)
    ]
    for process in consumers:
        process.start()
    for n in numbers:
        tasks.put(n)
    # One pill per consumer, after every task: a consumer stops only once the queue
    # holds nothing else for it. No empty() check, so no race.
    for _ in consumers:
        tasks.put(None)
    # Exactly one verdict per task and one CPU report per consumer: count them instead of
    # asking whether more will come.
    messages = [results.get() for _ in range(len(numbers) + processes)]
    for process in consumers:
        process.join()
    seconds = time.perf_counter() - start
    consumers_cpu = sum(value for n, value in messages if n is None)
    return seconds, sorted(n for n, value in messages if n is not None and value), consumers_cpu
# ANCHOR_END: sweep


def main() -> None:
    parser = argparse.ArgumentParser(
        description=f"Checks the {COUNT} integers from 10^13 for primes on 1 and then 2 "
        "consumer processes fed through a multiprocessing queue, and prints the times."
    )
    parser.parse_args()
    print(f"python: {sys.version.split()[0]}, start method {multiprocessing.get_start_method()}")
    numbers = list(range(FIRST, FIRST + COUNT))
    print(
        f"checking the {COUNT} integers from {FIRST} on 1 and 2 consumer processes, "
        f"fastest of {RUNS} runs"
    )
    fastest = {}
    cpu = {}
    busy = {}  # the fastest run's consumer CPU seconds per wall second: cores kept busy
    for processes in (1, 2):
        parent_before = resource.getrusage(resource.RUSAGE_SELF)
        runs = [sweep(processes, numbers) for _ in range(RUNS)]
        parent = resource.getrusage(resource.RUSAGE_SELF)
        fastest[processes], primes, busy_cpu = min(runs)
        busy[processes] = busy_cpu / fastest[processes]
        cpu[processes] = (
            (parent.ru_utime + parent.ru_stime - parent_before.ru_utime - parent_before.ru_stime)
            / RUNS,
            sum(consumers_cpu for _, _, consumers_cpu in runs) / RUNS,
        )
    for processes, label in ((1, "1 process:  "), (2, "2 processes:")):
        parent, children = cpu[processes]
        print(
            f"{label} {fastest[processes]:.3f} s (CPU per run: parent {parent:.3f} s, "
            f"consumers {children:.3f} s; cores busy {busy[processes]:.2f})"
        )
    print(f"speedup at 2 processes: {fastest[1] / fastest[2]:.2f}x")
    print(f"primes: {len(primes)} (first {primes[0]}, last {primes[-1]})")


# The consumer processes may import this file again (the spawn and forkserver start
# methods do): the guard keeps those imports from starting consumers of their own.
if __name__ == "__main__":
    main()
