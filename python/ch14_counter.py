"""The Python original's shared counter (Chapter14/example1-3): twenty threads that each
read a global counter, pause, and write it back plus one. Counts the lost updates with
the pause, with the pause inside a lock, and without any pause: `counter += 1` in a loop,
and `counter = plus_one(counter)`, under the default switch interval and a 1 microsecond
one. Standard library only; Python 3.11 or newer."""

import argparse
import random
import sys
import threading
import time

THREADS = 20
PAUSE = 0.01  # the original pauses 0 or 1 s; 0 or 10 ms shows the same thing, faster
RUNS = 10
LOOP_THREADS = 4
LOOP_INCREMENTS = 200_000

counter = 0
count_lock = threading.Lock()


# ANCHOR: original
def update(pause: float) -> None:
    """The original's task: read the shared counter, pause, write it back plus one."""
    global counter
    current = counter
    time.sleep(pause)  # stands for a long computation; other threads run meanwhile
    counter = current + 1


def update_locked(pause: float) -> None:
    """The original's fix: the read, the pause and the write in one critical section."""
    global counter
    with count_lock:
        current = counter
        time.sleep(pause)
        counter = current + 1
# ANCHOR_END: original


def run_threads(task, args_list) -> float:
    threads = [threading.Thread(target=task, args=args) for args in args_list]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


# ANCHOR: loops
def plus_one(value: int) -> int:
    return value + 1


def add_in_place(n: int) -> None:
    global counter
    for _ in range(n):
        counter += 1  # LOAD_GLOBAL, LOAD_CONST (3.14: LOAD_SMALL_INT), BINARY_OP, STORE_GLOBAL


def add_through_a_call(n: int) -> None:
    global counter
    for _ in range(n):
        counter = plus_one(counter)  # the call lets the interpreter switch threads
# ANCHOR_END: loops


def lost_share(task, expected: int, args_list) -> float:
    global counter
    counter = 0
    run_threads(task, args_list)
    return 100.0 * (expected - counter) / expected


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    default_interval = sys.getswitchinterval()
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    # The version and build: on a free-threaded build (3.13t, 3.14t), sys.version says
    # "free-threading build", and sys._is_gil_enabled() says whether the GIL is off.
    print(f"machine: Python {' '.join(sys.version.split())}")
    print(f"GIL {'enabled' if gil else 'disabled'}, "
          f"switch interval {default_interval * 1000:.1f} ms")

    rng = random.Random(0)
    pauses = [rng.choice([0.0, PAUSE]) for _ in range(THREADS)]
    total = sum(pauses)
    lost = [lost_share(update, THREADS, [(p,) for p in pauses]) for _ in range(RUNS)]
    print(f"{THREADS} threads read, pause, write; {RUNS} runs: "
          f"lost {sum(lost) / RUNS:.1f}% of the updates on average")

    global counter
    counter = 0
    took = run_threads(update_locked, [(p,) for p in pauses])
    print(f"the same under a lock: counter {counter} of {THREADS}, "
          f"took {took:.3f} s, the pauses add up to {total:.3f} s")

    expected = LOOP_THREADS * LOOP_INCREMENTS
    for interval in (default_interval, 1e-6):
        sys.setswitchinterval(interval)
        for name, task in (("counter += 1", add_in_place),
                           ("counter = plus_one(counter)", add_through_a_call)):
            share = lost_share(task, expected, [(LOOP_INCREMENTS,)] * LOOP_THREADS)
            print(f"{name}, switch interval {interval * 1e6:.1f} us, "
                  f"{LOOP_THREADS} threads x {LOOP_INCREMENTS}: lost {share:.2f}%")
    sys.setswitchinterval(default_interval)


if __name__ == "__main__":
    main()
