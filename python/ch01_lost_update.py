"""How often does the Python original's race lose an update? Runs the original's threaded
version of x -> x*x - x + 1 (twenty pool threads, each applying one step to a global) RUNS
times, and counts at which term the global ended. Then does the same with one change to the
statement: a call to a C function (`abs`) after the squaring. Standard library only; written
for Python 3.11 or newer, and runs on older Pythons too, which is how the book compares them."""

import argparse
import collections
import concurrent.futures
import os
import sys

STEPS = 20


def f(x: int) -> int:
    return x * x - x + 1


result = 3


# ANCHOR: steps
def step(_: int) -> None:
    """The original's task: read the global, call f, write the global."""
    global result
    result = f(result)


def step_then_c_call(_: int) -> None:
    """The same, with a call to a C function between the squaring and the write."""
    global result
    result = abs(f(result))
# ANCHOR_END: steps


def one_run(task) -> int:
    """Twenty tasks on a pool of twenty threads, as in the original; returns the global."""
    global result
    result = 3
    with concurrent.futures.ThreadPoolExecutor(max_workers=STEPS) as pool:
        for i in range(STEPS):
            pool.submit(task, i)
    return result


def positive_count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= 100_000:
        raise argparse.ArgumentTypeError(f"RUNS must be a whole number from 1 to 100000, not `{text}`")
    return n


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Runs the original's racy threaded update RUNS times, with and without a "
        "C call after the squaring, and counts the runs that lost updates."
    )
    parser.add_argument("runs", metavar="RUNS", nargs="?", type=positive_count, default=100,
                        help="how many runs of each version (default: 100)")
    runs = parser.parse_args().runs

    # The terms x_0 .. x_20, computed in order, to tell which one a run ended at.
    terms = [3]
    for _ in range(STEPS):
        terms.append(f(terms[-1]))
    index = {x: k for k, x in enumerate(terms)}

    gil = sys._is_gil_enabled() if hasattr(sys, "_is_gil_enabled") else True
    print(f"python: {sys.version.split()[0]}, GIL {'enabled' if gil else 'disabled'}, "
          f"switch interval {sys.getswitchinterval() * 1000:.1f} ms")
    for label, task in (("result = f(result)", step), ("result = abs(f(result))", step_then_c_call)):
        ends = collections.Counter(index.get(one_run(task), -1) for _ in range(runs))
        # Shares with a fractional part: how many runs lose depends on the run.
        print(f"{label}, {runs} runs:")
        print(f"  ended at x_20, no update lost (last five digits {terms[20] % 100000}): "
              f"{100 * ends[STEPS] / runs:.1f}%")
        print(f"  ended at x_19, one update lost (last five digits {terms[19] % 100000}): "
              f"{100 * ends[STEPS - 1] / runs:.1f}%")
        earlier = runs - ends[STEPS] - ends[STEPS - 1]
        print(f"  ended earlier, more updates lost: {100 * earlier / runs:.1f}%")

if __name__ == "__main__":
    try:
        main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader of a pipe went away (`| head`): end quietly, as command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
