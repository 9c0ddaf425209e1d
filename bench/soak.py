"""Soak: mixed reads and guarded writes against a real server on loopback, minute by minute.

Starts ``ftzkg serve`` on 127.0.0.1 with a write token and an on-disk store in a temporary
folder, then for ``--seconds`` sends requests at a bounded rate (``--rate`` per second) from a
few client threads: competency-style reads (SELECT, ASK, CONSTRUCT, Graph Store GET) and, one
request in ``--write-every``, a guarded write (an accepted INSERT DATA, a DELETE of it, and a
write the shapes reject with 422). Every minute it prints requests served, errors by status,
p50/p99 latency and the server's resident memory (RSS of the whole process group), and at
the end whether memory stayed flat (last minute's RSS within 10 % of the second minute's).

    python bench/soak.py --seconds 600     # what `make soak` runs
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

TOKEN = "soak-benchmark-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EX = "http://example.org/soak/"
READS = (
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 50",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
    "ASK { ?s a ?c }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 200",
    "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY DESC(?n)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_rss_kib(leader: int) -> int:
    """Resident memory of every process in the server's process group, in KiB."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            if os.getpgid(int(entry.name)) != leader:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


class Recorder:
    """Latencies and statuses per minute, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter[str] = Counter()
        self.total = 0

    def record(self, status: str, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.statuses[status] += 1
            self.total += 1

    def take(self) -> tuple[list[float], Counter[str]]:
        with self.lock:
            taken = (self.latencies, self.statuses)
            self.latencies, self.statuses = [], Counter()
            return taken


def one_request(base: str, counter: int, write_every: int) -> requests.Response:
    session_get = requests.get
    if counter % write_every == 0:
        step = (counter // write_every) % 3
        subject = f"<{EX}item-{counter}>"
        if step == 0:
            update = f"INSERT DATA {{ GRAPH <{EX}g> {{ {subject} <{EX}seen> {counter} }} }}"
        elif step == 1:
            update = f"DELETE WHERE {{ GRAPH <{EX}g> {{ ?s <{EX}seen> ?n }} }}"
        else:  # an area with no label, no source and an IRI outside /id/area/: 422
            update = (
                "INSERT DATA { GRAPH <https://w3id.org/ftzkg/graph/report/soak> { "
                f"{subject} a <https://w3id.org/ftzkg/ontology#FreeTradeZoneArea> }} }}"
            )
        return requests.post(
            base + "/sparql/update", data={"update": update}, headers=AUTH, timeout=60
        )
    if counter % 7 == 0:
        return session_get(base + "/health", timeout=60)
    query = READS[counter % len(READS)]
    return session_get(base + "/sparql", params={"query": query, "format": "json"}, timeout=60)


def client_loop(
    base: str,
    recorder: Recorder,
    stop: threading.Event,
    interval: float,
    counter: itertools.count,
    write_every: int,
) -> None:
    next_at = time.monotonic()
    while not stop.is_set():
        next_at += interval
        started = time.monotonic()
        try:
            status = str(one_request(base, next(counter), write_every).status_code)
        except requests.RequestException as error:
            status = type(error).__name__
        recorder.record(status, time.monotonic() - started)
        delay = next_at - time.monotonic()
        if delay > 0:
            stop.wait(delay)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second, all clients")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--write-every", type=int, default=20)
    parser.add_argument("--report-every", type=int, default=60, help="seconds per line")
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="ftzkg-soak-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "FTZKG_WRITE_TOKEN": TOKEN,
        "FTZKG_AUDIT_LOG": str(folder / "audit.jsonl"),
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("ftzkg")),
            "serve",
            "--store",
            str(folder / "store"),
            "--port",
            str(port),
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            with contextlib.suppress(requests.RequestException):
                if requests.get(base + "/health", timeout=2).status_code == 200:
                    break
            if server.poll() is not None or time.monotonic() > deadline:
                print("the server did not start", file=sys.stderr)
                return 1
            time.sleep(0.2)
        recorder = Recorder()
        stop = threading.Event()
        counter = itertools.count(1)
        interval = options.clients / options.rate
        threads = [
            threading.Thread(
                target=client_loop,
                args=(base, recorder, stop, interval, counter, options.write_every),
                daemon=True,
            )
            for _ in range(options.clients)
        ]
        for thread in threads:
            thread.start()
        print(
            f"soak: {options.seconds} s, {options.rate}/s from {options.clients} clients, "
            f"one write in {options.write_every}, server pid {server.pid}"
        )
        print(f"{'minute':>6} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'RSS MiB':>8}  statuses")
        started = time.monotonic()
        rss_per_period: list[int] = []
        all_statuses: Counter[str] = Counter()
        period = 0
        while time.monotonic() - started < options.seconds:
            stop.wait(min(options.report_every, options.seconds - (time.monotonic() - started)))
            period += 1
            latencies, statuses = recorder.take()
            all_statuses.update(statuses)
            rss = group_rss_kib(server.pid)
            rss_per_period.append(rss)
            print(
                f"{period:>6} {len(latencies):>8} {percentile(latencies, 0.5) * 1000:>8.1f} "
                f"{percentile(latencies, 0.99) * 1000:>8.1f} {rss / 1024:>8.1f}  "
                f"{dict(sorted(statuses.items()))}",
                flush=True,
            )
        stop.set()
        for thread in threads:
            thread.join(timeout=70)
        served = sum(all_statuses.values())
        errors = {status: n for status, n in all_statuses.items() if not status.startswith("2")}
        print(f"total: {served} requests; non-2xx by status: {errors}")
        if len(rss_per_period) >= 3:
            reference, last = rss_per_period[1], rss_per_period[-1]
            growth = (last - reference) / reference
            verdict = "flat" if abs(growth) <= 0.10 else "NOT flat"
            print(
                f"memory: {reference / 1024:.1f} MiB after period 2, {last / 1024:.1f} MiB at "
                f"the end ({growth:+.1%}): {verdict}; "
                f"median {statistics.median(rss_per_period) / 1024:.1f} MiB"
            )
        return 0
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
