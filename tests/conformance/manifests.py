"""Reading the W3C test manifests into plain test descriptions.

The manifests are RDF (Turtle), so rdflib reads them; everything else in the harness works on
the ``W3CTest`` values built here and never looks at the manifest graphs again. File IRIs are
``file://`` IRIs of the copies under ``../shared/w3c``: the suites write data graph names,
``FROM`` targets and expected IRIs relative to the files, and resolving them all against the
same base keeps them consistent.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")


def find_w3c_dir() -> Path:
    """The shared copy of the W3C suites: ``FTZKG_W3C_DIR`` or ``../shared/w3c`` from the repo."""
    configured = os.environ.get("FTZKG_W3C_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "shared" / "w3c"


W3C_DIR = find_w3c_dir()

# The manifests that make up the query-side suites /sparql answers for (mf:include is
# followed from these). The suites not run here are in SKIPPED_MANIFESTS with the reason.
QUERY_MANIFESTS: tuple[str, ...] = (
    "sparql10/manifest-evaluation.ttl",
    "sparql10/manifest-syntax.ttl",
    "sparql11/manifest-sparql11-query.ttl",
    "sparql11/manifest-sparql11-results.ttl",
    "sparql11/protocol/manifest.ttl",
    "sparql11/service-description/manifest.ttl",
)

SKIPPED_MANIFESTS: dict[str, str] = {
    "sparql11/manifest-sparql11-update.ttl": "SPARQL Update: /sparql is the query endpoint and "
    "refuses updates with 400 by design (the update suite runs against /sparql/update in "
    "test_w3c_update.py)",
    "sparql11/entailment": "entailment regimes: the endpoint evaluates under simple "
    "entailment only",
    "sparql11/manifest-sparql11-fed.ttl": "SERVICE is disabled by design (pyoxigraph would "
    "call out over HTTP); federation does not apply",
    "sparql11/graph-store-protocol": "the Graph Store HTTP Protocol is not the query endpoint's "
    "(its indirect-identification tests run against /rdf-graphs/service in test_w3c_update.py)",
    "sparql11/http-rdf-update": "the Graph Store HTTP Protocol is not the query endpoint's "
    "(test_w3c_update.py lists these deprecated direct-identification tests as skipped)",
}

EVALUATION = "evaluation"
CSV_RESULTS = "csv-results"
POSITIVE_SYNTAX = "positive-syntax"
NEGATIVE_SYNTAX = "negative-syntax"
PROTOCOL = "protocol"
SERVICE_DESCRIPTION = "service-description"

TEST_KINDS: dict[URIRef, str] = {
    MF.QueryEvaluationTest: EVALUATION,
    MF.CSVResultFormatTest: CSV_RESULTS,
    MF.PositiveSyntaxTest: POSITIVE_SYNTAX,
    MF.PositiveSyntaxTest11: POSITIVE_SYNTAX,
    MF.NegativeSyntaxTest: NEGATIVE_SYNTAX,
    MF.NegativeSyntaxTest11: NEGATIVE_SYNTAX,
    MF.ProtocolTest: PROTOCOL,
    MF.ServiceDescriptionTest: SERVICE_DESCRIPTION,
}

UPDATE_KINDS = {
    MF.UpdateEvaluationTest,
    MF.PositiveUpdateSyntaxTest11,
    MF.NegativeUpdateSyntaxTest11,
}


@dataclass(frozen=True)
class HttpRequestSpec:
    """One request of a protocol test, with what its response must show."""

    method: str
    path: str  # path and query string, with the manifest's /sparql/ prefix kept
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    expected_statuses: tuple[int, ...]  # status classes: 2, 3, 4…
    expected_boolean: bool | None
    expected_format: str | None  # "boolean", "tabular" or "RDF"


@dataclass(frozen=True)
class W3CTest:
    """One entry of a manifest, reduced to what running it needs."""

    iri: str
    name: str
    kind: str
    folder: str  # e.g. "sparql11/aggregates": the unit the summary counts by
    query_file: Path | None = None
    data_files: tuple[Path, ...] = ()
    graph_data: tuple[tuple[str, Path], ...] = ()  # (graph IRI, file)
    result_file: Path | None = None
    lax_cardinality: bool = False
    requests: tuple[HttpRequestSpec, ...] = ()
    skip_reason: str | None = None
    requires: tuple[str, ...] = field(default_factory=tuple)

    @property
    def short_id(self) -> str:
        """``folder/fragment``: unique, readable, and stable for the expected-failure list."""
        fragment = self.iri.rsplit("#", 1)[-1] if "#" in self.iri else self.name
        return f"{self.folder}/{fragment}"


def file_iri(path: Path) -> str:
    return path.resolve().as_uri()


def path_of(iri: URIRef | str) -> Path:
    parsed = urlparse(str(iri))
    if parsed.scheme != "file":
        raise ValueError(f"not a local file IRI: {iri}")
    return Path(unquote(parsed.path))


def load_tests() -> list[W3CTest]:
    """Every test of the query-side manifests, in manifest order."""
    tests: list[W3CTest] = []
    seen: set[str] = set()
    for manifest in QUERY_MANIFESTS:
        for test in _read_manifest(W3C_DIR / manifest):
            if test.iri not in seen:
                seen.add(test.iri)
                tests.append(test)
    return tests


def _read_manifest(path: Path) -> Iterator[W3CTest]:
    graph = Graph()
    graph.parse(path, format="turtle", publicID=file_iri(path))
    manifest = URIRef(file_iri(path))
    for include_list in graph.objects(manifest, MF.include):
        for included in Collection(graph, include_list):
            yield from _read_manifest(path_of(included))
    folder = str(path.parent.relative_to(W3C_DIR))
    for entries in graph.objects(manifest, MF.entries):
        for entry in Collection(graph, entries):
            test = _read_entry(graph, entry, folder)
            if test is not None:
                yield test


def _read_entry(graph: Graph, entry: URIRef | BNode, folder: str) -> W3CTest | None:
    types = set(graph.objects(entry, RDF.type))
    name = str(graph.value(entry, MF.name) or entry)
    iri = str(entry) if isinstance(entry, URIRef) else f"{folder}#{name}"
    if types & UPDATE_KINDS:
        return W3CTest(iri, name, "update", folder, skip_reason=SKIPPED_MANIFESTS[_UPDATE_KEY])
    kind = next((TEST_KINDS[kind] for kind in types if kind in TEST_KINDS), None)
    if kind is None:
        raise ValueError(f"{iri}: unknown test type {sorted(types)}")
    requires = tuple(sorted(str(value) for value in graph.objects(entry, MF.requires)))
    action = graph.value(entry, MF.action)
    if kind in (POSITIVE_SYNTAX, NEGATIVE_SYNTAX):
        return W3CTest(iri, name, kind, folder, query_file=path_of(action))
    if kind == PROTOCOL:
        return _read_protocol_test(graph, entry, iri, name, folder)
    if kind == SERVICE_DESCRIPTION:
        return W3CTest(iri, name, kind, folder)
    result = graph.value(entry, MF.result)
    cardinality = graph.value(entry, MF.resultCardinality)
    return W3CTest(
        iri,
        name,
        kind,
        folder,
        query_file=path_of(graph.value(action, QT.query)),
        data_files=tuple(sorted(path_of(data) for data in graph.objects(action, QT.data))),
        graph_data=tuple(
            sorted((str(data), path_of(data)) for data in graph.objects(action, QT.graphData))
        ),
        result_file=path_of(result) if result is not None else None,
        lax_cardinality=cardinality == MF.LaxCardinality,
        requires=requires,
    )


_UPDATE_KEY = "sparql11/manifest-sparql11-update.ttl"


def _read_protocol_test(
    graph: Graph, entry: URIRef | BNode, iri: str, name: str, folder: str
) -> W3CTest:
    graph_data = []
    for described in graph.objects(entry, UT.graphData):
        graph_data.append(
            (str(graph.value(described, RDFS.label)), path_of(graph.value(described, UT.graph)))
        )
    requests = []
    connection = graph.value(entry, MF.action)
    for request in Collection(graph, graph.value(connection, HT.requests)):
        headers = []
        header_list = graph.value(request, HT.headers)
        if header_list is not None:
            for header in Collection(graph, header_list):
                headers.append(
                    (
                        str(graph.value(header, HT.fieldName)),
                        str(graph.value(header, HT.fieldValue)),
                    )
                )
        body = None
        content = graph.value(request, HT.body)
        if content is not None:
            encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
            body = str(graph.value(content, CNT.chars)).encode(encoding)
        response = graph.value(request, HT.resp)
        statuses = tuple(
            sorted(
                int(str(status).rsplit("StatusCode", 1)[1][0])
                for status in graph.objects(response, MF.expectedStatus)
            )
        )
        boolean = graph.value(response, MF.expectedBoolean)
        expected_format = graph.value(response, MF.expectedFormat)
        requests.append(
            HttpRequestSpec(
                method=str(graph.value(request, HT.methodName)),
                path=str(graph.value(request, HT.absolutePath)),
                headers=tuple(headers),
                body=body,
                expected_statuses=statuses,
                expected_boolean=boolean.toPython() if isinstance(boolean, Literal) else None,
                expected_format=str(expected_format) if expected_format is not None else None,
            )
        )
    is_update = any(
        "update" in spec.path
        or any("sparql-update" in value for _, value in spec.headers)
        or (spec.body is not None and spec.body.startswith(b"update="))
        for spec in requests
    )
    skip_reason = SKIPPED_MANIFESTS[_UPDATE_KEY] if is_update or "update" in iri else None
    return W3CTest(
        iri,
        name,
        PROTOCOL,
        folder,
        graph_data=tuple(graph_data),
        requests=tuple(requests),
        skip_reason=skip_reason,
    )
