"""Chapter 11's echo server in Python's asyncio, written as the original wrote it, with a
Protocol subclass: the event loop calls connection_made, data_received and eof_received, and
the protocol writes to its transport. Three clients run in the same program, each sends
three lines, reads each echo and closes its side; then the server stops. The server listens
on 127.0.0.1, on a port the operating system picks. Standard library only; Python 3.11 or
newer."""

import argparse
import asyncio
import sys

CLIENTS = 3


# ANCHOR: protocol
class EchoProtocol(asyncio.Protocol):
    """One instance per connection; the event loop calls its methods as things happen."""

    def __init__(self, totals: list[int], all_closed: asyncio.Event) -> None:
        self.totals = totals
        self.all_closed = all_closed
        self.echoed = 0

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        # Called with whatever bytes have arrived: part of a line, a line, or several.
        self.transport.write(data)
        self.echoed += len(data)

    def eof_received(self) -> bool:
        # The client closed its writing side. Returning False tells the transport to close
        # itself, once what it still buffers is sent; True would leave closing it to us.
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.totals.append(self.echoed)
        if len(self.totals) == CLIENTS:
            self.all_closed.set()
# ANCHOR_END: protocol


# ANCHOR: client
async def client(port: int, ident: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for n in range(1, 4):
        line = f"line {n} from client {ident}\n"
        writer.write(line.encode())
        await writer.drain()  # wait while the transport's buffer is over its high-water mark
        echo = await reader.readline()
        print(f'client {ident}: sent "{line.rstrip()}", got "{echo.decode().rstrip()}"')
    writer.write_eof()  # close our writing side; we can still read
    rest = await reader.read()  # waits for the server to close
    print(f"client {ident}: closed; the server closed too ({len(rest)} more bytes)")
    writer.close()
    await writer.wait_closed()


async def main() -> None:
    loop = asyncio.get_running_loop()
    totals: list[int] = []
    all_closed = asyncio.Event()
    server = await loop.create_server(lambda: EchoProtocol(totals, all_closed),
                                      "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    await asyncio.gather(*(client(port, ident) for ident in range(1, CLIENTS + 1)))
    await all_closed.wait()  # every connection_lost has run
    server.close()
    await server.wait_closed()
    print(f"server: echoed {sum(totals)} bytes to {CLIENTS} clients and stopped")
# ANCHOR_END: client


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    print(f"python: {sys.version.split()[0]}")
    asyncio.run(main())
