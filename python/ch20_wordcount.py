"""Chapter 20: the word count of ch20_wordcount.rs in Python, on one process and on two
processes that exchange their words as pickled batches over pipes (multiprocessing), to price
what a word costs to cross between Python processes.

Each worker makes its own share of the same generated text (SplitMix64 per line, as the Rust
program does), sends every word it does not own to its owner (FNV-1a of the word, modulo the
workers) in batches of BATCH words, and counts the words it owns.
"""

import argparse
import os
import multiprocessing as mp
import pickle
import platform
import statistics
import sys
import threading
import time
from collections import Counter

MASK = (1 << 64) - 1
SYLLABLES = ["ka", "lo", "mi", "nu", "pe", "ra", "si", "to",
             "vu", "we", "xa", "yo", "za", "be", "di", "fo"]
WORDS_PER_LINE = 10
BATCH = 1000


def line(i):
    """Line i of the text: the same words as `line(i)` in examples/ch20_common/wordcount.rs."""
    state, words = i, []
    for _ in range(WORDS_PER_LINE):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        r = z ^ (z >> 31)
        k = (r >> 16) & ((1 << (r % 13)) - 1)
        w = ""
        while True:
            w += SYLLABLES[k % 16]
            k //= 16
            if k == 0:
                break
        words.append(w)
    return words


def fnv1a(word):
    h = 0xCBF29CE484222325
    for b in word.encode():
        h = ((h ^ b) * 0x100000001B3) & MASK
    return h


def work(index, peers, lines, conn):
    """One worker: counts its own words, sends the others' in pickled batches. Returns the
    counts, the words sent, their pickled bytes and this process's CPU seconds."""
    start = time.process_time()
    counts = Counter()
    received = Counter()
    receiver = None
    if conn is not None:
        # Receive on a thread of its own, so that two workers that both send never block
        # each other on full pipes.
        def receive():
            # Counted word by word, as the words this worker owns are counted below:
            # `received.update(batch)` would count them in C, several times faster, and
            # that saving would be subtracted from the price of crossing.
            while (batch := conn.recv()) is not None:
                for w in batch:
                    received[w] += 1
        receiver = threading.Thread(target=receive)
        receiver.start()
    sent = pickled = 0
    out = []
    for i in range(index, lines, peers):
        for w in line(i):
            if fnv1a(w) % peers == index:
                counts[w] += 1
            else:
                out.append(w)
                if len(out) == BATCH:
                    data = pickle.dumps(out)
                    conn.send_bytes(data)
                    sent, pickled, out = sent + len(out), pickled + len(data), []
    if conn is not None:
        if out:
            data = pickle.dumps(out)
            conn.send_bytes(data)
            sent, pickled = sent + len(out), pickled + len(data)
        conn.send(None)
        receiver.join()
    counts.update(received)
    return counts, sent, pickled, time.process_time() - start


def child(index, lines, conn, results):
    results.put((index, work(index, 2, lines, conn)))


def two_processes(lines):
    """Two worker processes, joined by a duplex pipe; returns their results and the time."""
    a, b = mp.Pipe()
    results = mp.Queue()
    start = time.perf_counter()
    procs = [mp.Process(target=child, args=(i, lines, c, results)) for i, c in enumerate((a, b))]
    for p in procs:
        p.start()
    got = dict(results.get(timeout=300) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    return [got[0], got[1]], time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100000,
                        help="lines of ten words (default 100000)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs of each (default 5)")
    args = parser.parse_args()
    if not 1 <= args.lines <= 1_000_000 or not 1 <= args.repeats <= 20:
        parser.error("--lines takes 1 to 1000000, --repeats 1 to 20")
    words = args.lines * WORDS_PER_LINE
    print(f"Python {platform.python_version()}, start method {mp.get_start_method()}; "
          f"{words} words, the median of {args.repeats} runs; {len(os.sched_getaffinity(0))} cores")
    one_cpu, one_time, two_cpu, two_time = [], [], [], []
    for _ in range(args.repeats):
        t = time.perf_counter()
        counts, _, _, cpu = work(0, 1, args.lines, None)
        one_time.append(time.perf_counter() - t)
        one_cpu.append(cpu)
        parts, wall = two_processes(args.lines)
        two_time.append(wall)
        two_cpu.append(sum(p[3] for p in parts))
        sent = sum(p[1] for p in parts)
        pickled = sum(p[2] for p in parts)
        same = counts == parts[0][0] + parts[1][0]
    one, two = statistics.median(one_cpu), statistics.median(two_cpu)
    print(f"1 process:   CPU time {one:.3f} s, {one / words * 1e6:.3f} µs a word; "
          f"time {statistics.median(one_time):.3f} s")
    print(f"2 processes: CPU time {two:.3f} s, {two / words * 1e6:.3f} µs a word; "
          f"time {statistics.median(two_time):.3f} s (with starting the processes)")
    print(f"  words sent across: {sent}, {pickled} bytes pickled")
    low, high = min(two_cpu) - max(one_cpu), max(two_cpu) - min(one_cpu)
    print(f"  CPU time of 2 processes minus 1: {(two - one) / sent * 1e6:.3f} µs a word sent "
          f"across (from {low / sent * 1e6:.3f} to {high / sent * 1e6:.3f} between the "
          f"fastest and slowest runs)")
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    print(f"{len(counts)} different words; most common: " + ", ".join(f"{w} {n}" for w, n in top))
    print(f"the same counts from both: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
