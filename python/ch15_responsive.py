"""What holding or releasing the GIL in an extension costs the rest of the program, measured
from Python. First, how late a thread that sleeps 1 ms at a time wakes: alone, and while
another thread is inside one long call of the extension, holding the GIL or detached. Then
many short calls of the extension beside a thread that computes in pure Python: how long
each call takes, and how fast the Python thread computes meanwhile, at the default switch
interval and at a tenth of it. Needs the extension: `maturin develop --release -m
ch15-primes/Cargo.toml` in an active virtual environment. Python 3.11 or newer."""

import argparse
import math
import os
import statistics
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
def lateness_during(call) -> tuple[float, list[float]]:
    """Runs `call()` while another thread sleeps 1 ms at a time and notes how much later
    than asked it wakes: the call's time, and the lateness of every sleep that overlapped
    the call, in seconds."""
    stop, ticking = threading.Event(), threading.Event()
    sleeps = []  # (asleep at, awake at)

    def ticker() -> None:
        while not stop.is_set():
            asleep = time.perf_counter()
            time.sleep(0.001)
            sleeps.append((asleep, time.perf_counter()))
            ticking.set()

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        ticking.wait()  # the ticker is running: one tick done
        start = time.perf_counter()
        call()
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    late = [awake - asleep - 0.001 for asleep, awake in sleeps
            if awake > start and asleep < end]
    return end - start, late
# ANCHOR_END: ticker


# ANCHOR: convoy
BUSY_CHECK = 1_000_003  # a prime: each check divides 500 times in Python, some 15 µs


def calls_beside(function, calls: int, n: int, busy: bool) -> tuple[list[float], float]:
    """Times `calls` calls of function(n, 1), alone or while another thread checks
    BUSY_CHECK over and over in pure Python: each call's wall time, and the busy thread's
    checks per second (0 when there is none)."""
    stop = threading.Event()
    checks = 0

    def busy_thread() -> None:
        nonlocal checks
        while not stop.is_set():
            is_prime(BUSY_CHECK)
            checks += 1

    spinner = threading.Thread(target=busy_thread)
    if busy:
        spinner.start()
    took = []
    try:
        start = time.perf_counter()
        for _ in range(calls):
            before = time.perf_counter()
            function(n, 1)
            took.append(time.perf_counter() - before)
        elapsed = time.perf_counter() - start
    finally:
        stop.set()
        if busy:
            spinner.join()
    return took, checks / elapsed
# ANCHOR_END: convoy


def busy_alone(seconds: float) -> float:
    """The busy thread's checks per second while the main thread only waits."""
    def nothing(_n: int, _count: int) -> None:
        time.sleep(seconds / 50)
    return calls_beside(nothing, 50, 0, True)[1]


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
    default_interval = sys.getswitchinterval()
    print(f"python: {sys.version.split()[0]}, GIL {'enabled' if gil else 'disabled'}, "
          f"switch interval {default_interval * 1000:.1f} ms")
    print(f"machine: {os.cpu_count()} cores")

    print("a thread sleeping 1 ms at a time: how often and how late it wakes while the main "
          "thread")
    print(f"{'':32}{'took':>9}{'wake-ups':>11}{'median late':>14}{'worst late':>13}")
    long_calls = [
        ("sleeps (no call)", lambda: time.sleep(0.3)),
        ("calls count_primes", lambda: ch15_primes.count_primes(10**13, args.count)),
        ("calls count_primes_detached",
         lambda: ch15_primes.count_primes_detached(10**13, args.count)),
    ]
    for label, call in long_calls:
        took, late = lateness_during(call)
        print(f"  {label:30}{took:7.3f} s{len(late) / took:9.1f}/s"
              f"{statistics.median(late) * 1000:11.2f} ms{max(late) * 1000:10.2f} ms")

    # A prime, so that each call divides all the way to its square root: about a millisecond.
    prime = 10**12
    while ch15_primes.count_primes(prime, 1) == 0:
        prime += 1
    alone_rate = busy_alone(0.5)
    print(f"{args.calls} calls checking the prime {prime}, alone or beside a Python thread")
    print(f"that checks {BUSY_CHECK} over and over ({alone_rate / 1000:.1f} thousand checks/s "
          f"when it runs alone):")
    speed = "thread's speed"
    print(f"{'':24}{'beside':>7}{'interval':>10}{'mean':>10}{'median':>10}"
          f"{'waited 1 interval':>19}{speed:>16}")
    rows = [("count_primes_detached", False, default_interval),
            ("count_primes_detached", True, default_interval),
            ("count_primes", True, default_interval),
            ("count_primes_detached", True, default_interval / 10)]
    alone_call = None
    for name, busy, interval in rows:
        sys.setswitchinterval(interval)
        try:
            took, rate = calls_beside(getattr(ch15_primes, name), args.calls, prime, busy)
        finally:
            sys.setswitchinterval(default_interval)
        if alone_call is None:  # the first row: the call with nothing beside it
            alone_call = statistics.median(took)
        # A call that took a whole switch interval longer than the call alone waited for it.
        over = sum(t >= alone_call + interval for t in took) / len(took)
        python = f"{rate / alone_rate * 100:13.1f}%" if busy else f"{'-':>14}"
        print(f"  {name:22}{'yes' if busy else 'no':>7}{interval * 1000:7.1f} ms"
              f"{statistics.mean(took) * 1000:7.3f} ms{statistics.median(took) * 1000:7.3f} ms"
              f"{over * 100:18.1f}%{python:>16}")


if __name__ == "__main__":
    main()
