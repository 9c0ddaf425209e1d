"""The SPARQL 1.1 Protocol for queries, driven through the real app with Flask's test client.

Expectations are derived from the data files: a plain pyoxigraph store loaded from the same
files (``reference``) evaluates the same query, so nothing here hard-codes what the graph
holds while it grows.
"""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import rdflib
from ftzkg.dataset import dataset_sources, read_graph_quads
from ftzkg.formats import FORMATS, SOLUTIONS
from ftzkg.store import open_store
from ftzkg.web import create_app
from rdflib.compare import isomorphic

SELECT_LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?thing ?label WHERE { ?thing rdfs:label ?label } ORDER BY ?thing ?label"
)
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_NAMED = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
ASK_ANY = "ASK { ?s ?p ?o }"
CONSTRUCT_LABELS = (
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "CONSTRUCT { ?thing rdfs:label ?label } WHERE { ?thing rdfs:label ?label }"
)
SYNTAX_ERROR = "SELECT * WHERE {\n  ?s ?p ?o .\n  FILTER(?s = ) }"
UPDATE = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
JSON_RESULTS = "application/sparql-results+json"


def reference_answer(reference: ox.Store, query: str, result_format) -> bytes:  # type: ignore[no-untyped-def]
    result = reference.query(query, use_default_graph_as_union=True)
    return result.serialize(format=result_format)


def count_of(response) -> int:  # type: ignore[no-untyped-def]
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def get(client, query: str, **headers: str):  # type: ignore[no-untyped-def]
    return client.get(f"/sparql?query={quote(query)}", headers=headers)


# --- the three ways to send a query ----------------------------------------------------


def test_get_select_returns_the_same_json_as_pyoxigraph(client, reference):
    response = get(client, SELECT_LABELS, Accept=JSON_RESULTS)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/sparql-results+json; charset=utf-8"
    expected = reference_answer(reference, SELECT_LABELS, ox.QueryResultsFormat.JSON)
    assert response.get_json() == json.loads(expected)
    assert response.get_json()["results"]["bindings"], "the data has labelled things"


def test_post_form_runs_the_query(client, reference):
    response = client.post("/sparql", data={"query": SELECT_LABELS}, headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.data == reference_answer(reference, SELECT_LABELS, ox.QueryResultsFormat.CSV)


def test_post_direct_runs_the_query(client, reference):
    response = client.post(
        "/sparql",
        data=SELECT_LABELS.encode(),
        headers={"Content-Type": f"{DIRECT}; charset=UTF-8", "Accept": "text/tab-separated-values"},
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    assert response.data == reference_answer(reference, SELECT_LABELS, ox.QueryResultsFormat.TSV)


def test_post_direct_accepts_non_ascii_utf8_text(client):
    query = 'ASK { FILTER("黑龙江" = "黑龙江") }'
    response = client.post(
        "/sparql", data=query.encode(), headers={"Content-Type": DIRECT, "Accept": JSON_RESULTS}
    )
    assert response.status_code == 200
    assert response.get_json()["boolean"] is True


def test_ask_answers_boolean(client):
    response = get(client, ASK_ANY, Accept=JSON_RESULTS)
    assert response.get_json() == {"head": {}, "boolean": True}


def test_construct_returns_turtle_isomorphic_to_pyoxigraph(client, reference):
    response = get(client, CONSTRUCT_LABELS, Accept="text/turtle")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    served = rdflib.Graph().parse(data=response.data, format="turtle")
    expected = rdflib.Graph().parse(
        data=reference_answer(reference, CONSTRUCT_LABELS, ox.RdfFormat.N_TRIPLES),
        format="nt",
    )
    assert len(served) == len(expected) > 0
    assert isomorphic(served, expected)


def test_describe_returns_a_graph_about_the_resource(client, reference):
    subject = next(iter(reference.quads_for_pattern(None, None, None))).subject
    query = f"DESCRIBE {subject}"
    response = get(client, query, Accept="application/n-triples")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/n-triples; charset=utf-8"
    served = rdflib.Graph().parse(data=response.data, format="nt")
    expected = rdflib.Graph().parse(
        data=reference_answer(reference, query, ox.RdfFormat.N_TRIPLES), format="nt"
    )
    assert len(served) > 0
    assert isomorphic(served, expected)


@pytest.mark.parametrize("entry", [entry for entry in FORMATS], ids=lambda entry: entry.name)
def test_every_registered_format_is_served_with_its_content_type(client, entry):
    query = SELECT_LABELS if entry.kind == SOLUTIONS else CONSTRUCT_LABELS
    response = get(client, query, Accept=entry.media_type)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{entry.media_type}; charset=utf-8"
    assert response.data


@pytest.mark.parametrize("entry", [entry for entry in FORMATS], ids=lambda entry: entry.name)
def test_format_parameter_overrides_accept(client, entry):
    query = SELECT_LABELS if entry.kind == SOLUTIONS else CONSTRUCT_LABELS
    response = client.get(
        f"/sparql?query={quote(query)}&format={entry.name}", headers={"Accept": "image/png"}
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(entry.media_type + ";")


# --- content negotiation ----------------------------------------------------------------


def test_highest_q_value_wins(client):
    accept = "text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1"
    response = get(client, SELECT_LABELS, Accept=accept)
    assert response.headers["Content-Type"] == "application/sparql-results+xml; charset=utf-8"


def test_wildcard_accept_gives_json_for_select_and_turtle_for_construct(client):
    assert (
        get(client, SELECT_LABELS, Accept="*/*")
        .headers["Content-Type"]
        .startswith("application/sparql-results+json")
    )
    assert (
        get(client, CONSTRUCT_LABELS, Accept="*/*")
        .headers["Content-Type"]
        .startswith("text/turtle")
    )


def test_no_accept_header_gets_the_default_format(client):
    response = client.get(f"/sparql?query={quote(ASK_ANY)}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")


def test_subtype_wildcard_picks_a_type_the_client_accepts(client):
    response = get(client, CONSTRUCT_LABELS, Accept="application/*")
    assert response.headers["Content-Type"].split(";")[0].startswith("application/")


def test_zero_q_excludes_a_type(client):
    response = get(client, SELECT_LABELS, Accept="application/sparql-results+json;q=0, */*")
    assert not response.headers["Content-Type"].startswith("application/sparql-results+json")


def test_unacceptable_accept_gives_406_listing_supported_types(client):
    response = get(client, SELECT_LABELS, Accept="image/png")
    assert response.status_code == 406
    body = response.get_data(as_text=True)
    for entry in FORMATS:
        if entry.kind == SOLUTIONS:
            assert entry.media_type in body


def test_graph_format_for_select_is_406(client):
    response = get(client, SELECT_LABELS, Accept="text/turtle")
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.get_data(as_text=True)


def test_unknown_format_value_is_400_naming_the_formats(client):
    response = client.get(f"/sparql?query={quote(ASK_ANY)}&format=yaml")
    assert response.status_code == 400
    assert "yaml" in response.get_data(as_text=True)
    assert "json" in response.get_data(as_text=True)


def test_format_that_cannot_carry_the_result_is_400(client):
    response = client.get(f"/sparql?query={quote(SELECT_LABELS)}&format=turtle")
    assert response.status_code == 400


def test_repeated_format_synonyms_as_sparqlwrapper_sends_them_are_accepted(client):
    url = f"/sparql?query={quote(CONSTRUCT_LABELS)}&format=json-ld&format=application/ld%2Bjson"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")


def test_format_value_may_be_a_list_of_media_types(client):
    media_types = quote("application/x-json+ld,application/ld+json")
    url = f"/sparql?query={quote(CONSTRUCT_LABELS)}&format={media_types}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/ld+json")


def test_xml_format_means_rdf_xml_for_a_graph_result(client):
    response = client.get(f"/sparql?query={quote(CONSTRUCT_LABELS)}&format=xml")
    assert response.headers["Content-Type"].startswith("application/rdf+xml")


def test_contradictory_format_values_are_400(client):
    response = client.get(f"/sparql?query={quote(ASK_ANY)}&format=json&format=csv")
    assert response.status_code == 400
    assert "format" in response.get_data(as_text=True)


def test_responses_vary_on_accept_and_forbid_sniffing(client):
    response = get(client, ASK_ANY)
    assert "Accept" in response.headers["Vary"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- the dataset: default-graph-uri and named-graph-uri -----------------------------------


def test_default_graph_is_the_union_of_named_graphs(client, store):
    response = get(client, COUNT_TRIPLES, Accept=JSON_RESULTS)
    assert count_of(response) == sum(store.graph_counts().values())


def test_default_graph_uri_makes_that_graph_the_default(client, store):
    graph, size = sorted(store.graph_counts().items())[0]
    url = f"/sparql?query={quote(COUNT_TRIPLES)}&default-graph-uri={quote(graph)}"
    assert count_of(client.get(url, headers={"Accept": JSON_RESULTS})) == size


def test_repeated_default_graph_uri_merges_the_graphs(client, store):
    counts = store.graph_counts()
    graphs = sorted(counts)[:2]
    parameters = "".join(f"&default-graph-uri={quote(graph)}" for graph in graphs)
    response = client.get(f"/sparql?query={quote(COUNT_TRIPLES)}{parameters}")
    expected = get_distinct_triple_count(client, graphs)
    assert count_of(response) == expected


def get_distinct_triple_count(client, graphs: list[str]) -> int:  # type: ignore[no-untyped-def]
    values = " ".join(f"<{graph}>" for graph in graphs)
    query = (
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE "
        f"{{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} }}"
    )
    return count_of(get(client, query))


def test_named_graph_uri_limits_graph_patterns(client, store):
    counts = store.graph_counts()
    graph = sorted(counts)[-1]
    url = f"/sparql?query={quote(COUNT_NAMED)}&named-graph-uri={quote(graph)}"
    assert count_of(client.get(url)) == counts[graph]


def test_graph_parameters_of_a_direct_post_come_from_the_url(client, store):
    graph, size = sorted(store.graph_counts().items())[0]
    response = client.post(
        f"/sparql?default-graph-uri={quote(graph)}",
        data=COUNT_TRIPLES,
        headers={"Content-Type": DIRECT},
    )
    assert count_of(response) == size


def test_graph_parameters_of_a_form_post_come_from_the_body(client, store):
    graph, size = sorted(store.graph_counts().items())[0]
    response = client.post("/sparql", data={"query": COUNT_TRIPLES, "default-graph-uri": graph})
    assert count_of(response) == size


def test_relative_graph_uri_is_400(client):
    response = client.get(f"/sparql?query={quote(ASK_ANY)}&default-graph-uri=not-an-iri")
    assert response.status_code == 400
    assert "default-graph-uri" in response.get_data(as_text=True)


# --- errors --------------------------------------------------------------------------------


def test_syntax_error_is_400_with_line_and_column(client):
    response = get(client, SYNTAX_ERROR)
    assert response.status_code == 400
    message = response.get_data(as_text=True)
    assert re.search(r"\b3:1[0-9]\b|line 3\D+column 1[0-9]", message), message


def test_missing_query_in_a_form_post_is_400(client):
    response = client.post("/sparql", data={"default-graph-uri": "http://example.org/g"})
    assert response.status_code == 400
    assert "no query" in response.get_data(as_text=True)


def test_missing_query_for_a_results_client_is_400(client):
    response = client.get("/sparql", headers={"Accept": JSON_RESULTS})
    assert response.status_code == 400


def test_repeated_query_is_400(client):
    response = client.get(f"/sparql?query={quote(ASK_ANY)}&query={quote(ASK_ANY)}")
    assert response.status_code == 400
    assert "2 times" in response.get_data(as_text=True)


def test_query_in_url_and_direct_body_is_400(client):
    response = client.post(
        f"/sparql?query={quote(ASK_ANY)}", data=ASK_ANY, headers={"Content-Type": DIRECT}
    )
    assert response.status_code == 400


def test_empty_query_is_400(client):
    assert client.get("/sparql?query=").status_code == 400
    assert client.post("/sparql", data=b"", headers={"Content-Type": DIRECT}).status_code == 400


def test_update_sent_as_query_is_400(client, store):
    before = store.graph_counts()
    response = get(client, UPDATE)
    assert response.status_code == 400
    assert store.graph_counts() == before


def test_update_parameter_is_400_pointing_to_the_update_endpoint(client):
    response = client.post("/sparql", data={"update": UPDATE})
    assert response.status_code == 400
    assert "/sparql/update" in response.get_data(as_text=True)


def test_sparql_update_media_type_is_400(client):
    response = client.post(
        "/sparql", data=UPDATE, headers={"Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_post_of_another_media_type_is_415(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=ASK_ANY.encode(), headers=headers)
    assert response.status_code == 415
    assert DIRECT in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "content_type", [f"{DIRECT}; charset=ISO-8859-1", f"{FORM}; charset=utf-16"]
)
def test_charset_other_than_utf8_is_415(client, content_type):
    response = client.post(
        "/sparql", data=b"query=ASK%7B%7D", headers={"Content-Type": content_type}
    )
    assert response.status_code == 415
    assert "UTF-8" in response.get_data(as_text=True)


def test_invalid_utf8_is_400(client):
    assert client.get("/sparql?query=ASK%7B%FF%7D").status_code == 400
    direct = client.post("/sparql", data=b"ASK {\xff}", headers={"Content-Type": DIRECT})
    assert direct.status_code == 400
    assert "UTF-8" in direct.get_data(as_text=True)
    form = client.post("/sparql", data=b"query=ASK%7B%FF%7D", headers={"Content-Type": FORM})
    assert form.status_code == 400


@pytest.fixture(scope="module")
def small_limits_client(settings, store):
    return create_app(
        settings.with_changes(max_query_bytes=200, max_body_bytes=1000), store
    ).test_client()


def test_query_over_the_size_limit_is_413(small_limits_client):
    query = "ASK { " + "?s ?p ?o . " * 30 + "}"
    assert small_limits_client.get(f"/sparql?query={quote(query)}").status_code == 413
    form = small_limits_client.post("/sparql", data={"query": query})
    assert form.status_code == 413
    direct = small_limits_client.post("/sparql", data=query, headers={"Content-Type": DIRECT})
    assert direct.status_code == 413
    assert "FTZKG_MAX_QUERY_BYTES" in direct.get_data(as_text=True)


def test_query_at_the_size_limit_runs(small_limits_client):
    query = "ASK { ?s ?p ?o }"
    query = query + " " * (200 - len(query))
    response = small_limits_client.post("/sparql", data=query, headers={"Content-Type": DIRECT})
    assert response.status_code == 200


def test_body_over_the_body_limit_is_413(small_limits_client):
    body = "query=" + quote("ASK {}") + "&pad=" + "x" * 2000
    response = small_limits_client.post("/sparql", data=body, headers={"Content-Type": FORM})
    assert response.status_code == 413


def test_method_other_than_get_or_post_is_405_with_allow(client):
    response = client.put("/sparql", data=ASK_ANY)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_unknown_path_is_404_in_plain_text(client):
    response = client.get("/no-such-thing")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_error_is_json_when_the_client_prefers_json(client):
    response = client.get("/sparql?query=", headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "the query is empty"


def test_unexpected_exception_is_a_bare_500(settings, store):
    app = create_app(settings, store)

    def broken() -> str:
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/broken", view_func=broken)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


BAD_REQUESTS = [
    ("GET", "/sparql?query=SELECT", {}, None),
    ("GET", "/sparql?query=%00%01", {}, None),
    ("GET", "/sparql?query=" + quote("SELECT * WHERE { " * 200), {}, None),
    ("GET", "/sparql?query=" + quote(ASK_ANY) + "&named-graph-uri=%FF", {}, None),
    ("GET", "/sparql?query=" + quote(ASK_ANY), {"Accept": ";;;q=x,/"}, None),
    ("GET", "/sparql?query=" + quote(ASK_ANY) + "&format=", {}, None),
    (
        "GET",
        "/sparql?query=" + quote("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"),
        {},
        None,
    ),
    ("GET", "/sparql?query=" + quote("DESCRIBE <not an iri>"), {}, None),
    ("POST", "/sparql", {"Content-Type": FORM}, b"query=%"),
    ("POST", "/sparql", {"Content-Type": FORM}, b"&&&==&"),
    ("POST", "/sparql", {"Content-Type": "multipart/form-data; boundary=x"}, b"--x--"),
    ("POST", "/sparql", {"Content-Type": DIRECT + "; charset="}, b"ASK {}"),
    ("POST", "/sparql", {"Content-Type": DIRECT}, b'ASK { FILTER("\\ud800") }'),
    ("DELETE", "/sparql", {}, None),
    ("GET", "/health?x=%FF", {}, None),
]


@pytest.mark.parametrize("method, url, headers, body", BAD_REQUESTS)
def test_no_bad_input_gives_a_500_or_a_traceback(client, method, url, headers, body):
    response = client.open(url, method=method, headers=headers, data=body)
    assert response.status_code < 500, response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.get_data(as_text=True).strip(), "an error carries a message"


# --- limits --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def three_rows_client(settings):
    limited = settings.with_changes(max_rows=3)
    opened = open_store(limited)
    yield create_app(limited, opened).test_client()
    opened.close()


def test_row_limit_cut_is_announced_in_a_header(three_rows_client):
    response = get(three_rows_client, "SELECT * WHERE { ?s ?p ?o }", Accept=JSON_RESULTS)
    assert response.status_code == 200
    assert response.headers["X-SPARQL-MaxRows"] == "3"
    assert len(response.get_json()["results"]["bindings"]) == 3
    assert "X-SPARQL-MaxRows" in response.headers["Access-Control-Expose-Headers"]


def test_result_within_the_row_limit_has_no_truncation_header(three_rows_client):
    response = get(three_rows_client, "SELECT * WHERE { ?s ?p ?o } LIMIT 2", Accept="text/csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 3  # header and two rows
    assert "X-SPARQL-MaxRows" not in response.headers


# --- HEAD, OPTIONS and CORS ----------------------------------------------------------------


def test_head_has_the_headers_of_get_and_no_body(client):
    response = client.head(f"/sparql?query={quote(ASK_ANY)}", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data == b""


def test_head_announces_the_length_get_sends(client):
    url = f"/sparql?query={quote(SELECT_LABELS)}"
    head = client.head(url, headers={"Accept": "text/csv"})
    body = client.get(url, headers={"Accept": "text/csv"}).data
    assert int(head.headers["Content-Length"]) == len(body)


def test_head_of_a_bad_query_has_its_error_status(client):
    assert client.head("/sparql?query=SELECT").status_code == 400


def test_cors_preflight_allows_get_and_post(client):
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    methods = response.headers["Access-Control-Allow-Methods"]
    assert "GET" in methods and "POST" in methods
    assert "Content-Type" in response.headers["Access-Control-Allow-Headers"]
    assert "POST" in response.headers["Allow"]


def test_cors_header_on_answers_and_errors(client):
    assert get(client, ASK_ANY).headers["Access-Control-Allow-Origin"] == "*"
    assert client.get("/sparql?query=SELECT").headers["Access-Control-Allow-Origin"] == "*"


def test_cors_can_be_turned_off(settings, store):
    closed = create_app(settings.with_changes(cors=False), store).test_client()
    response = closed.options("/sparql", headers={"Origin": "https://example.org"})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Origin" not in get(closed, ASK_ANY).headers


# --- the endpoint describes itself ---------------------------------------------------------

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


def service_description(client, accept: str = "text/turtle") -> rdflib.Graph:  # type: ignore[no-untyped-def]
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == f"{accept}; charset=utf-8"
    return rdflib.Graph().parse(data=response.data, format=accept)


def test_service_description_names_the_endpoint_and_sparql11_query(client):
    description = service_description(client)
    endpoint = rdflib.URIRef("http://localhost/sparql")
    assert (endpoint, rdflib.RDF.type, SD.Service) in description
    assert (endpoint, SD.endpoint, endpoint) in description
    assert (endpoint, SD.supportedLanguage, SD.SPARQL11Query) in description


def test_service_description_lists_the_named_graphs_of_the_store(client, store):
    description = service_description(client)
    names = {str(name) for name in description.objects(None, SD.name)}
    assert names == set(store.named_graphs())
    assert names, "the dataset has named graphs"


def test_service_description_carries_the_dataset_version(client, store):
    description = service_description(client)
    (dataset,) = description.objects(None, SD.defaultDataset)
    assert description.value(dataset, rdflib.OWL.versionInfo) == rdflib.Literal(str(store.version))
    assert client.get("/health").get_json()["dataset_version"] == store.version


def test_service_description_lists_every_result_format(client):
    description = service_description(client, "application/rdf+xml")
    formats = set(description.objects(None, SD.resultFormat))
    assert len(formats) == len(FORMATS)
    assert rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats


def test_service_description_by_format_parameter(client):
    response = client.get("/sparql?format=ntriples")
    assert response.headers["Content-Type"] == "application/n-triples; charset=utf-8"
    rdflib.Graph().parse(data=response.data, format="nt")


def test_service_description_is_turtle_for_any_accept(client):
    response = client.get("/sparql", headers={"Accept": "*/*"})
    assert response.headers["Content-Type"].startswith("text/turtle")


def test_browser_without_a_query_gets_html(client):
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")


# --- operations ----------------------------------------------------------------------------


def test_health_reports_each_graph_with_its_triple_count(client, settings, reference):
    response = client.get("/health")
    assert response.status_code == 200
    health = response.get_json()
    assert health["status"] == "ok"
    expected = {
        source.iri(settings.base_iri): len(
            {
                (q.subject, q.predicate, q.object)
                for q in read_graph_quads(source, settings.base_iri)
            }
        )
        for source in dataset_sources(settings.data_dir)
    }
    assert health["graphs"] == expected
    assert health["triples"] == sum(expected.values())
    assert isinstance(health["dataset_version"], int)


def test_relative_iris_in_a_query_resolve_against_the_dataset_base(client, settings):
    query = (
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "ASK { <id/area/harbin> rdfs:label ?l }"
    )
    response = get(client, query, Accept=JSON_RESULTS)
    assert response.status_code == 200
    assert settings.base_iri == "https://w3id.org/ftzkg/"
    assert response.get_json()["boolean"] is True


def test_an_unsupported_extension_function_is_a_400_naming_it(client):
    response = get(client, "SELECT (<http://example.org/f>(1) AS ?x) {}", Accept=JSON_RESULTS)
    assert response.status_code == 400
    assert "http://example.org/f" in response.get_data(as_text=True)
