"""Chapter 10's countdowns in Python's asyncio: A, B and C count down from 3, waiting 1 s,
0.8 s and 0.5 s between steps, first one after another and then as tasks on one event loop.
asyncio has no paused clock, so this really waits; --scale shrinks every wait (0.1 makes the
whole run about a second). Standard library only; Python 3.11 or newer."""

import argparse
import asyncio
import sys
import time

COUNTDOWNS = [("A", 1.0), ("B", 0.8), ("C", 0.5)]


# ANCHOR: countdowns
async def count_down(name: str, delay: float, start: float) -> None:
    """Print a step, wait, and so on: each await lets the event loop run another task."""
    for step in range(3, 0, -1):
        print(f"{name}: {step} at {time.perf_counter() - start:.3f} s")
        await asyncio.sleep(delay)
    print(f"{name}: finished at {time.perf_counter() - start:.3f} s")


async def one_after_another(scale: float) -> None:
    start = time.perf_counter()
    for name, delay in COUNTDOWNS:
        await count_down(name, delay * scale, start)
    print(f"one after another: {time.perf_counter() - start:.3f} s")


async def as_tasks(scale: float) -> None:
    start = time.perf_counter()
    # create_task schedules each coroutine on the loop at once; gather waits for them all.
    tasks = [asyncio.create_task(count_down(name, delay * scale, start))
             for name, delay in COUNTDOWNS]
    await asyncio.gather(*tasks)
    print(f"as tasks: {time.perf_counter() - start:.3f} s")
# ANCHOR_END: countdowns


async def main(scale: float) -> None:
    await one_after_another(scale)
    await as_tasks(scale)


def positive(text: str) -> float:
    value = float(text)
    if not 0 < value <= 10:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 10, not {text}")
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=positive, default=1.0,
                        help="multiply every wait by this factor (default 1)")
    arguments = parser.parse_args()
    print(f"python: {sys.version.split()[0]}")
    asyncio.run(main(arguments.scale))
