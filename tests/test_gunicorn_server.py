"""A real ``ftzkg serve`` (gunicorn) on 127.0.0.1, queried with SPARQLWrapper and raw HTTP.

The server is the command an operator runs, started as a subprocess with ``FTZKG_*``
variables and stopped with SIGTERM afterwards. Expected answers come from a plain
pyoxigraph store loaded from the same data files, so the data may grow without the tests
changing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from xml.dom import minidom

import pyoxigraph as ox
import pytest
import rdflib
import requests
from conftest import copy_data_dir
from ftzkg.dataset import dataset_sources
from rdflib.compare import isomorphic
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)

pytestmark = pytest.mark.slow

QUERY_TIMEOUT = 2.0
TIMEOUT_GRACE = 2.0
SELECT_LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?thing ?label WHERE { ?thing rdfs:label ?label } ORDER BY ?thing ?label"
)
ASK_LABELS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nASK { ?s rdfs:label ?l }"
ASK_NOTHING = "ASK { <http://example.org/nothing> ?p ?o }"
CONSTRUCT_LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "CONSTRUCT { ?thing rdfs:label ?label } WHERE { ?thing rdfs:label ?label }"
)
# Four independent triple patterns: |triples|^4 solutions to count, far beyond any timeout;
# counting keeps the explosion in CPU, not in memory, so only the timeout can stop it.
EXPLOSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_server(log_dir: Path, data_dir: Path, **settings: str):
    """``ftzkg serve`` on a free loopback port; yields its base URL and process, then stops it."""
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FTZKG_")}
    environment.update(
        FTZKG_HOST="127.0.0.1",
        FTZKG_PORT=str(port),
        FTZKG_DATA_DIR=str(data_dir),
        FTZKG_QUERY_TIMEOUT=str(QUERY_TIMEOUT),
        FTZKG_WORKERS="2",
        FTZKG_HTTP_THREADS="8",
    )
    environment.update(settings)
    log_path = log_dir / "server.log"
    ftzkg = Path(sys.executable).with_name("ftzkg")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(ftzkg), "serve"],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process, log_path)
        yield base_url, process
    finally:
        stop(process)


@pytest.fixture(scope="module")
def server(tmp_path_factory, data_dir):
    with running_server(tmp_path_factory.mktemp("server"), data_dir) as running:
        yield running


def wait_until_healthy(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"ftzkg serve exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if requests.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"ftzkg serve did not answer /health within 90 s:\n{log_path.read_text()}")


def stop(process: subprocess.Popen) -> None:
    """SIGTERM for a graceful stop, then SIGKILL to the whole group if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=QUERY_TIMEOUT + 15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def reference_bytes(reference: ox.Store, query: str, result_format) -> bytes:  # type: ignore[no-untyped-def]
    return reference.query(query, use_default_graph_as_union=True).serialize(format=result_format)


def reference_graph(reference: ox.Store, query: str) -> rdflib.Graph:
    data = reference_bytes(reference, query, ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data, format="nt")


def described_subject(reference: ox.Store) -> str:
    result = reference.query(
        "SELECT ?s WHERE { ?s a ?type FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 1",
        use_default_graph_as_union=True,
    )
    return next(iter(result))["s"].value


def test_serve_refuses_invalid_data_and_prints_the_report(tmp_path, data_dir):
    copy_data_dir(data_dir, tmp_path)
    (tmp_path / "graph" / "links" / "broken.ttl").write_text(
        "<https://w3id.org/ftzkg/id/area/nowhere>"
        " a <https://w3id.org/ftzkg/ontology#FreeTradeZoneArea> .\n"
    )
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("FTZKG_")}
    environment.update(FTZKG_DATA_DIR=str(tmp_path), FTZKG_PORT=str(port))
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("ftzkg")), "serve"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode != 0
    assert "id/area/nowhere" in completed.stderr
    assert "Traceback" not in completed.stderr
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/health", timeout=2)


# --- SPARQLWrapper ------------------------------------------------------------------------

METHODS = {
    "get": lambda client: None,
    "post-form": lambda client: (client.setMethod(POST), client.setRequestMethod(URLENCODED)),
    "post-direct": lambda client: (client.setMethod(POST), client.setRequestMethod(POSTDIRECTLY)),
}


def sparqlwrapper(base_url: str, query: str, return_format: str, method: str):  # type: ignore[no-untyped-def]
    """Run ``query`` with SPARQLWrapper; a Content-Type it did not expect fails the test."""
    client = SPARQLWrapper(f"{base_url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(return_format)
    METHODS[method](client)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return client.queryAndConvert()


@pytest.mark.parametrize("method", METHODS)
def test_sparqlwrapper_select_json(server, reference, method):
    result = sparqlwrapper(server[0], SELECT_LABELS, JSON, method)
    expected = json.loads(reference_bytes(reference, SELECT_LABELS, ox.QueryResultsFormat.JSON))
    assert result == expected
    assert result["results"]["bindings"]


@pytest.mark.parametrize("method", METHODS)
def test_sparqlwrapper_select_xml(server, reference, method):
    result = sparqlwrapper(server[0], SELECT_LABELS, XML, method)
    expected = minidom.parseString(
        reference_bytes(reference, SELECT_LABELS, ox.QueryResultsFormat.XML)
    )
    assert result.toxml() == expected.toxml()


@pytest.mark.parametrize("return_format", [CSV, TSV])
@pytest.mark.parametrize("method", METHODS)
def test_sparqlwrapper_select_csv_and_tsv(server, reference, return_format, method):
    result = sparqlwrapper(server[0], SELECT_LABELS, return_format, method)
    results_format = (
        ox.QueryResultsFormat.CSV if return_format == CSV else ox.QueryResultsFormat.TSV
    )
    assert result == reference_bytes(reference, SELECT_LABELS, results_format)


@pytest.mark.parametrize("query", [ASK_LABELS, ASK_NOTHING])
@pytest.mark.parametrize("method", METHODS)
def test_sparqlwrapper_ask_json_and_xml(server, reference, query, method):
    expected = bool(reference.query(query, use_default_graph_as_union=True))
    assert sparqlwrapper(server[0], query, JSON, method)["boolean"] is expected
    document = sparqlwrapper(server[0], query, XML, method)
    assert document.getElementsByTagName("boolean")[0].firstChild.data == str(expected).lower()


@pytest.mark.parametrize("return_format", [CSV, TSV])
def test_sparqlwrapper_ask_csv_and_tsv(server, reference, return_format):
    results_format = (
        ox.QueryResultsFormat.CSV if return_format == CSV else ox.QueryResultsFormat.TSV
    )
    result = sparqlwrapper(server[0], ASK_LABELS, return_format, "get")
    assert result == reference_bytes(reference, ASK_LABELS, results_format)


def parse_sparqlwrapper_graph(result, return_format: str) -> rdflib.Graph:  # type: ignore[no-untyped-def]
    """SPARQLWrapper returns bytes for Turtle/N3 and an rdflib graph for the others."""
    if isinstance(result, rdflib.Graph):
        return result
    assert return_format in {TURTLE, N3}
    return rdflib.Graph().parse(data=result, format="turtle")


@pytest.mark.parametrize("return_format", [TURTLE, N3, RDFXML, XML, JSONLD])
@pytest.mark.parametrize("method", METHODS)
def test_sparqlwrapper_construct_in_every_rdf_format(server, reference, return_format, method):
    result = sparqlwrapper(server[0], CONSTRUCT_LABELS, return_format, method)
    served = parse_sparqlwrapper_graph(result, return_format)
    expected = reference_graph(reference, CONSTRUCT_LABELS)
    assert len(served) == len(expected) > 0
    assert isomorphic(served, expected)


@pytest.mark.parametrize("return_format", [TURTLE, RDFXML, JSONLD])
def test_sparqlwrapper_describe(server, reference, return_format):
    query = f"DESCRIBE <{described_subject(reference)}>"
    served = parse_sparqlwrapper_graph(
        sparqlwrapper(server[0], query, return_format, "get"), return_format
    )
    expected = reference_graph(reference, query)
    assert len(served) > 0
    assert isomorphic(served, expected)


def test_construct_as_n_triples_over_raw_http(server, reference):
    response = requests.get(
        f"{server[0]}/sparql",
        params={"query": CONSTRUCT_LABELS},
        headers={"Accept": "application/n-triples"},
        timeout=10,
    )
    assert response.headers["Content-Type"] == "application/n-triples; charset=utf-8"
    served = rdflib.Graph().parse(data=response.content, format="nt")
    assert isomorphic(served, reference_graph(reference, CONSTRUCT_LABELS))


# --- raw HTTP: statuses and headers ------------------------------------------------------


def test_health_lists_every_graph_of_the_data(server, data_dir):
    health = requests.get(f"{server[0]}/health", timeout=5).json()
    assert set(health["graphs"]) == {source.iri() for source in dataset_sources(data_dir)}


def test_select_headers(server):
    response = requests.get(
        f"{server[0]}/sparql",
        params={"query": SELECT_LABELS},
        headers={"Accept": "application/sparql-results+json", "Origin": "https://example.org"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    assert "Accept" in response.headers["Vary"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_head_over_http_has_no_body(server):
    response = requests.head(
        f"{server[0]}/sparql",
        params={"query": ASK_LABELS},
        headers={"Accept": "text/csv"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content == b""


def test_cors_preflight_over_http(server):
    response = requests.options(
        f"{server[0]}/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
        timeout=5,
    )
    assert response.status_code == 200
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    "request_kwargs, status",
    [
        ({"method": "GET", "params": {"query": "SELECT * WHERE {"}}, 400),
        (
            {"method": "GET", "params": {"query": ASK_LABELS}, "headers": {"Accept": "image/png"}},
            406,
        ),
        ({"method": "POST", "data": ASK_LABELS, "headers": {"Content-Type": "text/plain"}}, 415),
        (
            {
                "method": "POST",
                "data": ASK_LABELS.encode("utf-16"),
                "headers": {"Content-Type": "application/sparql-query; charset=utf-16"},
            },
            415,
        ),
        ({"method": "POST", "data": {"update": "CLEAR ALL"}}, 400),
        (
            {
                "method": "POST",
                "data": "x" * 200_000,
                "headers": {"Content-Type": "application/sparql-query"},
            },
            413,
        ),
        ({"method": "PUT", "data": ASK_LABELS}, 405),
    ],
)
def test_error_statuses_over_http(server, request_kwargs, status):
    response = requests.request(url=f"{server[0]}/sparql", timeout=10, **request_kwargs)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text.strip()
    assert "Traceback" not in response.text


def test_syntax_error_message_over_http_has_line_and_column(server):
    response = requests.get(
        f"{server[0]}/sparql", params={"query": "SELECT * WHERE {\n ?s ?p \n}"}, timeout=10
    )
    assert response.status_code == 400
    assert "3:" in response.text or "line 3" in response.text


def test_long_query_by_post_is_served(server):
    padding = "# " + "x" * 20_000 + "\n"
    response = requests.post(
        f"{server[0]}/sparql",
        data={"query": padding + ASK_LABELS},
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    )
    assert response.status_code == 200


# --- an explosive query is stopped, its CPU freed, while others are served -----------------


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants, from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    tree, pending = [], [root]
    while pending:
        pid = pending.pop()
        tree.append(pid)
        pending.extend(children.get(pid, []))
    return tree


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def tree_cpu_over(root: int, window: float) -> float:
    """CPU seconds the process tree of ``root`` used during ``window`` seconds."""
    before = {pid: cpu_seconds(pid) for pid in process_tree(root)}
    time.sleep(window)
    after = {pid: cpu_seconds(pid) for pid in process_tree(root)}
    return sum(after[pid] - before.get(pid, 0.0) for pid in after)


def test_explosive_query_times_out_frees_its_cpu_and_others_are_served(server):
    base_url, process = server
    outcome: dict[str, object] = {}

    def send_explosive_query() -> None:
        started = time.monotonic()
        response = requests.post(
            f"{base_url}/sparql",
            data=EXPLOSIVE,
            headers={"Content-Type": "application/sparql-query"},
            timeout=60,
        )
        outcome.update(
            status=response.status_code, seconds=time.monotonic() - started, text=response.text
        )

    explosive = threading.Thread(target=send_explosive_query)
    explosive.start()
    time.sleep(0.3)
    busy_cpu = tree_cpu_over(process.pid, 0.5)
    answered = []
    while explosive.is_alive():
        started = time.monotonic()
        response = requests.get(
            f"{base_url}/sparql",
            params={"query": ASK_LABELS},
            headers={"Accept": "application/sparql-results+json"},
            timeout=10,
        )
        answered.append((response.status_code, time.monotonic() - started))
        time.sleep(0.1)
    explosive.join()

    assert busy_cpu > 0.3, "the explosive query was really running on a CPU"
    assert outcome["status"] == 503, outcome
    assert outcome["seconds"] < QUERY_TIMEOUT + TIMEOUT_GRACE, outcome
    assert "timeout" in str(outcome["text"]).lower() or "time" in str(outcome["text"]).lower()
    assert answered, "other clients sent queries while the explosive one ran"
    assert all(status == 200 for status, _ in answered), answered
    assert max(seconds for _, seconds in answered) < 1.5, answered

    deadline = time.monotonic() + 10
    while (idle_cpu := tree_cpu_over(process.pid, 1.0)) > 0.1 and time.monotonic() < deadline:
        pass
    assert idle_cpu <= 0.1, f"the server still used {idle_cpu:.2f} s of CPU per second"
    assert requests.get(f"{base_url}/health", timeout=5).status_code == 200


def test_sigterm_lets_an_in_flight_query_finish_then_the_server_exits(
    tmp_path, data_dir, reference
):
    # Two patterns crossed eight times: a few seconds of work, well inside the timeout.
    slow_count = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . VALUES ?k { 1 2 3 4 5 6 7 8 } }"
    )
    triples = len(
        list(reference.query("SELECT * WHERE { ?s ?p ?o }", use_default_graph_as_union=True))
    )
    with running_server(tmp_path, data_dir, FTZKG_QUERY_TIMEOUT="60") as (base_url, process):
        outcome: dict[str, object] = {}

        def send_slow_query() -> None:
            response = requests.get(
                f"{base_url}/sparql",
                params={"query": slow_count},
                headers={"Accept": "application/sparql-results+json"},
                timeout=60,
            )
            outcome.update(status=response.status_code, body=response.json())

        in_flight = threading.Thread(target=send_slow_query)
        in_flight.start()
        time.sleep(0.5)
        assert in_flight.is_alive(), "the query was still running when the server was told to stop"
        process.send_signal(signal.SIGTERM)
        in_flight.join(timeout=60)
        process.wait(timeout=30)

    assert outcome["status"] == 200
    count = int(outcome["body"]["results"]["bindings"][0]["n"]["value"])  # type: ignore[index]
    assert count == triples * triples * 8
    assert process.returncode == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base_url}/health", timeout=2)


def gunicorn_workers(arbiter: int) -> list[int]:
    """The arbiter's forked children (same command line), not helpers such as
    multiprocessing's resource tracker."""
    command = _command_line(arbiter)
    return [
        child
        for child in process_tree(arbiter)
        if _parent(child) == arbiter and _command_line(child) == command
    ]


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return None


def ask_labels_as_tsv(base_url: str, times: int, answers: list[tuple[int, bytes]]) -> None:
    for _ in range(times):
        response = requests.get(
            f"{base_url}/sparql",
            params={"query": SELECT_LABELS},
            headers={"Accept": "text/tab-separated-values"},
            timeout=30,
        )
        answers.append((response.status_code, response.content))


def test_two_http_workers_share_one_on_disk_store(tmp_path, data_dir, reference):
    """Read-only servers run several gunicorn workers; an on-disk store is loaded once, first."""
    store = tmp_path / "store"
    expected = reference_bytes(reference, SELECT_LABELS, ox.QueryResultsFormat.TSV)
    for start in ("first start loads the store", "restart opens it as it is"):
        with running_server(tmp_path, data_dir, FTZKG_STORE=str(store), FTZKG_HTTP_WORKERS="2") as (
            base_url,
            process,
        ):
            assert len(gunicorn_workers(process.pid)) == 2, start
            answers: list[tuple[int, bytes]] = []
            clients = [
                threading.Thread(target=ask_labels_as_tsv, args=(base_url, 10, answers))
                for _ in range(6)
            ]
            for client in clients:
                client.start()
            for client in clients:
                client.join()
            assert len(answers) == 60, start
            assert all(status == 200 for status, _ in answers), start
            assert {body for _, body in answers} == {expected}, start


@pytest.mark.parametrize("request_log", ["true", "false"])
def test_request_log_lines_reach_the_server_log(tmp_path, data_dir, request_log):
    with running_server(tmp_path, data_dir, FTZKG_REQUEST_LOG=request_log) as (base_url, _):
        for request_id in ("log-check-first", "log-check-repeat"):  # the second is replayed
            response = requests.get(
                f"{base_url}/sparql",
                params={"query": ASK_LABELS},
                headers={"Accept": "application/sparql-results+json", "X-Request-Id": request_id},
                timeout=10,
            )
            assert response.headers["X-Request-Id"] == request_id
    lines = [
        json.loads(line)
        for line in (tmp_path / "server.log").read_text().splitlines()
        if line.startswith('{"id":"log-check-')
    ]
    if request_log == "false":
        assert lines == []
    else:
        assert [(line["id"], line["status"], line["path"]) for line in lines] == [
            ("log-check-first", 200, "/sparql"),
            ("log-check-repeat", 200, "/sparql"),
        ]
