"""Chapter 6's sweep in Python: the 1000 integers from 10**13 checked for primality by 1 and
then 2 consumer processes (multiprocessing.Process), fed through a task queue and stopped by
a None "poison pill" each, as the Rust pool of the chapter is fed through pipes and stopped
by closing them. Standard library only; Python 3.11 or newer."""

import argparse
import multiprocessing
import time

FIRST = 10**13
COUNT = 1000


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


# ANCHOR: consumer
def consumer(tasks, results) -> None:
    """Checks numbers until it takes the poison pill, None, from the queue."""
    for n in iter(tasks.get, None):
        results.put((n, is_prime(n)))
# ANCHOR_END: consumer


# ANCHOR: sweep
def sweep(processes: int, numbers: list[int]) -> tuple[float, list[int]]:
    """Seconds for one sweep on `processes` consumers, starting them included, and the primes."""
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
    # Exactly one verdict per task: count them instead of asking whether more will come.
    verdicts = [results.get() for _ in numbers]
    for process in consumers:
        process.join()
    seconds = time.perf_counter() - start
    return seconds, sorted(n for n, prime in verdicts if prime)
# ANCHOR_END: sweep


def main() -> None:
    parser = argparse.ArgumentParser(
        description=f"Checks the {COUNT} integers from 10^13 for primes on 1 and then 2 "
        "consumer processes fed through a multiprocessing queue, and prints the times."
    )
    parser.parse_args()
    numbers = list(range(FIRST, FIRST + COUNT))
    print(f"checking the {COUNT} integers from {FIRST} on 1 and 2 consumer processes")
    one, primes = sweep(1, numbers)
    two, _ = sweep(2, numbers)
    print(f"1 process:   {one:.3f} s")
    print(f"2 processes: {two:.3f} s")
    print(f"speedup at 2 processes: {one / two:.2f}x")
    print(f"primes: {len(primes)} (first {primes[0]}, last {primes[-1]})")


# The consumer processes may import this file again (the spawn and forkserver start
# methods do): the guard keeps those imports from starting consumers of their own.
if __name__ == "__main__":
    main()
