"""Repeated GETs of ``/sparql`` are replayed before Flask, and never outlive their data.

The replay layer sits in the real app's WSGI stack, so the Flask test client goes through it;
a ``before_request`` hook added to the real app shows which requests reached Flask.
"""

from __future__ import annotations

import json

import pytest
from ftzkg.config import ConfigurationError, Settings
from ftzkg.web import create_app

TOKEN = "replay-test-token-0123456789abcdef"
LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?label WHERE { <https://w3id.org/ftzkg/id/area/harbin> rdfs:label ?label } "
    "ORDER BY ?label"
)
JSON_RESULTS = "application/sparql-results+json"


@pytest.fixture()
def writable_app(settings, tmp_path):
    app = create_app(settings.with_changes(write_token=TOKEN, audit_log=tmp_path / "audit.jsonl"))
    app.flask_requests = []  # type: ignore[attr-defined]
    app.before_request(lambda: app.flask_requests.append(1))  # type: ignore[attr-defined]
    yield app
    app.extensions["ftzkg"].store.close()


def labels(response) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(row["label"]["value"] for row in response.get_json()["results"]["bindings"])


def get_labels(client, accept: str = JSON_RESULTS, **headers: str):  # type: ignore[no-untyped-def]
    return client.get(
        "/sparql", query_string={"query": LABELS}, headers={"Accept": accept, **headers}
    )


def test_a_repeated_query_is_replayed_without_reaching_flask(writable_app):
    client = writable_app.test_client()
    first = get_labels(client)
    second = get_labels(client)
    assert first.status_code == second.status_code == 200
    assert second.data == first.data and labels(second)
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    assert second.headers["Vary"] == first.headers["Vary"]
    assert second.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    assert len(writable_app.flask_requests) == 1  # the second never reached Flask
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'ftzkg_http_requests_total{method="GET",status="200"} 2.0' in metrics


def test_a_write_ends_the_replay_of_answers_about_older_data(writable_app):
    client = writable_app.test_client()
    count = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"}

    def triples() -> int:
        response = client.get("/sparql", query_string=count, headers={"Accept": JSON_RESULTS})
        return int(response.get_json()["results"]["bindings"][0]["n"]["value"])

    before = triples()
    assert triples() == before  # replayed
    update = (
        "INSERT DATA { GRAPH <http://example.org/replay> "
        "{ <http://example.org/a> <http://example.org/b> 1 } }"
    )
    response = client.post(
        "/sparql/update",
        data=update,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/sparql-update"},
    )
    assert response.status_code in {200, 204}, response.get_data(as_text=True)
    assert triples() == before + 1


def test_the_answers_own_etag_gets_304_and_any_other_goes_to_flask(writable_app):
    client = writable_app.test_client()
    etag = get_labels(client).headers["ETag"]
    get_labels(client)  # now replayable
    reached = len(writable_app.flask_requests)
    not_modified = get_labels(client, **{"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert not_modified.headers["ETag"] == etag
    assert len(writable_app.flask_requests) == reached
    other = get_labels(client, **{"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and labels(other)
    assert len(writable_app.flask_requests) == reached + 1


def test_each_accept_header_has_its_own_replay(writable_app):
    client = writable_app.test_client()
    for _ in range(2):
        as_json = get_labels(client)
        as_csv = get_labels(client, accept="text/csv")
    assert as_json.headers["Content-Type"].startswith(JSON_RESULTS)
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    rows = as_csv.get_data(as_text=True).splitlines()
    assert rows[0] == "label" and sorted(rows[1:]) == labels(as_json)


def test_errors_are_never_replayed(writable_app):
    client = writable_app.test_client()
    for _ in range(2):
        response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p "})
        assert response.status_code == 400
    assert len(writable_app.flask_requests) == 2


def test_a_rate_limited_server_counts_every_request_in_flask(settings):
    app = create_app(settings.with_changes(rate_limit="2/minute"))
    try:
        client = app.test_client()
        statuses = [get_labels(client).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    finally:
        app.extensions["ftzkg"].store.close()


def test_replayed_requests_are_logged_like_the_others(writable_app, caplog):
    caplog.set_level("INFO", logger="ftzkg.requests")
    client = writable_app.test_client()
    get_labels(client)
    get_labels(client)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "ftzkg.requests"]
    assert [line["status"] for line in lines] == [200, 200]
    assert lines[0]["query_hash"] == lines[1]["query_hash"] is not None
    assert lines[0]["id"] != lines[1]["id"]


def test_http_workers_default_to_one_per_core_only_while_read_only(settings):
    read_only = Settings(data_dir=settings.data_dir)
    assert read_only.http_processes >= 1
    writable = Settings(data_dir=settings.data_dir, write_token=TOKEN)
    assert writable.http_processes == 1
    assert Settings(data_dir=settings.data_dir, http_workers=3).http_processes == 3
    with pytest.raises(ConfigurationError, match="FTZKG_HTTP_WORKERS above 1 needs writes off"):
        Settings.from_env({"FTZKG_HTTP_WORKERS": "2", "FTZKG_WRITE_TOKEN": TOKEN})
