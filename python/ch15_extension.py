"""The book's prime count called from Python, five ways, in one run: pure Python; the Rust
extension on one thread; the extension from two Python threads while it holds the GIL, and
while it releases it; and the extension parallel inside, with rayon. Needs the extension:
`maturin develop --release -m ch15-primes/Cargo.toml` in an active virtual environment.
Python 3.11 or newer."""

import argparse
import concurrent.futures
import math
import os
import sys
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


def in_turn(rounds: int, ways: list) -> list[tuple[str, int, float, float]]:
    """Runs every way once per round, the ways in turn (so that a change in the machine's
    load hits them all alike): each way's label, result, fastest and slowest wall time."""
    times = {label: [] for label, _ in ways}
    results = {}
    for _ in range(rounds):
        for label, work in ways:
            start = time.perf_counter()
            results[label] = work()
            times[label].append(time.perf_counter() - start)
    return [(label, results[label], min(times[label]), max(times[label]))
            for label, _ in ways]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000,
                        help="integers from 10**13 to check (default 2000)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of each way; the fastest counts (default 3)")
    args = parser.parse_args()
    if args.count < 20 or args.rounds < 1:
        parser.error("--count must be at least 20 and --rounds at least 1")
    try:
        import ch15_primes
    except ImportError:
        print("error: the extension is not built: "
              "maturin develop --release -m ch15-primes/Cargo.toml", file=sys.stderr)
        sys.exit(2)

    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"python: {sys.version.split()[0]}, GIL {'enabled' if gil else 'disabled'}")
    print(f"machine: {os.cpu_count()} cores")
    start = 10**13
    print(f"counting the primes among the {args.count} integers from {start}, "
          f"best of {args.rounds} rounds, the ways in turn")

    # ANCHOR: two_threads
    # Twenty chunks handed out by a pool of two threads: each thread takes the next chunk
    # when it finishes one, so both stay busy whatever the primes' places.
    chunk = math.ceil(args.count / 20)
    jobs = [(s, min(chunk, start + args.count - s))
            for s in range(start, start + args.count, chunk)]
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)

    def on_two_threads(function):
        return lambda: sum(pool.map(lambda job: function(*job), jobs))
    # ANCHOR_END: two_threads

    # ANCHOR: ways
    ways = [
        ("pure Python, 1 thread", lambda: count_primes(start, args.count)),
        ("extension, 1 thread", lambda: ch15_primes.count_primes(start, args.count)),
        ("extension, 2 threads, GIL held", on_two_threads(ch15_primes.count_primes)),
        ("extension, 2 threads, GIL released",
         on_two_threads(ch15_primes.count_primes_detached)),
        ("extension, rayon inside", lambda: ch15_primes.count_primes_parallel(start, args.count)),
    ]
    # ANCHOR_END: ways
    rows = in_turn(args.rounds, ways)
    pool.shutdown()

    pure, one = rows[0][2], rows[1][2]
    print(f"{'':36}{'best':>9}{'slowest':>10}{'vs pure Python':>16}{'vs 1 thread':>13}")
    for label, _, best, slowest in rows:
        print(f"{label:36}{best:>7.3f} s{slowest:>8.3f} s{pure / best:>15.1f}x"
              f"{one / best:>12.2f}x")
    counts = {result for _, result, _, _ in rows}
    print(f"every way counted {rows[0][1]} primes: {len(counts) == 1}")


if __name__ == "__main__":
    main()
