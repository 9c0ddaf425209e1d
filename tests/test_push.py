"""`ftzkg push` replaces the project's graphs in real remote stores, idempotently, verified."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from external import free_port, remote_answer, running_oxigraph
from ftzkg.dataset import dataset_sources
from ftzkg.errors import UpstreamError
from ftzkg.push import RemoteEndpoints, push_dataset, staging_graph

pytest_plugins = ["external"]


@pytest.fixture(scope="module")
def expected_counts(settings) -> dict[str, int]:
    """Distinct triples per graph, read from the data files."""
    return {
        source.iri(settings.base_iri): len(
            set(ox.parse(path=source.path, format=ox.RdfFormat.TURTLE))
        )
        for source in dataset_sources(settings.data_dir)
    }


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    with running_oxigraph(tmp_path_factory.mktemp("push-oxigraph")) as server:
        yield server


def graph_names(query_url: str) -> set[str]:
    rows = remote_answer(query_url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {str(row["g"]) for row in rows}


def test_push_by_update_replaces_every_graph_with_its_triples(
    settings, oxigraph_server, expected_counts
):
    endpoints = RemoteEndpoints(oxigraph_server.query_url, oxigraph_server.update_url)
    assert push_dataset(settings, endpoints, batch_size=300) == expected_counts
    assert graph_names(oxigraph_server.query_url) >= set(expected_counts)


def test_push_twice_changes_nothing_and_leaves_no_staging_graph(
    settings, oxigraph_server, expected_counts
):
    endpoints = RemoteEndpoints(oxigraph_server.query_url, oxigraph_server.update_url)
    push_dataset(settings, endpoints)
    assert push_dataset(settings, endpoints) == expected_counts
    staging = {staging_graph(graph) for graph in expected_counts}
    assert not graph_names(oxigraph_server.query_url) & staging


def test_push_removes_triples_the_remote_graph_had_before(
    settings, oxigraph_server, expected_counts
):
    graph = next(iter(expected_counts))
    stale = f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:x:stale> <urn:x:p> 1 }} }}"
    requests.post(oxigraph_server.update_url, data={"update": stale}, timeout=10).raise_for_status()
    endpoints = RemoteEndpoints(oxigraph_server.query_url, oxigraph_server.update_url)
    push_dataset(settings, endpoints, graph_iri=graph)
    asked = f"ASK {{ GRAPH <{graph}> {{ <urn:x:stale> ?p ?o }} }}"
    assert remote_answer(oxigraph_server.query_url, asked) is False


def test_push_through_the_graph_store_protocol(settings, oxigraph_server, expected_counts):
    endpoints = RemoteEndpoints(
        oxigraph_server.query_url, graph_store_url=oxigraph_server.graph_store_url
    )
    assert push_dataset(settings, endpoints, batch_size=500) == expected_counts
    assert push_dataset(settings, endpoints, batch_size=500) == expected_counts


def test_push_to_virtuoso_by_update_is_verified_and_idempotent(settings, virtuoso, expected_counts):
    virtuoso.clear_graphs(list(expected_counts))
    endpoints = RemoteEndpoints(virtuoso.query_url, virtuoso.update_url)
    assert push_dataset(settings, endpoints, plain_wkt=True) == expected_counts
    assert push_dataset(settings, endpoints, plain_wkt=True) == expected_counts


def test_push_to_virtuoso_through_its_graph_store(settings, virtuoso, expected_counts):
    endpoints = RemoteEndpoints(virtuoso.query_url, graph_store_url=virtuoso.graph_store_url)
    assert push_dataset(settings, endpoints, plain_wkt=True, batch_size=700) == expected_counts


def test_push_names_the_graph_when_virtuoso_refuses_a_literal(settings, virtuoso):
    """Virtuoso 7 rejects WKT with a CRS IRI; the error says which graph and why."""
    geonames = [s for s in dataset_sources(settings.data_dir) if "geonames" in s.slug]
    if not geonames or "CRS84" not in geonames[0].path.read_text():
        pytest.skip("no WKT literal with a CRS IRI in the data")
    graph = geonames[0].iri(settings.base_iri)
    endpoints = RemoteEndpoints(virtuoso.query_url, virtuoso.update_url)
    with pytest.raises(UpstreamError, match="RDFGE") as raised:
        push_dataset(settings, endpoints, graph_iri=graph)
    assert graph in raised.value.message


def run_push(*arguments: str, data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).with_name("ftzkg")), "push", *arguments],
        capture_output=True,
        text=True,
        env={"FTZKG_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_cli_prints_the_verified_count_of_each_graph(data_dir, oxigraph_server, expected_counts):
    result = run_push(
        "--endpoint",
        oxigraph_server.query_url,
        "--update",
        oxigraph_server.update_url,
        data_dir=data_dir,
    )
    assert result.returncode == 0, result.stderr
    printed = dict(line.split("\t")[::-1] for line in result.stdout.splitlines())
    assert {graph: int(count) for graph, count in printed.items()} == expected_counts
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_cli_reports_an_unreachable_store_on_one_line(data_dir):
    url = f"http://127.0.0.1:{free_port()}/sparql"
    result = run_push("--endpoint", url, data_dir=data_dir)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot reach" in result.stderr


def test_cli_refuses_both_update_and_graph_store(data_dir):
    result = run_push(
        "--endpoint",
        "http://127.0.0.1:1/q",
        "--update",
        "http://127.0.0.1:1/u",
        "--graph-store",
        "http://127.0.0.1:1/g",
        data_dir=data_dir,
    )
    assert result.returncode != 0
    assert "not both" in result.stderr
