"""Exercise 15-1's solution, measured: two Python threads each count the primes in a list
of their own, through `count_primes_in_list` (which holds the GIL) and through
`count_primes_in_list_detached` (which converts the list with the GIL held, then releases
it for the count). Needs the extension: `maturin develop --release -m
ch15-primes/Cargo.toml` in an active virtual environment. Python 3.11 or newer."""

import argparse
import os
import sys
import threading
import time


def on_two_threads(function, lists: list[list[int]]) -> tuple[int, float]:
    """Calls function(numbers) for each list on a thread of its own: the total, the time."""
    counts = [0] * len(lists)

    def work(i: int) -> None:
        counts[i] = function(lists[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(lists))]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000,
                        help="integers from 10**13 in all, half in each list (default 2000)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of each version; the fastest counts (default 3)")
    args = parser.parse_args()
    if args.count < 2 or args.rounds < 1:
        parser.error("--count must be at least 2 and --rounds at least 1")
    try:
        import ch15_primes
    except ImportError:
        print("error: the extension is not built: "
              "maturin develop --release -m ch15-primes/Cargo.toml", file=sys.stderr)
        sys.exit(2)

    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"python: {sys.version.split()[0]}, GIL {'enabled' if gil else 'disabled'}")
    print(f"machine: {os.cpu_count()} cores")
    numbers = list(range(10**13, 10**13 + args.count))
    # Every other integer to each thread, so that both lists hold about as many primes.
    lists = [numbers[0::2][i::2] + numbers[1::2][i::2] for i in range(2)]
    print(f"2 threads, a list of {len(lists[0])} integers each, "
          f"best of {args.rounds} rounds taken in turn")
    functions = (ch15_primes.count_primes_in_list, ch15_primes.count_primes_in_list_detached)
    runs = {function.__name__: [] for function in functions}
    for _ in range(args.rounds):  # the two versions in turn, so that load hits both alike
        for function in functions:
            runs[function.__name__].append(on_two_threads(function, lists))
    results = {name: ({count for count, _ in these}, min(took for _, took in these))
               for name, these in runs.items()}
    for name, (primes, took) in results.items():
        print(f"  {name:32}{took:7.3f} s  {'/'.join(map(str, sorted(primes)))} primes")
    held = results["count_primes_in_list"][1]
    released = results["count_primes_in_list_detached"][1]
    print(f"speedup from releasing the GIL: {held / released:.2f}x")


if __name__ == "__main__":
    main()
