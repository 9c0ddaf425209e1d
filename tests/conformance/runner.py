"""Running one W3C test against the endpoint: load its data, send its requests, judge the answer.

Each kind of test has one function here; each raises ``ConformanceFailure`` with a readable
account of the difference, or returns when the endpoint conforms. The endpoint is reached only
over HTTP (``endpoint.W3CEndpoint``); nothing here calls the store or pyoxigraph's query engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import pyoxigraph as ox

from .endpoint import HttpAnswer, W3CEndpoint
from .manifests import (
    CSV_RESULTS,
    EVALUATION,
    NEGATIVE_SYNTAX,
    POSITIVE_SYNTAX,
    PROTOCOL,
    SERVICE_DESCRIPTION,
    HttpRequestSpec,
    W3CTest,
    file_iri,
    path_of,
)
from .query_order import order_groups, order_keys
from .results import (
    Boolean,
    GraphResult,
    QueryResult,
    Solutions,
    describe,
    graphs_equivalent,
    load_expected,
    parse_csv,
    parse_graph,
    parse_results,
    solutions_equivalent,
)


class ConformanceFailure(AssertionError):
    """The endpoint's answer differs from what the suite expects."""


# What to ask for, by the expected file's extension: the same format, so the endpoint's
# serialiser is tested too. Result sets written as RDF are asked for as SPARQL XML.
ACCEPT_FOR_EXPECTED = {
    ".srx": "application/sparql-results+xml",
    ".srj": "application/sparql-results+json",
    ".tsv": "text/tab-separated-values",
    ".csv": "text/csv",
}
GRAPH_ACCEPT = "text/turtle"
RESULT_SET_ACCEPT = "application/sparql-results+xml"

RESULT_PARSERS: dict[str, Callable[[bytes], QueryResult]] = {
    "application/sparql-results+xml": lambda body: parse_results(body, ox.QueryResultsFormat.XML),
    "application/sparql-results+json": lambda body: parse_results(body, ox.QueryResultsFormat.JSON),
    "text/tab-separated-values": lambda body: parse_results(body, ox.QueryResultsFormat.TSV),
    "text/csv": parse_csv,
    "text/turtle": lambda body: parse_graph(body, ox.RdfFormat.TURTLE),
    "application/n-triples": lambda body: parse_graph(body, ox.RdfFormat.N_TRIPLES),
    "application/rdf+xml": lambda body: parse_graph(body, ox.RdfFormat.RDF_XML),
}

DATASET_CLAUSE = re.compile(r"\bFROM\s+(NAMED\s+)?<([^>]*)>", re.IGNORECASE)


def run_test(test: W3CTest, endpoint: W3CEndpoint) -> None:
    """Run ``test`` through ``endpoint``; raise ``ConformanceFailure`` when it does not pass."""
    RUNNERS[test.kind](test, endpoint)


def query_with_base(test: W3CTest) -> str:
    """The query text, with its retrieval IRI made explicit as ``BASE``.

    The suites write relative IRIs (``FROM <data-g1.ttl>``, ``<#x>``) meant to resolve against
    the query file's location; over the protocol a query has no location, so the harness states
    it. A ``BASE`` inside the query still applies after it, resolved against this one, exactly as
    the retrieval IRI would be.
    """
    assert test.query_file is not None
    text = test.query_file.read_text(encoding="utf-8")
    return f"BASE <{file_iri(test.query_file)}>\n{text}"


def graphs_named_by_query(test: W3CTest) -> dict[str, Path]:
    """Local files that ``FROM`` / ``FROM NAMED`` point at, to load as named graphs."""
    assert test.query_file is not None
    base = file_iri(test.query_file)
    found = {}
    for match in DATASET_CLAUSE.finditer(test.query_file.read_text(encoding="utf-8")):
        iri = urljoin(base, match.group(2))
        if iri.startswith("file:") and path_of(iri).is_file():
            found[iri] = path_of(iri)
    return found


def run_evaluation(test: W3CTest, endpoint: W3CEndpoint) -> None:
    assert test.result_file is not None
    named = dict(test.graph_data)
    named.update(graphs_named_by_query(test))
    endpoint.load(test.data_files, named)
    expected, rs_index = load_expected(test.result_file)
    if test.result_file.suffix in ACCEPT_FOR_EXPECTED:
        accept = ACCEPT_FOR_EXPECTED[test.result_file.suffix]
    elif isinstance(expected, GraphResult):
        accept = GRAPH_ACCEPT
    else:
        accept = RESULT_SET_ACCEPT
    query = query_with_base(test)
    answer = endpoint.post_query(query, accept)
    if answer.status != 200:
        raise ConformanceFailure(f"HTTP {answer.status}: {answer.text[:500]}")
    actual = parse_answer(answer)
    compare(test, expected, actual, rs_index)


def parse_answer(answer: HttpAnswer) -> QueryResult:
    parser = RESULT_PARSERS.get(answer.media_type)
    if parser is None:
        raise ConformanceFailure(f"unexpected Content-Type {answer.content_type!r}")
    try:
        return parser(answer.body)
    except (SyntaxError, ValueError) as error:
        raise ConformanceFailure(
            f"the answer does not parse as {answer.media_type}: {error}"
        ) from error


def compare(
    test: W3CTest, expected: QueryResult, actual: QueryResult, rs_index: list[int] | None
) -> None:
    if isinstance(expected, Boolean) and isinstance(actual, Boolean):
        equal = expected.value == actual.value
    elif isinstance(expected, GraphResult) and isinstance(actual, GraphResult):
        equal = graphs_equivalent(expected, actual)
    elif isinstance(expected, Solutions) and isinstance(actual, Solutions):
        keys = order_keys(query_with_base(test))
        if rs_index is not None and keys is None:
            keys = ()  # the expected file fixes an order although the query has none
        groups = None if keys is None else order_groups(expected.rows, keys)
        equal = solutions_equivalent(expected, actual, groups, lax_cardinality=test.lax_cardinality)
    else:
        equal = False
    if not equal:
        raise ConformanceFailure(
            f"results differ\n--- expected: {describe(expected)}\n--- actual: {describe(actual)}"
        )


def run_syntax(test: W3CTest, endpoint: W3CEndpoint) -> None:
    endpoint.load((), {})
    answer = endpoint.get_query(query_with_base(test), "application/sparql-results+xml, */*")
    if test.kind == POSITIVE_SYNTAX and answer.status != 200:
        raise ConformanceFailure(f"valid query refused: HTTP {answer.status}: {answer.text[:300]}")
    if test.kind == NEGATIVE_SYNTAX and answer.status != 400:
        raise ConformanceFailure(f"invalid query answered HTTP {answer.status}, not 400")


# The result media types each kind of answer may come in, per the protocol tests' prose.
PROTOCOL_FORMATS = {
    "boolean": {"application/sparql-results+xml", "application/sparql-results+json"},
    "tabular": {
        "application/sparql-results+xml",
        "application/sparql-results+json",
        "text/csv",
        "text/tab-separated-values",
    },
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}


def run_protocol(test: W3CTest, endpoint: W3CEndpoint) -> None:
    endpoint.load((), dict(test.graph_data))
    for number, spec in enumerate(test.requests, 1):
        answer = endpoint.send(
            spec.method, _endpoint_path(spec.path), dict(spec.headers), spec.body
        )
        where = f"request {number} ({spec.method} {spec.path[:80]})"
        if answer.status // 100 not in spec.expected_statuses:
            raise ConformanceFailure(
                f"{where}: HTTP {answer.status}, expected "
                f"{' or '.join(f'{status}xx' for status in spec.expected_statuses)}: "
                f"{answer.text[:300]}"
            )
        _check_protocol_body(spec, answer, where)


def _endpoint_path(manifest_path: str) -> str:
    """The manifest's ``/sparql/`` prefix stands for the endpoint under test: ``/sparql``."""
    return "/sparql" + manifest_path.removeprefix("/sparql/")


def _check_protocol_body(spec: HttpRequestSpec, answer: HttpAnswer, where: str) -> None:
    if spec.expected_format is not None:
        allowed = PROTOCOL_FORMATS[spec.expected_format]
        if answer.media_type not in allowed:
            raise ConformanceFailure(
                f"{where}: Content-Type {answer.content_type!r}, expected one of {sorted(allowed)}"
            )
        parse_answer(answer)
    if spec.expected_boolean is not None:
        actual = parse_answer(answer)
        if not isinstance(actual, Boolean) or actual.value != spec.expected_boolean:
            raise ConformanceFailure(
                f"{where}: expected boolean {spec.expected_boolean}, got {describe(actual)}"
            )


SD = "http://www.w3.org/ns/sparql-service-description#"
IRI_VALUED = {SD + "endpoint", SD + "resultFormat", SD + "feature", SD + "inputFormat"}
SD_LANGUAGES = {SD + "SPARQL10Query", SD + "SPARQL11Query", SD + "SPARQL11Update"}


def run_service_description(test: W3CTest, endpoint: W3CEndpoint) -> None:
    """The three prose tests: GET returns RDF; it has a matching sd:endpoint; it fits sd:."""
    endpoint.load((), {})
    answer = endpoint.send("GET", "/sparql", {"Accept": "text/turtle"}, None)
    if answer.status != 200:
        raise ConformanceFailure(f"GET /sparql answered HTTP {answer.status}")
    description = parse_answer(answer)
    if not isinstance(description, GraphResult) or not description.triples:
        raise ConformanceFailure("GET /sparql did not return an RDF description")
    fragment = test.iri.rsplit("#", 1)[-1]
    if fragment == "has-endpoint-triple":
        endpoints = _objects(description, SD + "endpoint")
        if ox.NamedNode(endpoint.endpoint_url) not in endpoints:
            raise ConformanceFailure(
                f"no sd:endpoint <{endpoint.endpoint_url}> in the description: {endpoints}"
            )
    elif fragment == "conforms-to-schema":
        _check_service_description_schema(description)


def _objects(graph: GraphResult, predicate: str) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
    return [triple.object for triple in graph.triples if triple.predicate.value == predicate]


def _check_service_description_schema(graph: GraphResult) -> None:
    """The sd: schema's domains and ranges for the terms every description uses."""
    services = [
        triple.subject
        for triple in graph.triples
        if triple.predicate.value.endswith("#type") and triple.object.value == SD + "Service"
    ]
    if not services:
        raise ConformanceFailure("no resource typed sd:Service")
    problems = []
    for triple in graph.triples:
        name = triple.predicate.value
        if name in IRI_VALUED and not isinstance(triple.object, ox.NamedNode):
            problems.append(f"{name} must point at an IRI: {triple}")
        if name in (SD + "endpoint", SD + "supportedLanguage") and triple.subject not in services:
            problems.append(f"{name} used on something that is not an sd:Service: {triple}")
        if name == SD + "supportedLanguage" and triple.object.value not in SD_LANGUAGES:
            problems.append(f"unknown sd:Language {triple.object}")
    if not _objects(graph, SD + "supportedLanguage"):
        problems.append("no sd:supportedLanguage")
    if problems:
        raise ConformanceFailure("; ".join(problems))


RUNNERS: dict[str, Callable[[W3CTest, W3CEndpoint], None]] = {
    EVALUATION: run_evaluation,
    CSV_RESULTS: run_evaluation,
    POSITIVE_SYNTAX: run_syntax,
    NEGATIVE_SYNTAX: run_syntax,
    PROTOCOL: run_protocol,
    SERVICE_DESCRIPTION: run_service_description,
}
