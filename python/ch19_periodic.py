"""The periodic job of ch19_scheduling with the standard library's `sched`: a job every
100 ms for 1 s whose third run takes 250 ms, rescheduled two ways. `enterabs` at fixed
deadlines catches up like tokio's Burst; `enter` after each run adds the job's length to
every period (unlike tokio's Delay, whose period runs from the tick). Real
time, so the start times carry the machine's jitter."""

import argparse
import sched
import sys
import time

PERIOD = 0.100
LENGTH = 1.000


def run(fixed_rate):
    """Runs the job every PERIOD until LENGTH; returns when each run started, in ms."""
    scheduler = sched.scheduler(time.monotonic, time.sleep)
    start = time.monotonic()
    starts = []

    def job(deadline):
        at = time.monotonic() - start
        if at >= LENGTH:
            return
        starts.append(at * 1000)
        time.sleep(0.250 if len(starts) == 3 else 0.010)  # the job's work
        if fixed_rate:
            # The next deadline follows the last one, however late this run was.
            scheduler.enterabs(deadline + PERIOD, 1, job, (deadline + PERIOD,))
        else:
            # The next run comes a period after this one ended.
            scheduler.enter(PERIOD, 1, job, (None,))

    scheduler.enterabs(start, 1, job, (start,))
    scheduler.run()
    return starts


def main():
    argparse.ArgumentParser(description=__doc__).parse_args()
    print(f"python: {sys.version.split()[0]}")
    for name, fixed_rate in [("enterabs (fixed rate)", True), ("enter (after each run)", False)]:
        starts = run(fixed_rate)
        shown = ", ".join(f"{s:.1f}" for s in starts)
        print(f"{name}: {len(starts)} runs, started at [{shown}] ms")


if __name__ == "__main__":
    main()
