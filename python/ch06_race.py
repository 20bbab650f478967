"""The consumer loop of the Python original, `while not tasks.empty(): task = tasks.get()`,
run many times with its race made visible and bounded. Consumers start before the tasks are
queued, as in the original; each get() waits at most GET_LIMIT seconds instead of forever, and
the parent waits for its consumers at most JOIN_LIMIT seconds, so that no trial can hang.
Standard library only; Python 3.11 or newer."""

import argparse
import math
import multiprocessing
import queue
import sys

NUMBERS = [2, 36, 101, 193, 323, 513, 1327, 100000, 9999999, 433785907]
CONSUMERS = 4
TRIALS = 20
# The original's get() waits forever; these bounds turn each hang into a report.
GET_LIMIT = 0.2
JOIN_LIMIT = 5.0


def is_prime(n: int) -> bool:
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    for divisor in range(3, math.isqrt(n) + 1, 2):
        if n % divisor == 0:
            return False
    return True


# ANCHOR: racy
def racy_consumer(tasks, summaries) -> None:
    """The original's loop: check, then act. Between the two, anything can happen."""
    checked, lost = 0, False
    while not tasks.empty():
        try:
            n = tasks.get(timeout=GET_LIMIT)  # the original: tasks.get(), forever
        except queue.Empty:
            lost = True  # empty() said no, yet another consumer took the last task
            break
        is_prime(n)
        checked += 1
    summaries.put((checked, lost))
# ANCHOR_END: racy


def trial(tasks_first: bool) -> set[str]:
    """One run of the original's design; the kinds of trouble it ran into."""
    tasks, summaries = multiprocessing.Queue(), multiprocessing.Queue()
    consumers = [
        multiprocessing.Process(target=racy_consumer, args=(tasks, summaries))
        for _ in range(CONSUMERS)
    ]
    if tasks_first:
        for n in NUMBERS:
            tasks.put(n)
    for process in consumers:
        process.start()
    if not tasks_first:  # as in the original: the consumers start, the tasks come after
        for n in NUMBERS:
            tasks.put(n)
    seen = set()
    try:
        # Every consumer sends one summary as it stops: wait for them, within a bound.
        results = [summaries.get(timeout=JOIN_LIMIT) for _ in consumers]
    except queue.Empty:
        seen.add("stuck")
        results = []
    for process in consumers:
        process.join(timeout=JOIN_LIMIT)
        if process.is_alive():
            seen.add("stuck")
            process.kill()
            process.join()
    if any(checked == 0 for checked, _ in results):
        seen.add("quit early")
    if any(lost for _, lost in results):
        seen.add("lost")
    total = sum(checked for checked, _ in results)
    seen.add("all checked" if total == len(NUMBERS) else "unchecked")
    # Tasks no one took stay in the queue; let its feeder thread go without flushing them.
    tasks.cancel_join_thread()
    return seen


def share(count: int) -> str:
    return f"{100 * count / TRIALS:.1f}% of trials"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=f"Runs the original's racy consumer loop {TRIALS} times with the "
        f"consumers started first, as in the original, and {TRIALS} times with the tasks "
        f"queued first; {CONSUMERS} consumers and {len(NUMBERS)} tasks each time. Reports "
        "how often each outcome happened. Every wait is bounded: no trial can hang."
    )
    parser.add_argument(
        "--start-method",
        choices=multiprocessing.get_all_start_methods(),
        help="how consumer processes start (default: the platform's)",
    )
    args = parser.parse_args()
    if args.start_method:
        multiprocessing.set_start_method(args.start_method)
    # The outcome depends on how fast consumers start, so say how they start.
    print(f"python: {sys.version.split()[0]}, start method {multiprocessing.get_start_method()}")
    for tasks_first in (False, True):
        counts = dict.fromkeys(["quit early", "lost", "unchecked", "all checked", "stuck"], 0)
        for _ in range(TRIALS):
            for outcome in trial(tasks_first):
                counts[outcome] += 1
        order = "tasks queued first" if tasks_first else "consumers started first"
        print(f"{TRIALS} trials, {order}:")
        print(f"  a consumer stopped before checking a task:   {share(counts['quit early'])}")
        print(f"  a consumer waited in get() for a taken task: {share(counts['lost'])}")
        print(f"  some tasks were never checked:               {share(counts['unchecked'])}")
        print(f"  all {len(NUMBERS)} tasks were checked:                   {share(counts['all checked'])}")
        print(f"  a consumer was still running after {JOIN_LIMIT:.1f} s:    {share(counts['stuck'])}")


if __name__ == "__main__":
    main()
