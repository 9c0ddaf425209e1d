"""SPARQL Update at /sparql/update: only with the operator's token, never leaving invalid data.

Every test builds the real app over a fresh in-memory store loaded from the data files and
talks to it over Flask's test client; the store is inspected through its own interface.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from ftzkg.auth import token_id
from ftzkg.web import create_app, resources

TOKEN = "writes-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EX = "http://example.org/writes-test/"
SH = "http://www.w3.org/ns/shacl#"


@pytest.fixture()
def audit_path(tmp_path):
    return tmp_path / "audit.jsonl"


@pytest.fixture()
def app(settings, audit_path):
    return create_app(settings.with_changes(write_token=TOKEN, audit_log=audit_path))


@pytest.fixture()
def client(app):
    return app.test_client()


def store_of(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        return resources().store


def snapshot(app) -> tuple[int, frozenset]:  # type: ignore[no-untyped-def]
    store = store_of(app)
    return store.version, frozenset(store.quads())


def ask(client, query: str) -> bool:  # type: ignore[no-untyped-def]
    response = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 200, response.text
    return response.get_json()["boolean"]


def test_update_is_404_with_a_hint_when_no_token_is_configured(settings):
    client = create_app(settings).test_client()
    response = client.post(
        "/sparql/update", data={"update": f"INSERT DATA {{ <{EX}a> <{EX}b> 1 }}"}, headers=AUTH
    )
    assert response.status_code == 404
    assert "FTZKG_WRITE_TOKEN" in response.text


def test_update_without_credentials_is_401_with_a_bearer_challenge(app, client):
    before = snapshot(app)
    response = client.post("/sparql/update", data={"update": f"CLEAR GRAPH <{EX}g>"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in response.text
    assert snapshot(app) == before


def test_update_with_a_wrong_token_is_403_and_changes_nothing(app, client):
    before = snapshot(app)
    response = client.post(
        "/sparql/update",
        data={"update": "DROP ALL"},
        headers={"Authorization": "Bearer " + TOKEN.upper()},
    )
    assert response.status_code == 403
    assert snapshot(app) == before


def test_get_of_the_update_endpoint_is_405(client):
    assert client.get("/sparql/update", query_string={"update": "DROP ALL"}).status_code == 405


def test_an_accepted_update_is_visible_bumps_the_version_and_is_audited(app, client, audit_path):
    version_before = store_of(app).version
    update = f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}b> 'c' }} }}"
    response = client.post(
        "/sparql/update",
        data=update.encode(),
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )
    assert response.status_code == 200, response.text
    summary = response.get_json()
    assert summary["triples_added"] == 1
    assert summary["triples_removed"] == 0
    assert summary["graphs"] == [f"{EX}g"]
    assert summary["version"] > version_before
    assert store_of(app).version == summary["version"]
    assert ask(client, f"ASK {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}b> 'c' }} }}")
    [entry] = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert entry["token"] == token_id(TOKEN)
    assert TOKEN not in audit_path.read_text()
    assert entry["update"] == update
    assert (entry["triples_added"], entry["triples_removed"]) == (1, 0)
    assert entry["time"].endswith("Z")


def test_the_version_is_reported_by_health(app, client):
    client.post(
        "/sparql/update",
        data={"update": f"INSERT DATA {{ GRAPH <{EX}g> {{ <{EX}a> <{EX}b> 1 }} }}"},
        headers=AUTH,
    )
    health = client.get("/health", headers={"Accept": "application/json"})
    assert str(store_of(app).version) in health.text


def test_using_graph_uri_sets_the_where_clauses_dataset(app, client):
    client.post(
        "/sparql/update",
        data={"update": f"INSERT DATA {{ GRAPH <{EX}src> {{ <{EX}a> <{EX}b> 1 }} }}"},
        headers=AUTH,
    )
    response = client.post(
        "/sparql/update",
        data={
            "update": f"INSERT {{ GRAPH <{EX}dst> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}",
            "using-graph-uri": f"{EX}src",
        },
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    assert response.get_json()["triples_added"] == 1
    assert ask(client, f"ASK {{ GRAPH <{EX}dst> {{ <{EX}a> <{EX}b> 1 }} }}")


def test_a_syntax_error_is_400_with_line_and_column_and_changes_nothing(app, client):
    before = snapshot(app)
    response = client.post("/sparql/update", data={"update": "INSERT DATA { <a> }"}, headers=AUTH)
    assert response.status_code == 400
    assert "line" in response.text.lower() or "column" in response.text.lower()
    assert snapshot(app) == before


def test_a_query_sent_to_the_update_endpoint_is_400(client):
    response = client.post("/sparql/update", data={"query": "ASK {}"}, headers=AUTH)
    assert response.status_code == 400


def test_an_update_of_another_media_type_is_415(client):
    response = client.post(
        "/sparql/update", data=b"DROP ALL", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415


def shaped_class(app) -> str:  # type: ignore[no-untyped-def]
    """A class the shapes target with a required property: an empty instance must fail."""
    store = store_of(app)
    required = [
        quad.subject
        for quad in store.quads()
        if quad.predicate == ox.NamedNode(SH + "minCount")
        and isinstance(quad.object, ox.Literal)
        and int(quad.object.value) >= 1
    ]
    property_of = {
        quad.object: quad.subject
        for quad in store.quads()
        if quad.predicate == ox.NamedNode(SH + "property")
    }
    for quad in store.quads():
        if quad.predicate == ox.NamedNode(SH + "targetClass") and quad.subject in set(
            property_of[p] for p in required if p in property_of
        ):
            return quad.object.value
    pytest.fail("the shapes target no class with a required property")


def test_an_update_that_breaks_the_shapes_is_422_with_the_report_and_changes_nothing(
    app, client, audit_path
):
    report_graph = next(g for g in store_of(app).named_graphs() if "/graph/report/" in g)
    before = snapshot(app)
    update = f"INSERT DATA {{ GRAPH <{report_graph}> {{ <{EX}thing> a <{shaped_class(app)}> }} }}"
    response = client.post("/sparql/update", data={"update": update}, headers=AUTH)
    assert response.status_code == 422, response.text
    assert "shapes" in response.text
    assert f"{EX}thing" in response.text
    assert snapshot(app) == before
    assert not audit_path.exists() or audit_path.read_text() == ""


def test_metrics_count_rejected_writes(client):
    client.post("/sparql/update", data={"update": "DROP ALL"})
    metrics = client.get("/metrics").text
    assert 'ftzkg_rejected_writes_total{status="401"} 1.0' in metrics
