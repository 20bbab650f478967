"""Chapter 4's lock bug in Python: a lock acquired by hand stays held when an exception
skips the release() call; the with statement releases it on every way out. A
non-blocking acquire shows the state of the lock, so the program never hangs.
Standard library only; Python 3.11 or newer."""

import argparse
import sys
import threading


# ANCHOR: withdraw
def withdraw_by_hand(lock: threading.Lock, balance: list[int], amount: int) -> None:
    """Takes `amount` from the balance, acquiring and releasing the lock by hand."""
    lock.acquire()
    if amount > balance[0]:
        # The exception leaves the function here: release() below never runs.
        raise ValueError(f"{amount} is more than the balance {balance[0]}")
    balance[0] -= amount
    lock.release()


def withdraw_with(lock: threading.Lock, balance: list[int], amount: int) -> None:
    """The same, with the lock held by a with statement."""
    with lock:
        if amount > balance[0]:
            # Leaving the with block, by an exception too, calls lock.__exit__.
            raise ValueError(f"{amount} is more than the balance {balance[0]}")
        balance[0] -= amount


# ANCHOR_END: withdraw


def attempt(name: str, withdraw, amount: int) -> None:
    lock = threading.Lock()
    balance = [100]
    try:
        withdraw(lock, balance, amount)
        print(f"{name}: withdrew {amount}, balance {balance[0]}")
    except ValueError as error:
        print(f"{name}: ValueError: {error}")
    # The original called acquire() here, which waits forever for a lock nobody
    # will release; blocking=False answers at once instead.
    got_it = lock.acquire(blocking=False)
    print(f"{name}: lock.acquire(blocking=False) returned {got_it}")
    if got_it:
        lock.release()


def main() -> None:
    argparse.ArgumentParser(
        description="A lock acquired by hand stays held after an exception; "
        "a with statement releases it."
    ).parse_args()
    print(f"python: {sys.version.split()[0]}")
    attempt("by hand", withdraw_by_hand, 30)
    attempt("by hand", withdraw_by_hand, 500)
    attempt("with", withdraw_with, 500)


if __name__ == "__main__":
    main()
