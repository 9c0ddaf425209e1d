"""Bad input, generated: the real app never answers 500, never leaks a trace, never changes data.

Hypothesis drives the app (Flask's test client, real store) with generated and mutated
queries, updates, parameters, headers, media types, charsets, invalid UTF-8 and huge or
deeply nested input. Every answer must be a status below 500 (or 503 with a message, for a
query stopped at its time limit), carry a message when it is an error, and hold no stack
trace; the store's version and content never change, because no request has the token.

CI runs ``FTZKG_FUZZ_EXAMPLES`` cases per test (default 1000, 3000 in all);
``make fuzz`` runs a long campaign and prints the cases tried and the statuses seen.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from ftzkg.web import create_app, resources
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("FTZKG_FUZZ_EXAMPLES", "1000"))
TOKEN = "fuzz-campaign-token-0123456789"
PATHS = ("/sparql", "/sparql/update", "/rdf-graphs/service", "/health", "/metrics")
METHODS = ("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH")
TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "site-packages")

SEED_QUERIES = (
    "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
    "ASK { ?s a ?c }",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 5",
    "DESCRIBE <https://w3id.org/ftzkg/id/area/harbin>",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?l (COUNT(*) AS ?n) WHERE { ?s rdfs:label ?l FILTER(LANG(?l) = 'en') } GROUP BY ?l",
    "SELECT ?x WHERE { ?x <http://www.w3.org/2000/01/rdf-schema#label>+ ?y } ORDER BY ?x",
    "SELECT * WHERE { VALUES ?v { 1 2 3 } BIND(?v * 2 AS ?w) OPTIONAL { ?v ?p ?o } }",
)
SEED_UPDATES = (
    "INSERT DATA { <http://example.org/a> <http://example.org/b> 'c' }",
    "DELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
    "CLEAR DEFAULT ; LOAD <http://127.0.0.1:9/x>",
    "WITH <http://example.org/g> DELETE { ?s ?p ?o } INSERT { ?o ?p ?s } WHERE { ?s ?p ?o }",
)
FRAGMENTS = (
    "SELECT",
    "ASK",
    "CONSTRUCT",
    "DESCRIBE",
    "WHERE",
    "{",
    "}",
    "(",
    ")",
    "?x",
    "$y",
    "*",
    "<http://example.org/>",
    "<",
    ">",
    "'",
    '"',
    '"""',
    "@en",
    "^^",
    "a",
    ";",
    ",",
    ".",
    "FILTER",
    "OPTIONAL",
    "UNION",
    "GRAPH",
    "SERVICE",
    "BIND",
    "AS",
    "VALUES",
    "UNDEF",
    "LIMIT",
    "OFFSET",
    "-1",
    "99999999999999999999",
    "1e308",
    "ORDER BY",
    "GROUP BY",
    "PREFIX",
    "BASE",
    "ex:",
    ":",
    "_:b",
    "[]",
    "/",
    "|",
    "^",
    "+",
    "?",
    "!",
    "#",
    "\n",
    "\\u0000",
    "\u0000",
    "\ud7ff",
    "\U0001f600",
    "LOAD",
    "INSERT",
    "DELETE",
    "DATA",
)
MEDIA_TYPES = (
    "application/sparql-query",
    "application/sparql-update",
    "application/x-www-form-urlencoded",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "text/plain",
    "multipart/form-data",
    "application/json",
    "",
    "*/*",
    "text/turtle; charset=latin-1",
    "foo/bar; q=x",
)
ACCEPTS = (
    "*/*",
    "application/sparql-results+json",
    "text/csv",
    "text/turtle;q=0.1, */*;q=0",
    "application/nothing",
    "text/html",
    "application/json;q=abc",
    ",,,;;;",
    "",
)

texts = st.one_of(
    st.sampled_from(SEED_QUERIES + SEED_UPDATES),
    st.lists(st.sampled_from(FRAGMENTS), max_size=40).map(" ".join),
    st.text(max_size=300),
    st.integers(1, 3000).map(lambda depth: "SELECT * WHERE { FILTER(" + "(" * depth + "1"),
    st.integers(1, 2000).map(
        lambda length: (
            "SELECT * WHERE { ?s " + "/".join(["<http://example.org/p>"] * length) + " ?o }"
        )
    ),
    st.integers(1, 200_000).map(lambda size: 'ASK { ?s ?p "' + "x" * size + '" }'),
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A valid query or update with characters inserted, deleted or replaced."""
    text = draw(st.sampled_from(SEED_QUERIES + SEED_UPDATES))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(("insert", "delete", "replace")))
        piece = draw(st.sampled_from(FRAGMENTS))
        if action == "insert":
            text = text[:position] + piece + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 10)) :]
        else:
            text = text[:position] + piece + text[position + len(piece) :]
    return text


operations = st.one_of(texts, mutated())
bodies = st.one_of(
    operations.map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.binary(max_size=500),
    st.just(b"\xff\xfe\x00S\x00E\x00L"),
    st.just(b"query=%ff%fe&update=%c3%28"),
)
parameter_names = st.sampled_from(
    (
        "query",
        "update",
        "default-graph-uri",
        "named-graph-uri",
        "using-graph-uri",
        "using-named-graph-uri",
        "format",
        "graph",
        "default",
        "x",
        "",
    )
)
parameters = st.lists(st.tuples(parameter_names, operations), max_size=4)

statuses: Counter[int] = Counter()


@pytest.fixture(scope="module")
def fuzz_app(settings):
    app = create_app(settings.with_changes(write_token=TOKEN, query_timeout=2.0))
    with app.app_context():
        store = resources().store
        before = (store.version, frozenset(store.quads()))
    yield app
    if os.environ.get("FTZKG_FUZZ_REPORT"):
        print(f"\nfuzz: {sum(statuses.values())} cases; statuses {dict(sorted(statuses.items()))}")
    with app.app_context():
        store = resources().store
        assert (store.version, frozenset(store.quads())) == before, "a write got through"


def check_answer(response) -> None:  # type: ignore[no-untyped-def]
    statuses[response.status_code] += 1
    body = response.get_data(as_text=True) if response.status_code >= 400 else ""
    assert response.status_code < 500 or response.status_code == 503, (
        response.status_code,
        body[:500],
    )
    for marker in TRACE_MARKERS:
        assert marker not in body
    if response.status_code >= 400 and response.request.method != "HEAD":
        assert body.strip(), f"{response.status_code} without a message"


def assert_still_answers(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert response.status_code == 200


fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@fuzz_settings
@given(query=operations, accept=st.sampled_from(ACCEPTS), method=st.sampled_from(("GET", "POST")))
def test_queries_never_fail_the_server(fuzz_app, query, accept, method):
    client = fuzz_app.test_client()
    if method == "GET":
        response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    else:
        response = client.post("/sparql", data={"query": query}, headers={"Accept": accept})
    check_answer(response)


@fuzz_settings
@given(
    path=st.sampled_from(PATHS),
    method=st.sampled_from(METHODS),
    params=parameters,
    body=bodies,
    media_type=st.sampled_from(MEDIA_TYPES),
    accept=st.sampled_from(ACCEPTS),
    authorization=st.sampled_from(("", "Bearer", "Bearer wrong-token", "Basic Zm9vOmJhcg==")),
)
def test_any_request_never_fails_the_server(
    fuzz_app, path, method, params, body, media_type, accept, authorization
):
    headers = {"Accept": accept}
    if media_type:
        headers["Content-Type"] = media_type
    if authorization:
        headers["Authorization"] = authorization
    query_string = [(name, value.encode("utf-8", "surrogatepass")) for name, value in params]
    response = fuzz_app.test_client().open(
        path, method=method, query_string=query_string, data=body, headers=headers
    )
    check_answer(response)


@fuzz_settings
@given(raw_query=st.binary(max_size=200))
def test_raw_url_bytes_never_fail_the_server(fuzz_app, raw_query):
    from urllib.parse import quote_from_bytes

    response = fuzz_app.test_client().get("/sparql?query=" + quote_from_bytes(raw_query))
    check_answer(response)


def test_the_server_answers_normally_after_the_campaign(fuzz_app):
    assert_still_answers(fuzz_app.test_client())
