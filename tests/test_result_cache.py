"""Answers are cached per dataset version and revalidated by ETag, through the real app."""

from __future__ import annotations

from urllib.parse import quote

from ftzkg.store import open_store
from ftzkg.web import create_app

LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?label WHERE { <https://w3id.org/ftzkg/id/area/harbin> rdfs:label ?label }"
)
JSON_RESULTS = "application/sparql-results+json"


def client_for(settings, store, **changes):  # type: ignore[no-untyped-def]
    return create_app(settings.with_changes(**changes), store).test_client()


def get(client, query: str = LABELS, **headers: str):  # type: ignore[no-untyped-def]
    return client.get(f"/sparql?query={quote(query)}", headers={"Accept": JSON_RESULTS, **headers})


def test_an_answer_carries_a_strong_etag_and_cache_control(settings, store):
    response = get(client_for(settings, store))
    assert response.status_code == 200
    etag, weak = response.get_etag()
    assert etag and not weak
    assert response.headers["Cache-Control"] == settings.cache_control


def test_if_none_match_with_the_current_etag_is_answered_304_without_a_body(settings, store):
    client = client_for(settings, store)
    first = get(client)
    again = get(client, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_the_etag_differs_by_format_and_by_query(settings, store):
    client = client_for(settings, store)
    json_etag = get(client).headers["ETag"]
    xml_etag = get(client, Accept="application/sparql-results+xml").headers["ETag"]
    other_etag = get(client, LABELS + " LIMIT 1").headers["ETag"]
    assert len({json_etag, xml_etag, other_etag}) == 3


def test_a_cached_answer_is_the_same_bytes_as_a_fresh_one(settings, store):
    cached_client = client_for(settings, store)
    first, second = get(cached_client), get(cached_client)
    uncached = get(client_for(settings, store, cache_results=False))
    assert first.data == second.data == uncached.data
    assert "ETag" not in uncached.headers


def test_a_write_changes_the_etag_so_old_answers_are_not_revalidated(settings):
    writable = open_store(settings)
    try:
        client = client_for(settings, writable)
        before = get(client)
        writable.replace_graphs({"https://w3id.org/ftzkg/graph/links/dbpedia": []})
        after = get(client, **{"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200
        assert after.headers["ETag"] != before.headers["ETag"]
    finally:
        writable.close()
