"""The million values of examples/ch07_float_sum.rs, summed in Python.

functools.reduce(operator.add, ...) adds from left to right, exactly as Rust's
iter().sum() does, so it gives the same bits; math.fsum rounds the exact sum once.
"""

import argparse
import functools
import math
import operator
import struct

COUNT = 1_000_000
UNIT_EXPONENT = -30
MASK = (1 << 64) - 1


def values():
    """The same generator as the Rust program, in Python's unbounded integers."""
    state = 2018
    result = []
    for i in range(COUNT):
        state = (state * 6364136223846793005 + 1442695040888963407) & MASK
        numerator = (state >> 11) >> (i % 32)
        # A 53-bit integer is an exact float, and ldexp scales by a power of two exactly.
        result.append(math.ldexp(numerator, UNIT_EXPONENT))
    return result


def bits(x):
    return struct.unpack("<q", struct.pack("<d", x))[0]


def ulps(value, reference):
    """The distance in representable floats, for two positive numbers."""
    return bits(value) - bits(reference)


def main():
    argparse.ArgumentParser(
        description="Sums the million values of ch07_float_sum.rs left to right "
        "(functools.reduce) and exactly rounded (math.fsum)."
    ).parse_args()
    xs = values()
    exact = math.fsum(xs)
    left_to_right = functools.reduce(operator.add, xs)
    print(f"{COUNT} values; sums, and their distance from math.fsum:")
    print(f"math.fsum              {exact!r:<22} {ulps(exact, exact):+5} ulps")
    print(f"reduce(operator.add)   {left_to_right!r:<22} {ulps(left_to_right, exact):+5} ulps")


if __name__ == "__main__":
    main()
