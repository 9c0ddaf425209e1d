"""The W3C SPARQL 1.1 Update and Graph Store Protocol tests, through the real write endpoints.

Update evaluation tests: the store is emptied (``DROP ALL``), the test's graphs are put with
Graph Store PUTs, the ``.ru`` request is POSTed to ``/sparql/update`` with the operator's
token, and every expected graph is read back with a Graph Store GET and compared for
isomorphism (plus: no unexpected non-empty named graph). Syntax tests: a positive update must
not be refused as a syntax error, a negative one must be 400. Graph Store Protocol tests
(indirect identification) replay the manifest's requests in order against
``/rdf-graphs/service`` and check statuses, Location and bodies. The app runs with the real
default graph (``default_graph_as_union=False``), as the suites expect.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from ftzkg.web import create_app
from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.collection import Collection

from .endpoint import read_quads
from .manifests import CNT, HT, MF, UT, W3C_DIR, file_iri, path_of
from .results import GraphResult, graphs_equivalent

pytestmark = pytest.mark.conformance

TOKEN = "w3c-update-suite-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE_MANIFEST = W3C_DIR / "sparql11" / "manifest-sparql11-update.ttl"
GSP_MANIFEST = W3C_DIR / "sparql11" / "graph-store-protocol" / "manifest-indirect.ttl"
GSP_PATH = "/rdf-graphs/service"
EVALUATION = "evaluation"
POSITIVE = "positive-syntax"
NEGATIVE = "negative-syntax"
KINDS = {
    MF.UpdateEvaluationTest: EVALUATION,
    MF.PositiveUpdateSyntaxTest11: POSITIVE,
    MF.NegativeUpdateSyntaxTest11: NEGATIVE,
}
REFUSED_BY_POLICY = {
    "update-silent/load-silent": "LOAD SILENT of a URL outside the allowlist is refused (400) "
    "before anything runs, by design: the server fetches nothing it was not allowed to",
    "update-silent/load-into-silent": "as load-silent",
}
STATUS_CLASSES = {"OK": 2, "Created": 2, "NoContent": 2, "NotFound": 4, "BadRequest": 4}


def graph_state(manifest: Graph, node) -> tuple[Path | None, tuple[tuple[str, Path], ...]]:  # type: ignore[no-untyped-def]
    """(default graph file, ((graph IRI, file)…)) of an action or result node."""
    default = manifest.value(node, UT.data)
    named = tuple(
        sorted(
            (str(manifest.value(entry, RDFS.label)), path_of(manifest.value(entry, UT.graph)))
            for entry in manifest.objects(node, UT.graphData)
        )
    )
    return (path_of(default) if default is not None else None), named


def update_tests() -> list:
    params = []
    top = Graph().parse(UPDATE_MANIFEST, format="turtle", publicID=file_iri(UPDATE_MANIFEST))
    for include_list in top.objects(URIRef(file_iri(UPDATE_MANIFEST)), MF.include):
        for included in Collection(top, include_list):
            path = path_of(included)
            manifest = Graph().parse(path, format="turtle", publicID=file_iri(path))
            for entries in manifest.objects(URIRef(file_iri(path)), MF.entries):
                for entry in Collection(manifest, entries):
                    kind = next(
                        (KINDS[t] for t in manifest.objects(entry, RDF.type) if t in KINDS), None
                    )
                    if kind is None:
                        continue
                    test_id = f"{path.parent.name}/{str(entry).rsplit('#', 1)[-1]}"
                    marks = []
                    if test_id in REFUSED_BY_POLICY:
                        marks.append(
                            pytest.mark.xfail(reason=REFUSED_BY_POLICY[test_id], strict=True)
                        )
                    params.append(pytest.param(manifest, entry, kind, id=test_id, marks=marks))
    return params


@pytest.fixture(scope="module")
def client(settings):
    app = create_app(
        settings.with_changes(default_graph_as_union=False, write_token=TOKEN, query_timeout=10.0)
    )
    return app.test_client()


def put_graph(client, graph: str | None, path: Path) -> None:  # type: ignore[no-untyped-def]
    quads = read_quads(path, ox.DefaultGraph())
    body = (
        ox.serialize(
            [ox.Triple(q.subject, q.predicate, q.object) for q in quads],
            format=ox.RdfFormat.N_TRIPLES,
        )
        or b""
    )
    query = {"graph": graph} if graph else {"default": ""}
    response = client.put(
        GSP_PATH,
        query_string=query,
        data=body,
        headers={**AUTH, "Content-Type": "application/n-triples"},
    )
    assert response.status_code in {200, 201, 204}, response.text


def read_graph(client, graph: str | None) -> set[ox.Triple]:  # type: ignore[no-untyped-def]
    query = {"graph": graph} if graph else {"default": ""}
    response = client.get(GSP_PATH, query_string=query, headers={"Accept": "application/n-triples"})
    if response.status_code == 404:
        return set()
    assert response.status_code == 200, response.text
    return set(as_triples(ox.parse(response.data, format=ox.RdfFormat.N_TRIPLES)))


def as_triples(quads) -> list[ox.Triple]:  # type: ignore[no-untyped-def]
    return [ox.Triple(quad.subject, quad.predicate, quad.object) for quad in quads]


def non_empty_named_graphs(client) -> set[str]:  # type: ignore[no-untyped-def]
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200, response.text
    return {row["g"]["value"] for row in response.get_json()["results"]["bindings"]}


def send_update(client, text: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/sparql/update",
        data=text.encode("utf-8"),
        headers={**AUTH, "Content-Type": "application/sparql-update"},
    )


def as_graph_result(triples: set[ox.Triple]) -> GraphResult:
    return GraphResult(list(triples))


@pytest.mark.parametrize(("manifest", "entry", "kind"), update_tests())
def test_w3c_update(client, manifest, entry, kind):
    if kind != EVALUATION:
        text = path_of(manifest.value(entry, MF.action)).read_text(encoding="utf-8")
        response = send_update(client, "DROP ALL")
        response = send_update(client, text)
        if kind == NEGATIVE:
            assert response.status_code == 400, response.text
        else:
            assert response.status_code != 400 or "does not parse" not in response.text, (
                response.text
            )
        return
    action, result = manifest.value(entry, MF.action), manifest.value(entry, MF.result)
    assert send_update(client, "DROP ALL").status_code == 200
    default, named = graph_state(manifest, action)
    if default is not None:
        put_graph(client, None, default)
    for iri, path in named:
        put_graph(client, iri, path)
    request_path = path_of(manifest.value(action, UT.request))
    response = send_update(client, request_path.read_text(encoding="utf-8"))
    assert response.status_code == 200, response.text
    expected_default, expected_named = graph_state(manifest, result)
    expected = set()
    if expected_default is not None:
        expected = {
            ox.Triple(q.subject, q.predicate, q.object)
            for q in read_quads(expected_default, ox.DefaultGraph())
        }
    assert graphs_equivalent(as_graph_result(expected), as_graph_result(read_graph(client, None)))
    for iri, path in expected_named:
        wanted = {
            ox.Triple(q.subject, q.predicate, q.object) for q in read_quads(path, ox.DefaultGraph())
        }
        assert graphs_equivalent(
            as_graph_result(wanted), as_graph_result(read_graph(client, iri))
        ), iri
    expected_graphs = {
        iri
        for iri, path in expected_named
        if path.stat().st_size and read_quads(path, ox.DefaultGraph())
    }
    assert non_empty_named_graphs(client) == expected_graphs


# --- the Graph Store HTTP Protocol ------------------------------------------------------------


def gsp_tests() -> list:
    manifest = Graph().parse(GSP_MANIFEST, format="turtle", publicID=file_iri(GSP_MANIFEST))
    params = []
    for entries in manifest.objects(URIRef(file_iri(GSP_MANIFEST)), MF.entries):
        for entry in Collection(manifest, entries):
            params.append(pytest.param(manifest, entry, id=str(entry).rsplit("#", 1)[-1]))
    return params


@pytest.fixture(scope="module")
def gsp_client(settings):
    app = create_app(settings.with_changes(default_graph_as_union=False, write_token=TOKEN))
    return app.test_client()


@pytest.mark.parametrize(("manifest", "entry"), gsp_tests())
def test_w3c_graph_store_protocol(gsp_client, manifest, entry):
    """The manifest's requests in order, on an empty store."""
    assert send_update(gsp_client, "DROP ALL").status_code == 200
    location = None
    connection = manifest.value(entry, MF.action)
    for request in Collection(manifest, manifest.value(connection, HT.requests)):
        method = str(manifest.value(request, HT.methodName))
        path = str(manifest.value(request, HT.absolutePath))
        headers = {}
        header_list = manifest.value(request, HT.headers)
        if header_list is not None:
            for header in Collection(manifest, header_list):
                headers[str(manifest.value(header, HT.fieldName))] = str(
                    manifest.value(header, HT.fieldValue)
                )
        body = manifest.value(request, HT.body)
        data = str(manifest.value(body, CNT.chars)).encode() if body is not None else None
        if location is not None:
            path = path.replace("$LOCATION$", location)
        path = GSP_PATH + path.removeprefix("/gsp")
        if method not in {"GET", "HEAD"}:
            headers.update(AUTH)
        response = gsp_client.open(path, method=method, headers=headers, data=data)
        expected = manifest.value(request, HT.resp)
        classes = {
            STATUS_CLASSES.get(str(status).rsplit("#", 1)[-1], 0)
            for status in manifest.objects(expected, MF.expectedStatus)
        }
        assert response.status_code // 100 in classes, (method, path, response.text)
        if manifest.value(expected, MF.expectedLocation) is not None:
            location = response.headers["Location"]
        expected_body = manifest.value(expected, HT.body)
        if expected_body is not None and method == "GET":
            wanted = as_triples(
                ox.parse(
                    str(manifest.value(expected_body, CNT.chars)).encode(),
                    format=ox.RdfFormat.TURTLE,
                )
            )
            got = as_triples(ox.parse(response.data, format=ox.RdfFormat.TURTLE))
            assert graphs_equivalent(GraphResult(wanted), GraphResult(got))


NOT_APPLICABLE_GSP_MANIFESTS = {
    W3C_DIR / "sparql11" / "http-rdf-update" / "manifest.ttl": (
        "deprecated by the W3C in favour of graph-store-protocol/ (run above), and written "
        "for direct identification (PUT $GRAPHSTORE$/person/1.ttl): this server names graphs "
        "indirectly, /rdf-graphs/service?graph=IRI, which the protocol allows instead"
    ),
    W3C_DIR / "sparql11" / "graph-store-protocol" / "manifest-direct.ttl": (
        "direct identification (the graph IRI is the request URL): this server names graphs "
        "indirectly, /rdf-graphs/service?graph=IRI, which the protocol allows instead"
    ),
}


def not_applicable_gsp_tests() -> list:
    params = []
    for path, reason in NOT_APPLICABLE_GSP_MANIFESTS.items():
        manifest = Graph().parse(path, format="turtle", publicID=file_iri(path))
        for entries in manifest.objects(URIRef(file_iri(path)), MF.entries):
            for entry in Collection(manifest, entries):
                name = f"{path.parent.name}/{str(entry).rsplit('#', 1)[-1]}"
                params.append(pytest.param(reason, id=name))
    return params


@pytest.mark.parametrize("reason", not_applicable_gsp_tests())
def test_w3c_graph_store_protocol_not_applicable(reason):
    pytest.skip(reason)
