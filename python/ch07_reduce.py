"""functools.reduce on the integers 0 to 19, in one go and in two pieces cut at 7,
the same experiment as examples/ch07_splittable.rs."""

import argparse
import functools
import operator

CUT = 7


# ANCHOR: pieces
def in_one_go_and_in_pieces(items, op):
    whole = functools.reduce(op, items)
    left = functools.reduce(op, items[:CUT])
    right = functools.reduce(op, items[CUT:])
    return whole, op(left, right)
# ANCHOR_END: pieces


def main():
    argparse.ArgumentParser(
        description="Reduces 0 to 19 with functools.reduce, in one go and in two pieces."
    ).parse_args()
    numbers = list(range(20))
    letters = [chr(ord("a") + i) for i in range(20)]
    for name, items, op in [
        ("operator.add", numbers, operator.add),
        ("max", numbers, max),
        ("operator.sub", numbers, operator.sub),
        ("operator.add on str", letters, operator.add),
    ]:
        whole, pieces = in_one_go_and_in_pieces(items, op)
        verdict = "same" if whole == pieces else "DIFFERENT"
        print(f"{name:<20} {whole!s:>20} {pieces!s:>20}  {verdict}")


if __name__ == "__main__":
    main()
