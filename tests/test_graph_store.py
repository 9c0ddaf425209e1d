"""The Graph Store HTTP Protocol at /rdf-graphs/service: public reads, guarded writes."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from ftzkg.web import create_app, resources

TOKEN = "graph-store-test-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SERVICE = "/rdf-graphs/service"
GRAPH = "http://example.org/gsp-test/g"
TURTLE = {"Content-Type": "text/turtle"}
BODY = b"<http://example.org/s> <http://example.org/p> 'one' , 'two' ."


@pytest.fixture()
def app(settings):
    return create_app(settings.with_changes(write_token=TOKEN))


@pytest.fixture()
def client(app):
    return app.test_client()


def graph_triples(app, graph: str) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return {
            (q.subject.value, q.predicate.value, q.object.value)
            for q in resources().store.quads(graph)
            if q.graph_name == ox.NamedNode(graph)
        }


def test_get_of_a_named_graph_returns_its_triples_as_turtle(app, client):
    with app.app_context():
        report_graph = next(g for g in resources().store.named_graphs() if "/graph/report/" in g)
    response = client.get(SERVICE, query_string={"graph": report_graph})
    assert response.status_code == 200, response.text
    assert response.mimetype == "text/turtle"
    parsed = set(ox.parse(response.data, format=ox.RdfFormat.TURTLE))
    assert len(parsed) == len(graph_triples(app, report_graph))
    assert response.headers["ETag"]


def test_get_of_a_missing_graph_is_404(client):
    assert client.get(SERVICE, query_string={"graph": GRAPH}).status_code == 404


def test_head_has_no_body_but_the_headers_of_get(client):
    client.put(SERVICE, query_string={"graph": GRAPH}, data=BODY, headers={**AUTH, **TURTLE})
    head = client.head(SERVICE, query_string={"graph": GRAPH})
    get = client.get(SERVICE, query_string={"graph": GRAPH})
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


def test_get_honours_accept(client):
    client.put(SERVICE, query_string={"graph": GRAPH}, data=BODY, headers={**AUTH, **TURTLE})
    response = client.get(
        SERVICE, query_string={"graph": GRAPH}, headers={"Accept": "application/n-triples"}
    )
    assert response.mimetype == "application/n-triples"
    assert len(response.text.strip().splitlines()) == 2


def test_a_request_naming_no_graph_is_400(client):
    response = client.get(SERVICE)
    assert response.status_code == 400
    assert "?graph=" in response.text


def test_put_creates_a_graph_with_201_then_replaces_it_with_200(app, client):
    created = client.put(
        SERVICE, query_string={"graph": GRAPH}, data=BODY, headers={**AUTH, **TURTLE}
    )
    assert created.status_code == 201, created.text
    assert len(graph_triples(app, GRAPH)) == 2
    replaced = client.put(
        SERVICE,
        query_string={"graph": GRAPH},
        data=b"<http://example.org/s> <http://example.org/p> 'three' .",
        headers={**AUTH, **TURTLE},
    )
    assert replaced.status_code == 200
    assert graph_triples(app, GRAPH) == {("http://example.org/s", "http://example.org/p", "three")}


def test_post_merges_into_the_graph(app, client):
    client.put(SERVICE, query_string={"graph": GRAPH}, data=BODY, headers={**AUTH, **TURTLE})
    response = client.post(
        SERVICE,
        query_string={"graph": GRAPH},
        data=b"<http://example.org/s> <http://example.org/p> 'three' .",
        headers={**AUTH, **TURTLE},
    )
    assert response.status_code == 200
    assert len(graph_triples(app, GRAPH)) == 3


def test_post_to_the_service_creates_a_new_graph_and_says_where(app, client):
    response = client.post(SERVICE, data=BODY, headers={**AUTH, **TURTLE})
    assert response.status_code == 201
    location = response.headers["Location"]
    assert client.get(SERVICE, query_string={"graph": location}).status_code == 200


def test_delete_removes_the_graph_and_then_it_is_404(app, client):
    client.put(SERVICE, query_string={"graph": GRAPH}, data=BODY, headers={**AUTH, **TURTLE})
    assert client.delete(SERVICE, query_string={"graph": GRAPH}, headers=AUTH).status_code == 200
    assert client.get(SERVICE, query_string={"graph": GRAPH}).status_code == 404
    assert client.delete(SERVICE, query_string={"graph": GRAPH}, headers=AUTH).status_code == 404


def test_writes_need_the_token(app, client):
    assert (
        client.put(SERVICE, query_string={"graph": GRAPH}, data=BODY, headers=TURTLE).status_code
        == 401
    )
    wrong = {"Authorization": "Bearer not-the-token-at-all"}
    assert client.delete(SERVICE, query_string={"graph": GRAPH}, headers=wrong).status_code == 403
    assert graph_triples(app, GRAPH) == set()


def test_writes_are_405_with_allow_on_a_read_only_server(settings):
    client = create_app(settings).test_client()
    response = client.put(SERVICE, query_string={"graph": GRAPH}, data=BODY, headers=TURTLE)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert "read-only" in response.text


def test_a_body_that_does_not_parse_is_400_with_its_position(app, client):
    response = client.put(
        SERVICE, query_string={"graph": GRAPH}, data=b"<a> <b> .", headers={**AUTH, **TURTLE}
    )
    assert response.status_code == 400
    assert "line" in response.text.lower() or "column" in response.text.lower()
    assert graph_triples(app, GRAPH) == set()


def test_a_body_of_an_unknown_media_type_is_415(client):
    response = client.put(
        SERVICE,
        query_string={"graph": GRAPH},
        data=BODY,
        headers={**AUTH, "Content-Type": "text/csv"},
    )
    assert response.status_code == 415
