"""Chapter 5's experiment in Python: ten requests that each take 200 ms, one after another and
then one thread per request, best of three rounds of each as in the Rust program, with
urllib.request against a ThreadingHTTPServer of the program's own on 127.0.0.1, on a port the
operating system picks. Standard library only; Python 3.11 or newer."""

import argparse
import http.server
import re
import sys
import threading
import time
import urllib.error
import urllib.request

REQUESTS = 10
DELAY_MS = 200
ROUNDS = 3  # each way runs three times, in turn; the fastest run of each counts
MAX_DELAY_MS = 10_000
STATUS_PATH = re.compile(r"^/status/(\d{3})(?:\?delay_ms=(\d+))?$")


class SlowHandler(http.server.BaseHTTPRequestHandler):
    """GET /status/CODE?delay_ms=N: answers CODE after N milliseconds; anything else, 400."""

    def do_GET(self) -> None:
        match = STATUS_PATH.match(self.path)
        code = int(match.group(1)) if match else 0
        delay_ms = int(match.group(2) or 0) if match else 0
        if not (200 <= code <= 599 and delay_ms <= MAX_DELAY_MS):
            self.answer(400, f"400 Bad Request: expected /status/CODE?delay_ms=N, not {self.path}\n")
            return
        time.sleep(delay_ms / 1000)  # the slow site
        self.answer(code, f"{code} after {delay_ms} ms\n")

    def answer(self, code: int, text: str) -> None:
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the program prints its own report


class Server(http.server.ThreadingHTTPServer):
    # The default backlog of 5 is too short for many connections arriving at once.
    request_queue_size = 128


# No proxy from the environment (http_proxy): the requests stay on 127.0.0.1.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str) -> int:
    """The status code of a GET, or 0 with a line on why it failed."""
    try:
        with DIRECT.open(url, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        print(f"  {url}: {error}")
        return 0


# ANCHOR: threads
def one_thread_each(urls: list[str]) -> list[int]:
    results = [0] * len(urls)

    def work(i: int) -> None:
        results[i] = fetch(urls[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(urls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
# ANCHOR_END: threads


def report(label: str, results: list[int], rounds: list[float]) -> float:
    """Prints the best round's time, the spread of all rounds and the answers; returns the best."""
    ok = results.count(200)
    best, worst = min(rounds), max(rounds)
    print(
        f"{label:>17}: {best:.3f} s (rounds {best:.3f}-{worst:.3f} s), "
        f"{ok} of {len(results)} answered 200"
    )
    return best


def main() -> None:
    argparse.ArgumentParser(
        description="Ten requests that each take 200 ms, one after another and then one "
        "thread per request, against a local ThreadingHTTPServer."
    ).parse_args()
    server = Server(("127.0.0.1", 0), SlowHandler)
    serving = threading.Thread(target=server.serve_forever)
    serving.start()
    # The serving thread is not a daemon: stop it whatever happens, or the program never ends.
    try:
        port = server.server_address[1]
        urls = [f"http://127.0.0.1:{port}/status/200?delay_ms={DELAY_MS}"] * REQUESTS
        print(f"python: {sys.version.split()[0]}")
        print(f"{REQUESTS} requests, each answered after {DELAY_MS} ms, best of {ROUNDS} rounds")

        one_by_one: list[float] = []  # each round's time
        together: list[float] = []
        first: list[int] = []
        second: list[int] = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            first += [fetch(url) for url in urls]
            one_by_one.append(time.perf_counter() - start)

            start = time.perf_counter()
            second += one_thread_each(urls)
            together.append(time.perf_counter() - start)
        best_one_by_one = report("one after another", first, one_by_one)
        best_together = report("one thread each", second, together)

        print(f"speedup: {best_one_by_one / best_together:.2f}x")
    finally:
        server.shutdown()
        serving.join()
        server.server_close()


if __name__ == "__main__":
    main()
