"""Chapter 9's cooperative scheduling in Python: three primality checks as asyncio tasks on
one event loop, first without giving way (each runs to the end once it starts), then giving
way with `await asyncio.sleep(0)` every 100 000 divisions, so the short checks finish while
the long one waits for its turn; then the best of 5 timed runs of each way, taken in turn.
Standard library only; Python 3.11 or newer."""

import argparse
import asyncio
import math
import os
import sys
import time

# The original's big number costs about 49 million divisions, ten times as many as
# 100000000000031, which the book runs: in CPython that is too long to repeat a dozen
# times here.
BIG = 9637529763296797
SMALL = (427920331, 157)
DIVISIONS_PER_TURN = 100_000
# Timed runs of each way, after one run that prints.
RUNS = 5


# ANCHOR: tasks
async def is_prime(n: int, turn: int | None) -> tuple[bool, int]:
    """Trial division by 2 and the odd numbers up to the square root; with `turn` set, give
    way to the other tasks after every `turn` divisions. Returns (prime?, times gave way)."""
    yields = 0
    if n < 2:
        return False, yields
    if n % 2 == 0:
        return n == 2, yields
    limit = math.isqrt(n) + 1
    # A turn of `turn` divisions covers 2 * turn numbers, since only odd ones divide.
    span = limit if turn is None else 2 * turn
    for start in range(3, limit, span):
        end = min(start + span, limit)
        for d in range(start, end, 2):
            if n % d == 0:
                return False, yields
        if end < limit:
            yields += 1
            # sleep(0) is asyncio's way to yield: back to the event loop, ready at once.
            await asyncio.sleep(0)
    return True, yields


async def check(n: int, turn: int | None, show: bool) -> None:
    if show:
        print(f"  checking {n}")
    prime, yields = await is_prime(n, turn)
    if show:
        verdict = "is prime" if prime else "is not prime"
        print(f"  {n} {verdict} (gave way {yields} times)")


async def check_all(numbers: list[int], turn: int | None, show: bool) -> None:
    # Tasks start in the order they are created, once this coroutine waits. The list keeps
    # a reference to each: the event loop itself holds tasks only weakly.
    tasks = [asyncio.create_task(check(n, turn, show)) for n in numbers]
    await asyncio.gather(*tasks)
# ANCHOR_END: tasks


def big_number(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not 2 <= n <= 10**17:
        raise argparse.ArgumentTypeError(f"must be from 2 to 10**17, not {n}")
    return n


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Check BIG, 427920331 and 157 for primality as three asyncio tasks, "
        "first without giving way, then giving way every 100000 divisions."
    )
    parser.add_argument(
        "big",
        nargs="?",
        type=big_number,
        default=BIG,
        help=f"the number that takes long (default {BIG}, the original's)",
    )
    args = parser.parse_args()
    numbers = [args.big, *SMALL]

    print(f"python: {sys.version.split()[0]}")
    ways = [("without giving way", None), ("giving way", DIVISIONS_PER_TURN)]
    # One run of each that prints the order, then RUNS timed runs of each, taking turns, so
    # that neither way always runs first; the best of each is the figure to compare.
    print("without giving way:")
    asyncio.run(check_all(numbers, None, True))
    print(f"giving way every {DIVISIONS_PER_TURN} divisions:")
    asyncio.run(check_all(numbers, DIVISIONS_PER_TURN, True))
    best = [math.inf, math.inf]
    for run in range(RUNS):
        for i in range(2):
            which = (i + run) % 2
            start = time.perf_counter()
            asyncio.run(check_all(numbers, ways[which][1], False))
            best[which] = min(best[which], time.perf_counter() - start)
    print(f"best of {RUNS} runs of each, taken in turn:")
    for (label, _), took in zip(ways, best):
        print(f"  {label:<20} {took:.4f} s")


if __name__ == "__main__":
    try:
        main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader of a pipe went away (`| head`): end quietly, as command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
