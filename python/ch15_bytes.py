"""Handing many integers to the Rust extension: as a list, which PyO3 converts into a new
Vec<u64> one int at a time, or packed in a `bytes` object, which Rust reads where it lies.
Also shows that a mutable buffer (bytearray) is refused where `bytes` is expected. Needs the
extension: `maturin develop --release -m ch15-primes/Cargo.toml` in an active virtual
environment. Python 3.11 or newer."""

import argparse
import array
import sys
import time


def best_of(rounds: int, work) -> tuple[object, float]:
    best, result = float("inf"), None
    for _ in range(rounds):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return result, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--numbers", type=int, default=4_000_000,
                        help="integers to hand over in the timed part (default 4000000)")
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of each; the fastest counts (default 5)")
    args = parser.parse_args()
    if args.numbers < 1 or args.rounds < 1:
        parser.error("--numbers and --rounds must be at least 1")
    try:
        import ch15_primes
    except ImportError:
        print("error: the extension is not built: "
              "maturin develop --release -m ch15-primes/Cargo.toml", file=sys.stderr)
        sys.exit(2)
    print(f"python: {sys.version.split()[0]}")

    # ANCHOR: same_answer
    numbers = list(range(10**13, 10**13 + 2000))
    packed = array.array("Q", numbers).tobytes()  # 8 bytes each, the machine's byte order
    from_list = ch15_primes.count_primes_in_list(numbers)
    from_bytes = ch15_primes.count_primes_in(packed)
    print(f"2000 integers from 10**13: {from_list} primes from the list, "
          f"{from_bytes} from {len(packed)} bytes")
    try:
        ch15_primes.count_primes_in(bytearray(packed))
    except TypeError as error:
        print(f"a bytearray is refused: TypeError: {error}")
    # ANCHOR_END: same_answer

    # ANCHOR: handover
    # Even numbers fail the check at once, so what is timed is getting them to Rust. Each is
    # an int object of its own, as in real data.
    evens = list(range(10**13, 10**13 + 2 * args.numbers, 2))
    packed = array.array("Q", evens).tobytes()
    _, as_list = best_of(args.rounds, lambda: ch15_primes.count_primes_in_list(evens))
    _, as_bytes = best_of(args.rounds, lambda: ch15_primes.count_primes_in(packed))
    _, packing = best_of(args.rounds, lambda: array.array("Q", evens).tobytes())
    # ANCHOR_END: handover
    per = 1e9 / args.numbers
    print(f"{args.numbers} integers handed over, best of {args.rounds} rounds:")
    print(f"  as a list (converted to a Vec<u64>)  {as_list:.4f} s  {as_list * per:5.2f} ns each")
    print(f"  as bytes (read in place)             {as_bytes:.4f} s  {as_bytes * per:5.2f} ns each")
    print(f"  packing the list into bytes          {packing:.4f} s  {packing * per:5.2f} ns each")


if __name__ == "__main__":
    main()
