"""The deadlock of chapter 12, in Python: thread A takes lock a then lock b, thread B takes
lock b then lock a. A barrier makes the bad interleaving certain, and a timed acquire turns
the endless wait into a report."""

import argparse
import sys
import threading
import time

PATIENCE = 0.5  # seconds a thread waits for its second lock


# ANCHOR: worker
def worker(me, first, second, both_hold_one, both_done, say, results):
    first_name, first_lock = first
    second_name, second_lock = second
    with first_lock:
        say(f"{me}: holds lock {first_name}")
        both_hold_one.wait()
        say(f"{me}: waiting for lock {second_name}")
        asked = time.perf_counter()
        got_both = second_lock.acquire(timeout=PATIENCE)
        if got_both:
            say(f"{me}: holds both locks")
            second_lock.release()
        else:
            waited = time.perf_counter() - asked
            say(f"{me}: no lock {second_name} after {waited:.2f} s, giving up")
        # Keep the first lock until the other thread is done too.
        both_done.wait()
    results[me] = got_both
# ANCHOR_END: worker


def main():
    argparse.ArgumentParser(
        description="Two threads take two locks in opposite orders; "
        "timed acquires report the deadlock."
    ).parse_args()
    lines = []  # the threads' reports, printed by the main thread in the order they came
    # A barrier that a thread never reaches raises BrokenBarrierError after 5 s, not never.
    both_hold_one = threading.Barrier(2, timeout=5)
    both_done = threading.Barrier(2, timeout=5)
    lock_a, lock_b = threading.Lock(), threading.Lock()
    results = {}
    threads = [
        threading.Thread(
            target=worker,
            args=(me, first, second, both_hold_one, both_done, lines.append, results),
        )
        for me, first, second in [
            ("A", ("a", lock_a), ("b", lock_b)),
            ("B", ("b", lock_b), ("a", lock_a)),
        ]
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"python: {sys.version.split()[0]}")
    for line in lines:
        print(line)
    if len(results) < 2:
        # A thread that raised (a broken barrier, say) never wrote its result.
        print("main: a thread failed before it finished (see its traceback)")
        sys.exit(1)
    elif results["A"] is False and results["B"] is False:
        print("main: neither thread got its second lock: a deadlock, stopped after 0.5 s")
    else:
        print("main: a thread got both locks, no deadlock this time")


if __name__ == "__main__":
    try:
        main()
        sys.stdout.flush()
    except BrokenPipeError:
        sys.stderr.close()  # quiet on a closed pipe, as the Rust programs are
