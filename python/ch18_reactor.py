"""Chapter 18's reactor in Python: one thread, one `selectors` loop, non-blocking sockets,
serving the chapter's HTTP/1.1 subset (GET /, keep-alive, Content-Length) as the Rust
servers do. It listens on 127.0.0.1 on a port the operating system picks, prints
`listening on 127.0.0.1:PORT`, and serves until its standard input closes. Standard library
only; Python 3.11 or newer."""

import argparse
import selectors
import socket
import sys
import time

TIMEOUT = 10.0  # seconds to send a whole request head
MAX_HEAD = 8192
BODY = b"Hello from a Python server\n"


def response(status: int, reason: str, body: bytes, keep: bool) -> bytes:
    connection = b"keep-alive" if keep else b"close"
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: "
    ).encode()
    return head + connection + b"\r\n\r\n" + body


# ANCHOR: parse
def answer(head: bytes) -> tuple[bytes, bool]:
    """The answer to one request head, and whether the connection stays open."""
    lines = head.split(b"\n")
    parts = lines[0].rstrip(b"\r").split(b" ")
    if len(parts) != 3 or parts[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
        return response(400, "Bad Request", b"Bad Request\n", False), False
    keep = parts[2] == b"HTTP/1.1"
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"connection":
            keep = value.strip().lower() != b"close"
    if parts[0] != b"GET":
        return response(405, "Method Not Allowed", b"Method Not Allowed\n", False), False
    if parts[1] != b"/":
        return response(404, "Not Found", b"not found\n", keep), keep
    return response(200, "OK", BODY, keep), keep
# ANCHOR_END: parse


# ANCHOR: reactor
BUDGET = 32  # sends and receives a connection may make in one turn


class Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.received = bytearray()
        self.out = bytearray()
        self.close_after = False
        self.deadline = time.monotonic() + TIMEOUT
        self.interest = selectors.EVENT_READ


def serve(listener: socket.socket) -> None:
    selector = selectors.DefaultSelector()  # epoll on Linux
    selector.register(listener, selectors.EVENT_READ, None)
    selector.register(sys.stdin, selectors.EVENT_READ, "stop")
    connections: dict[int, Connection] = {}
    ready: dict[int, Connection] = {}  # used up their turn with work left

    def close(conn: Connection) -> None:
        selector.unregister(conn.sock)
        conn.sock.close()
        del connections[id(conn)]
        ready.pop(id(conn), None)

    def turn(conn: Connection) -> None:
        if id(conn) in connections and drive(conn, selector, close):
            ready[id(conn)] = conn

    while True:
        for key, events in selector.select(timeout=0 if ready else 1.0):
            if key.data == "stop":
                if not sys.stdin.buffer.read1(4096):
                    for conn in list(connections.values()):
                        close(conn)
                    return
            elif key.data is None:
                try:
                    sock, _ = listener.accept()
                except (BlockingIOError, ConnectionAbortedError):
                    continue
                sock.setblocking(False)
                # Our answer is one send, but a pipelined client gets several: no Nagle delay.
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn = Connection(sock)
                connections[id(conn)] = conn
                selector.register(sock, selectors.EVENT_READ, conn)
            else:
                turn(key.data)
        for conn in list(ready.values()):  # one more turn each, in order
            ready.pop(id(conn), None)
            turn(conn)
        now = time.monotonic()
        for conn in [c for c in connections.values() if c.deadline < now]:
            close(conn)


def drive(conn: Connection, selector, close) -> bool:
    """Serves one request at a time, reading only when no whole request is waiting and
    nothing is left to send; returns True if the turn ended with work still to do."""
    blocked = False
    for _ in range(BUDGET):
        if conn.out:
            try:
                del conn.out[: conn.sock.send(conn.out)]
            except (BlockingIOError, InterruptedError):
                blocked = True
                break
            except OSError:
                close(conn)
                return False
            if conn.out:
                blocked = True
                break  # a partial write: wait until the socket can take more
            conn.deadline = time.monotonic() + TIMEOUT  # sent whole: the next wait starts now
            continue
        if conn.close_after:
            close(conn)
            return False
        end = conn.received.find(b"\r\n\r\n")
        if end >= 0:
            head = bytes(conn.received[:end])
            del conn.received[: end + 4]
            reply, keep = answer(head)
            conn.out += reply
            conn.close_after = not keep
            conn.deadline = time.monotonic() + TIMEOUT
            continue
        if len(conn.received) > MAX_HEAD:
            conn.out += response(431, "Request Header Fields Too Large", b"", False)
            conn.close_after = True
            continue
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            blocked = True
            break
        except OSError:
            close(conn)
            return False
        if not data:
            close(conn)
            return False
        conn.received += data
    # Wait for room to write while output is pending, and only then read again: a client
    # that never reads its answers fills its own socket, not our memory.
    interest = selectors.EVENT_WRITE if conn.out else selectors.EVENT_READ
    if interest != conn.interest:
        selector.modify(conn.sock, interest, conn)
        conn.interest = interest
    return not blocked
# ANCHOR_END: reactor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    listener.setblocking(False)
    host, port = listener.getsockname()
    print(f"listening on {host}:{port}", flush=True)
    print(f"python {sys.version.split()[0]}", flush=True)  # the parent prints it last
    serve(listener)


if __name__ == "__main__":
    main()
