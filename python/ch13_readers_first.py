"""The first readers-writers problem in Python, built from two locks as the original
chapter builds it, under the load of ch13_readers_writers: four readers that read
without pause, two writers that rest 1 ms between writes, 2 ms per access."""

import argparse
import math
import os
import sys
import threading
import time

READERS = 4
WRITERS = 2
READ_TIME = 0.002
WRITE_TIME = 0.002
WRITER_PAUSE = 0.001


class ReadersFirst:
    """No reader waits while the resource is held for reading: the first reader in takes
    the resource lock for all readers, and the last one out gives it back."""

    def __init__(self):
        self.count_lock = threading.Lock()
        self.resource = threading.Lock()
        self.reading = 0

    def read(self, deadline, hold):
        with self.count_lock:
            self.reading += 1
            if self.reading == 1:
                # Another thread may release it: a Lock, unlike an RLock, has no owner.
                if not self.resource.acquire(timeout=max(deadline - time.monotonic(), 0)):
                    self.reading -= 1
                    return False
        hold()
        with self.count_lock:
            self.reading -= 1
            if self.reading == 0:
                self.resource.release()
        return True

    def write(self, deadline, hold):
        if not self.resource.acquire(timeout=max(deadline - time.monotonic(), 0)):
            return False
        try:
            hold()
        finally:
            self.resource.release()
        return True


def side(access, hold, pause, deadline, done, waits):
    while time.monotonic() < deadline:
        asked = time.monotonic()
        waited = []
        got = access(deadline, lambda: (waited.append(time.monotonic() - asked), hold()))
        waits.append(waited[0] if waited else time.monotonic() - asked)
        if got:
            done.append(1)
        if pause:
            # time.sleep(0) would still hand the GIL to another thread: readers do not rest.
            time.sleep(pause)


def percentile_ms(waits, fraction):
    ordered = sorted(waits)
    rank = min(max(math.ceil(fraction * len(ordered)), 1), len(ordered))
    return ordered[rank - 1] * 1e3


def row(label, name, done, waits, seconds):
    return (f"{label:<24} {name:<8} {len(done) / seconds:>9.1f} "
            f"{percentile_ms(waits, 0.5):>10.3f} {percentile_ms(waits, 0.99):>10.3f} "
            f"{percentile_ms(waits, 1.0):>10.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("seconds", nargs="?", type=float, default=3.0,
                        help="how long the load runs (default 3)")
    args = parser.parse_args()
    if not 0.1 <= args.seconds <= 600:
        parser.error("SECONDS must be a number from 0.1 to 600")
    print(f"Python {sys.version.split()[0]}; {READERS} readers, {WRITERS} writers, "
          f"{args.seconds:.1f} s")
    lock = ReadersFirst()
    start = time.monotonic()
    deadline = start + args.seconds
    reads, writes, read_waits, write_waits = [], [], [], []
    threads = [threading.Thread(target=side, args=(lock.read, lambda: time.sleep(READ_TIME), 0,
                                                   deadline, reads, read_waits))
               for _ in range(READERS)]
    threads += [threading.Thread(target=side, args=(lock.write, lambda: time.sleep(WRITE_TIME),
                                                    WRITER_PAUSE, deadline, writes, write_waits))
                for _ in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - start
    print(f"{'lock':<24} {'side':<8} {'per s':>9} {'median ms':>10} {'p99 ms':>10} {'max ms':>10}")
    print(row("readers first (Python)", "readers", reads, read_waits, seconds))
    print(row("readers first (Python)", "writers", writes, write_waits, seconds))
    r, w = percentile_ms(read_waits, 0.99), percentile_ms(write_waits, 0.99)
    if w >= 100 and w >= 10 * r:
        verdict = "the writers starve"
    elif r >= 100 and r >= 10 * w:
        verdict = "the readers starve"
    else:
        verdict = "neither side starves"
    print(f"readers first (Python): {verdict}")


if __name__ == "__main__":
    try:
        main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader of a pipe went away (`| head`): end quietly, as command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
