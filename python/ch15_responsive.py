"""What holding or releasing the GIL in an extension costs the rest of the program, measured
from Python: how late a thread that sleeps 1 ms at a time wakes while another thread is inside
one long call of the extension, holding the GIL or detached; and what a detached call costs
when a thread beside it computes in pure Python, which makes every return from `detach` wait
for the GIL. Needs the extension: `maturin develop --release -m ch15-primes/Cargo.toml` in an
active virtual environment. Python 3.11 or newer."""

import argparse
import math
import os
import sys
import threading
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


# ANCHOR: ticker
def worst_lateness_during(call) -> tuple[float, float]:
    """Runs `call()` while another thread sleeps 1 ms at a time and notes how much later
    than asked it wakes: the call's time and the worst lateness, in seconds."""
    stop, ticking = threading.Event(), threading.Event()
    late = []

    def ticker() -> None:
        while not stop.is_set():
            start = time.perf_counter()
            time.sleep(0.001)
            late.append(time.perf_counter() - start - 0.001)
            ticking.set()

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        ticking.wait()  # the ticker is running: one tick done
        start = time.perf_counter()
        call()
        took = time.perf_counter() - start
    finally:
        stop.set()
        thread.join()
    return took, max(late)
# ANCHOR_END: ticker


# ANCHOR: convoy
def per_call(function, calls: int, n: int, beside_busy: bool) -> float:
    """The wall time of one of `calls` calls of function(n, 1), in seconds, alone or while
    another thread computes in pure Python."""
    stop = threading.Event()

    def busy() -> None:
        m = 10**13
        while not stop.is_set():
            is_prime(m)
            m += 1

    spinner = threading.Thread(target=busy)
    if beside_busy:
        spinner.start()
    try:
        start = time.perf_counter()
        for _ in range(calls):
            function(n, 1)
        took = time.perf_counter() - start
    finally:
        stop.set()
        if beside_busy:
            spinner.join()
    return took / calls
# ANCHOR_END: convoy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000,
                        help="integers from 10**13 in the long call (default 2000)")
    parser.add_argument("--calls", type=int, default=200,
                        help="short calls in each row of the second part (default 200)")
    args = parser.parse_args()
    if args.count < 1 or args.calls < 1:
        parser.error("--count and --calls must be at least 1")
    try:
        import ch15_primes
    except ImportError:
        print("error: the extension is not built: "
              "maturin develop --release -m ch15-primes/Cargo.toml", file=sys.stderr)
        sys.exit(2)

    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    print(f"python: {sys.version.split()[0]}, GIL {'enabled' if gil else 'disabled'}, "
          f"switch interval {sys.getswitchinterval() * 1000:.1f} ms")
    print(f"machine: {os.cpu_count()} cores")

    print(f"a thread sleeping 1 ms at a time, beside one call counting {args.count} integers:")
    for name in ("count_primes", "count_primes_detached"):
        function = getattr(ch15_primes, name)
        took, worst = worst_lateness_during(lambda: function(10**13, args.count))
        print(f"  {name:24} call {took:.3f} s, the sleeper woke at worst "
              f"{worst * 1000:.2f} ms late")

    # A prime, so that each call divides all the way to its square root: a few milliseconds.
    prime = 10**12
    while ch15_primes.count_primes(prime, 1) == 0:
        prime += 1
    print(f"{args.calls} calls checking the prime {prime}, alone and beside a thread "
          f"computing in Python:")
    rows = [("count_primes_detached", "alone", False),
            ("count_primes_detached", "beside it", True),
            ("count_primes", "beside it", True)]
    for name, where, beside_busy in rows:
        took = per_call(getattr(ch15_primes, name), args.calls, prime, beside_busy)
        print(f"  {name:24}{where:11}{took * 1000:7.3f} ms a call")

if __name__ == "__main__":
    main()
