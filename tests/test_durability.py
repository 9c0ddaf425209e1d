"""Nothing lost, nothing half-written: SIGKILL the real server mid-write, restart, inspect.

A real ``ftzkg serve`` (gunicorn) runs on 127.0.0.1 over an on-disk store. Each round sends
a large write (a SPARQL Update, a Graph Store PUT of a large graph) and kills the server's
whole process group with SIGKILL at a random moment while it works; the restarted server
must hold exactly the state before or after that write, never a part of it, keep every write
accepted earlier, and still pass validation. A kill during the start-up load of the data
files must likewise leave either nothing or everything.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from external import free_port, wait_until_answering
from ftzkg.validation import Validator, graph_from_quads

pytestmark = pytest.mark.slow

TOKEN = "durability-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROUNDS = int(os.environ.get("FTZKG_DURABILITY_ROUNDS", "3"))
TRIPLES = int(os.environ.get("FTZKG_DURABILITY_TRIPLES", "5000"))
EX = "http://example.org/durability/"
FTZKG = str(Path(sys.executable).with_name("ftzkg"))


class Server:
    """``ftzkg serve`` over ``store`` in its own process group, killable with SIGKILL."""

    def __init__(self, store: Path, data_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environment = {
            **os.environ,
            "FTZKG_WRITE_TOKEN": TOKEN,
            "FTZKG_DATA_DIR": str(data_dir),
            "FTZKG_WORKERS": "1",
            "FTZKG_QUERY_TIMEOUT": "60",
        }
        # A file, not a pipe nobody reads: the request log would fill a pipe and block.
        with (store.parent / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                [FTZKG, "serve", "--store", str(store), "--port", str(self.port)],
                env=environment,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )

    def wait(self) -> Server:
        wait_until_answering(self.url + "/health", self.process, timeout=180)
        return self

    def kill(self) -> None:
        """SIGKILL the whole group and wait until every member is gone, not only the leader."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def count(self, graph: str) -> int:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        response = requests.get(
            self.url + "/sparql", params={"query": query, "format": "json"}, timeout=60
        )
        assert response.status_code == 200, response.text
        return int(response.json()["results"]["bindings"][0]["n"]["value"])


@contextlib.contextmanager
def running(store: Path, data_dir: Path) -> Iterator[Server]:
    server = Server(store, data_dir).wait()
    try:
        yield server
    finally:
        server.stop()


def large_update(graph: str, size: int) -> str:
    triples = "\n".join(f"<{EX}s{i}> <{EX}p> 'value {i}' ." for i in range(size))
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{triples}\n}} }}"


def large_turtle(size: int) -> bytes:
    return "\n".join(f'<{EX}t{i}> <{EX}q> "{i}" .' for i in range(size)).encode()


def send_in_background(method: str, url: str, **arguments: object) -> threading.Thread:
    def send() -> None:
        with contextlib.suppress(requests.RequestException):
            requests.request(method, url, timeout=300, **arguments)  # type: ignore[arg-type]

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def timed_write(server: Server, method: str, url: str, **arguments: object) -> float:
    started = time.monotonic()
    response = requests.request(method, url, timeout=300, **arguments)  # type: ignore[arg-type]
    assert response.status_code in {200, 201}, response.text
    return time.monotonic() - started


def assert_store_validates(store: Path, settings) -> None:  # type: ignore[no-untyped-def]
    """The restarted store's report and link graphs still conform, as at start-up."""
    handle = ox.Store.read_only(str(store))
    data_graphs = [
        graph
        for graph in handle.named_graphs()
        if "/graph/report/" in graph.value or "/graph/links/" in graph.value
    ]
    quads = [
        quad for graph in data_graphs for quad in handle.quads_for_pattern(None, None, None, graph)
    ]
    assert quads, "the data graphs are gone"
    result = Validator.from_settings(settings).check(graph_from_quads(quads))
    assert result.conforms, result.text


@pytest.mark.parametrize("kind", ["update", "graph-store-put"])
def test_sigkill_mid_write_leaves_the_state_before_or_after(settings, data_dir, tmp_path, kind):
    store = tmp_path / "store"
    rng = random.Random(int(os.environ.get("FTZKG_DURABILITY_SEED", str(time.time_ns()))))
    expected: dict[str, int] = {}

    def write(server: Server, graph: str) -> tuple[str, str, dict[str, object]]:
        if kind == "update":
            body = large_update(graph, TRIPLES).encode()
            headers = {**AUTH, "Content-Type": "application/sparql-update"}
            return "POST", server.url + "/sparql/update", {"data": body, "headers": headers}
        headers = {**AUTH, "Content-Type": "application/n-triples"}
        url = server.url + "/rdf-graphs/service"
        arguments = {"data": large_turtle(TRIPLES), "headers": headers, "params": {"graph": graph}}
        return "PUT", url, arguments

    with running(store, data_dir) as server:
        graph = f"{EX}{kind}/baseline"
        method, url, arguments = write(server, graph)
        duration = timed_write(server, method, url, **arguments)
        expected[graph] = TRIPLES
    outcomes = []
    for round_number in range(ROUNDS):
        server = Server(store, data_dir).wait()
        graph = f"{EX}{kind}/round-{round_number}"
        method, url, arguments = write(server, graph)
        moment = rng.uniform(0.0, duration * 1.2)
        send_in_background(method, url, **arguments)
        time.sleep(moment)
        server.kill()
        with running(store, data_dir) as restarted:
            found = restarted.count(graph)
            assert found in {0, TRIPLES}, f"kill at {moment:.2f} s left {found} of {TRIPLES}"
            expected[graph] = found
            for earlier, count in expected.items():
                assert restarted.count(earlier) == count, earlier
        outcomes.append((round(moment, 2), "after" if found else "before"))
    print(f"\n{kind}: write takes {duration:.2f} s; kills at {outcomes}")
    assert_store_validates(store, settings)


def test_sigkill_during_the_start_up_load_leaves_nothing_or_everything(
    settings, data_dir, tmp_path
):
    store = tmp_path / "store"
    with running(store, data_dir):
        pass
    reference_counts = graph_counts(store)
    assert reference_counts
    rng = random.Random()
    for round_number in range(ROUNDS):
        fresh = tmp_path / f"fresh-{round_number}"
        started = time.monotonic()
        server = Server(fresh, data_dir)
        time.sleep(rng.uniform(0.2, 3.0))
        server.kill()
        with running(fresh, data_dir):
            pass
        seconds = time.monotonic() - started
        assert graph_counts(fresh) == reference_counts, f"round {round_number}, {seconds:.1f} s"


def graph_counts(store: Path) -> dict[str, int]:
    handle = ox.Store.read_only(str(store))
    return {
        graph.value: sum(1 for _ in handle.quads_for_pattern(None, None, None, graph))
        for graph in handle.named_graphs()
    }
