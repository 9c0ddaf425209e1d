"""ftzkg's HTTP interface over a remote store: `oxigraph serve` and Virtuoso, started here.

The app is built by ``create_app`` over a ``RemoteStore``; requests go through Flask's test
client, answers come from the remote store. Oxigraph is started WITHOUT
``--union-default-graph`` and Virtuoso's default graph holds its system graphs: that the
answers still equal ftzkg's shows the store sends the project's dataset with each query.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from external import (
    free_port,
    oxigraph_load,
    remote_answer,
    running_oxigraph,
    same_answer,
    solutions_from_json,
    stop_process,
    store_answer,
    wait_until_answering,
)
from ftzkg.dataset import QUERIES_DIR, dataset_sources
from ftzkg.errors import Forbidden
from ftzkg.export import export_format, export_to_file
from ftzkg.formats import BY_NAME
from ftzkg.store import QueryRequest, RemoteStore
from ftzkg.web import create_app

pytest_plugins = ["external"]

REPOSITORY = Path(__file__).resolve().parents[1]
COMPETENCY_QUERIES = sorted((REPOSITORY / QUERIES_DIR).glob("*.rq"))
SELECT_AREAS = """PREFIX ftz: <https://w3id.org/ftzkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?area ?label WHERE { ?area a ftz:FreeTradeZoneArea ; rdfs:label ?label }"""
CONSTRUCT_AREAS = SELECT_AREAS.replace(
    "SELECT ?area ?label WHERE", "CONSTRUCT { ?area rdfs:label ?label } WHERE"
)


@pytest.fixture(scope="module")
def export_for_stores(tmp_path_factory, settings) -> Path:
    path = tmp_path_factory.mktemp("remote") / "ftzkg.nq"
    export_to_file(path, settings, export_format("nquads", None), plain_wkt=True)
    return path


@pytest.fixture(scope="module")
def oxigraph_remote(tmp_path_factory, export_for_stores):
    location = tmp_path_factory.mktemp("remote-oxigraph") / "store"
    oxigraph_load(location, [export_for_stores])
    with running_oxigraph(location, union_default_graph=False) as server:
        yield server


@pytest.fixture(scope="module")
def virtuoso_remote(virtuoso, export_for_stores, settings):
    graphs = [source.iri(settings.base_iri) for source in dataset_sources(settings.data_dir)]
    virtuoso.clear_graphs(graphs)
    virtuoso.bulk_load(export_for_stores)
    return virtuoso


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request):
    """Each remote store in turn, as (its query URL, its update URL)."""
    server = request.getfixturevalue(f"{request.param}_remote")
    return server


@pytest.fixture(scope="module")
def remote_settings(settings, remote):
    return settings.with_changes(store="sparql+" + remote.query_url, query_timeout=5.0)


@pytest.fixture(scope="module")
def client(remote_settings):
    store = RemoteStore.from_settings(remote_settings)
    app = create_app(remote_settings, store=store)
    yield app.test_client()
    store.close()


@pytest.fixture(scope="module")
def reference(ftzkg_store):
    """ftzkg's own store over the data files: the answers the remote must give."""
    return lambda text: store_answer(ftzkg_store, text)


@pytest.mark.parametrize("query_file", COMPETENCY_QUERIES, ids=lambda path: path.stem)
def test_competency_query_over_the_remote_store_answers_as_ftzkg(client, reference, query_file):
    text = query_file.read_text()
    response = client.post("/sparql", data={"query": text}, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert same_answer(reference(text), solutions_from_json(response.get_json()))


@pytest.mark.parametrize(
    ("format_name", "media_type"),
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv"),
        ("tsv", "text/tab-separated-values"),
    ],
)
def test_select_comes_back_in_the_format_asked_for(client, reference, format_name, media_type):
    response = client.get("/sparql", query_string={"query": SELECT_AREAS, "format": format_name})
    assert response.status_code == 200
    assert response.mimetype == media_type
    body = response.get_data()
    if format_name == "csv":
        assert body.splitlines()[0] == b"area,label"
        return
    results_format = ox.QueryResultsFormat.from_media_type(media_type)
    parsed = ox.parse_query_results(body, format=results_format)
    as_json = json.loads(parsed.serialize(format=ox.QueryResultsFormat.JSON))
    assert same_answer(reference(SELECT_AREAS), solutions_from_json(as_json))


@pytest.mark.parametrize("format_name", ["turtle", "ntriples", "rdfxml", "jsonld", "nquads"])
def test_construct_comes_back_in_the_format_asked_for(client, format_name):
    response = client.get("/sparql", query_string={"query": CONSTRUCT_AREAS, "format": format_name})
    assert response.status_code == 200
    rdf_format = ox.RdfFormat.from_media_type(response.mimetype)
    triples = {quad.triple for quad in ox.parse(response.get_data(), format=rdf_format)}
    assert len(triples) == 6  # three areas, an English and a Chinese label each


def test_large_answer_is_streamed_in_chunks(remote_settings):
    """An answer beyond the share of the cache one answer may take (here 1/16 of 1 MB) is
    passed on as the remote streams it, the part read while deciding included."""
    small_cache = remote_settings.with_changes(cache_max_bytes=1_000_000)
    store = RemoteStore.from_settings(small_cache)
    try:
        client = create_app(small_cache, store=store).test_client()
        text = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
        response = client.get("/sparql", query_string={"query": text}, buffered=False)
        assert response.status_code == 200
        chunks = list(response.response)
        response.close()
        assert len(chunks) > 1 and sum(map(len, chunks)) > 1_000_000 // 16
        assert json.loads(b"".join(chunks))["results"]["bindings"]
    finally:
        store.close()


def test_remote_syntax_error_is_400_with_the_remote_message(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "remote store" in response.get_data(as_text=True)


def test_health_counts_the_triples_of_each_remote_graph(client, settings):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    for source in dataset_sources(settings.data_dir):
        assert source.iri(settings.base_iri) in body


def test_unreachable_remote_store_is_503(settings):
    unreachable = settings.with_changes(store=f"sparql+http://127.0.0.1:{free_port()}/sparql")
    store = RemoteStore.from_settings(unreachable)
    client = create_app(unreachable, store=store).test_client()
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 503
    assert "cannot be reached" in response.get_data(as_text=True)


def test_remote_error_status_is_502(settings, oxigraph_remote):
    wrong_path = settings.with_changes(store="sparql+" + oxigraph_remote.base_url + "/nothing")
    client = create_app(wrong_path, store=RemoteStore.from_settings(wrong_path)).test_client()
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 502


def test_slow_remote_query_is_503_within_the_timeout(settings, oxigraph_remote):
    impatient = settings.with_changes(
        store="sparql+" + oxigraph_remote.query_url, query_timeout=1.0
    )
    store = RemoteStore.from_settings(impatient)
    explosive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    response = (
        create_app(impatient, store=store).test_client().post("/sparql", data={"query": explosive})
    )
    assert response.status_code == 503
    assert time.monotonic() - started < 1.0 + 2.0


def test_writes_replace_a_graph_in_the_remote_store(tmp_path, settings):
    with running_oxigraph(tmp_path / "writable") as server:
        writable = settings.with_changes(
            store="sparql+" + server.query_url, store_update_url=server.update_url
        )
        store = RemoteStore.from_settings(writable)
        graph = f"{settings.base_iri}graph/report/remote-write-test"
        quad = ox.Quad(
            ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("o"), ox.NamedNode(graph)
        )
        summary = store.replace_graphs({graph: [quad]})
        assert summary.version == 1
        assert store.graph_counts() == {graph: 1}
        asked = QueryRequest('ASK { <urn:x:s> <urn:x:p> "o" }', BY_NAME["json"])
        answer = json.loads(b"".join(store.query(asked).chunks))
        assert answer["boolean"] is True  # the union default graph includes the new graph
        store.close()


def test_read_only_remote_store_refuses_writes(settings, oxigraph_remote):
    read_only = settings.with_changes(store="sparql+" + oxigraph_remote.query_url)
    store = RemoteStore.from_settings(read_only)
    with pytest.raises(Forbidden, match="read-only"):
        store.replace_graphs({f"{settings.base_iri}graph/report/x": []})


def test_open_store_picks_the_remote_store_for_sparql_urls(settings, oxigraph_remote):
    from ftzkg.store import open_store

    store = open_store(settings.with_changes(store="sparql+" + oxigraph_remote.query_url))
    try:
        assert isinstance(store, RemoteStore)
    finally:
        store.close()


def test_export_from_the_remote_store_holds_every_graph(tmp_path, settings, oxigraph_remote):
    remote_settings = settings.with_changes(store="sparql+" + oxigraph_remote.query_url)
    store = RemoteStore.from_settings(remote_settings)
    path = tmp_path / "from-remote.nq"
    export_to_file(path, remote_settings, export_format("nquads", None), store=store)
    store.close()
    exported: dict[str, int] = {}
    for quad in ox.parse(path=path):
        exported[quad.graph_name.value] = exported.get(quad.graph_name.value, 0) + 1
    assert exported == {
        source.iri(settings.base_iri): len(set(ox.parse(path=source.path)))
        for source in dataset_sources(settings.data_dir)
    }


def test_ftzkg_serve_fronts_a_remote_store_under_gunicorn(data_dir, oxigraph_remote):
    """The real command: `ftzkg serve --store sparql+http://…`, asked with SPARQLWrapper."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("ftzkg")),
            "serve",
            "--port",
            str(port),
            "--store",
            "sparql+" + oxigraph_remote.query_url,
        ],
        env={"FTZKG_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/health", process)
        answer = remote_answer(f"http://127.0.0.1:{port}/sparql", SELECT_AREAS)
        assert len(answer) == 6
    finally:
        stop_process(process)


def test_answers_of_a_remote_store_are_cached_until_it_is_gone(
    tmp_path, export_for_stores, settings
):
    """A streamed remote answer (no length) is kept too: once the remote stops, a repeated
    query is still answered, from the cache, and a new one is 503."""
    location = tmp_path / "store"
    oxigraph_load(location, [export_for_stores])
    with running_oxigraph(location, union_default_graph=False) as server:
        remote_settings = settings.with_changes(store="sparql+" + server.query_url)
        store = RemoteStore.from_settings(remote_settings)
        client = create_app(remote_settings, store=store).test_client()
        asked = {"query": SELECT_AREAS, "format": "json"}
        first = client.get("/sparql", query_string=asked)
        assert first.status_code == 200 and first.get_json()["results"]["bindings"]
    try:
        again = client.get("/sparql", query_string=asked)
        assert again.status_code == 200 and again.data == first.data
        assert again.headers["ETag"] == first.headers["ETag"]
        new = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        assert new.status_code == 503, new.get_data(as_text=True)
    finally:
        store.close()
