"""SPARQL 1.1 Protocol request parsing: an HTTP request in, a plain query operation out.

The three ways the protocol allows to send a query (GET ``?query=``, POST of an HTML form,
POST of the query text itself) all end in one ``ProtocolQuery``, so the view that runs it
does not care how it arrived. Everything a client can get wrong here is raised as one of
the ``ftzkg.errors`` types with a message saying which parameter or header is at fault;
the module knows nothing of formats' writers, of the store or of Flask's application.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

import pyoxigraph as ox
from werkzeug.wrappers import Request

from ftzkg.errors import BadRequest, PayloadTooLarge, QueryNotAllowed, UnsupportedMediaType
from ftzkg.formats import format_by_name

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
QUERY_MEDIA_TYPE = "application/sparql-query"
UPDATE_MEDIA_TYPE = "application/sparql-update"
UPDATE_ENDPOINT_HINT = "SPARQL Update is not accepted here; send updates to /sparql/update"

# The only character encodings a query may arrive in: UTF-8 (the protocol's) and its subset.
ACCEPTED_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})

# ``format=`` values that common SPARQL clients send (SPARQLWrapper, Virtuoso-style tools),
# mapped to the registry's names; the mapping depends on the result kind where the word
# is ambiguous ("xml" means SPARQL XML results for SELECT and RDF/XML for CONSTRUCT).
FORMAT_SYNONYMS = {
    "json-ld": "jsonld",
    "rdf+xml": "rdfxml",
    "rdf": "rdfxml",
    "n3": "turtle",
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "n-quads": "nquads",
}
GRAPH_FORMAT_SYNONYMS = {"xml": "rdfxml", "json": "jsonld"}


@dataclass(frozen=True)
class ProtocolQuery:
    """A query operation as the client sent it, before its form and result format are known.

    ``text`` is ``None`` when the request carries no query at all (a GET of the bare
    endpoint: the service description or the query page answer it).
    """

    text: str | None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()
    format_values: tuple[str, ...] = ()
    accept: str | None = None


def parse_query_request(request: Request, max_query_bytes: int) -> ProtocolQuery:
    """Read a GET or POST to the query endpoint into a ``ProtocolQuery``.

    Raises ``BadRequest`` (400) for a missing, empty or repeated query, an update, an IRI
    that is not absolute or text that is not UTF-8; ``UnsupportedMediaType`` (415) for a
    body that is neither a form nor ``application/sparql-query`` or a charset other than
    UTF-8; ``PayloadTooLarge`` (413) for query text over ``max_query_bytes``.
    """
    url_parameters = _decode_parameters(request.query_string, "the URL's query string")
    if request.method in {"GET", "HEAD"}:
        return _query_from_parameters(url_parameters, request, max_query_bytes, required=False)
    if request.method != "POST":
        raise BadRequest(f"method {request.method} cannot send a query; use GET or POST")

    media_type = request.mimetype
    _check_charset(request.mimetype_params.get("charset"), media_type)
    if media_type == FORM_MEDIA_TYPE:
        body_parameters = _decode_parameters(request.get_data(cache=True), "the form body")
        return _query_from_parameters(
            url_parameters + body_parameters, request, max_query_bytes, required=True
        )
    if media_type == QUERY_MEDIA_TYPE:
        return _query_from_body(url_parameters, request, max_query_bytes)
    if media_type == UPDATE_MEDIA_TYPE:
        raise QueryNotAllowed(UPDATE_ENDPOINT_HINT)
    sent = f"'{media_type}'" if media_type else "no Content-Type"
    raise UnsupportedMediaType(
        f"a query POST must be {FORM_MEDIA_TYPE} or {QUERY_MEDIA_TYPE}; the request has {sent}"
    )


def resolve_format_name(values: tuple[str, ...], graph_result: bool) -> str | None:
    """The registry name the ``format=`` values ask for; ``None`` when none was given.

    Clients may repeat ``format=`` with synonyms of one format, or give a list of media
    types: SPARQLWrapper sends both ``json-ld`` and ``application/ld+json,
    application/x-json+ld``. Values that name different formats are a contradiction and
    answered with 400, as is a value that names no format at all.
    """
    names = [_format_name(value, graph_result) for value in values if value.strip(" ,")]
    distinct = list(dict.fromkeys(names))
    if len(distinct) > 1:
        raise BadRequest(f"format= is given more than once with different values: {distinct}")
    return distinct[0] if distinct else None


def _format_name(value: str, graph_result: bool) -> str:
    """The registry name of one ``format=`` value: a name, a synonym or a media-type list."""
    first_error = None
    for item in value.split(","):
        key = item.strip().lower()
        if not key:
            continue
        if graph_result and key in GRAPH_FORMAT_SYNONYMS:
            key = GRAPH_FORMAT_SYNONYMS[key]
        try:
            return format_by_name(FORMAT_SYNONYMS.get(key, key)).name
        except BadRequest as error:
            first_error = first_error or error
    assert first_error is not None
    raise first_error


def _decode_parameters(raw: bytes, where: str) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` pairs, refusing bytes that are not UTF-8.

    werkzeug's own parser replaces bad bytes silently; a query altered that way would run
    as something the client never sent, so this parser is strict.
    """
    try:
        return parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeDecodeError as error:
        raise BadRequest(
            f"{where} is not valid UTF-8 (byte {error.start} after percent-decoding)"
        ) from None


def _check_charset(charset: str | None, media_type: str) -> None:
    if charset is not None and charset.strip().lower() not in ACCEPTED_CHARSETS:
        raise UnsupportedMediaType(
            f"charset '{charset}' is not supported for {media_type}: send UTF-8"
        )


def _query_from_parameters(
    parameters: list[tuple[str, str]], request: Request, max_query_bytes: int, required: bool
) -> ProtocolQuery:
    values = _group(parameters)
    if "update" in values:
        raise QueryNotAllowed(UPDATE_ENDPOINT_HINT)
    queries = values.get("query", [])
    if len(queries) > 1:
        raise BadRequest(f"the query parameter is given {len(queries)} times; send one query")
    if not queries:
        if required:
            raise BadRequest("the request has no query parameter")
        text = None
    else:
        text = _checked_text(queries[0], max_query_bytes)
    return ProtocolQuery(
        text=text,
        default_graph_uris=_graph_iris(values, "default-graph-uri"),
        named_graph_uris=_graph_iris(values, "named-graph-uri"),
        format_values=tuple(values.get("format", ())),
        accept=request.headers.get("Accept"),
    )


def _query_from_body(
    url_parameters: list[tuple[str, str]], request: Request, max_query_bytes: int
) -> ProtocolQuery:
    values = _group(url_parameters)
    if "query" in values:
        raise BadRequest(
            f"the query is sent both as the {QUERY_MEDIA_TYPE} body and as query= in the URL"
        )
    if "update" in values:
        raise QueryNotAllowed(UPDATE_ENDPOINT_HINT)
    if request.content_length is not None and request.content_length > max_query_bytes:
        raise _too_large(request.content_length, max_query_bytes)
    body = request.get_data(cache=True)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(f"the query body is not valid UTF-8 (byte {error.start})") from None
    return ProtocolQuery(
        text=_checked_text(text, max_query_bytes),
        default_graph_uris=_graph_iris(values, "default-graph-uri"),
        named_graph_uris=_graph_iris(values, "named-graph-uri"),
        format_values=tuple(values.get("format", ())),
        accept=request.headers.get("Accept"),
    )


def _group(parameters: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in parameters:
        grouped.setdefault(name, []).append(value)
    return grouped


def _checked_text(text: str, max_query_bytes: int) -> str:
    size = len(text.encode("utf-8"))
    if size > max_query_bytes:
        raise _too_large(size, max_query_bytes)
    if not text.strip():
        raise BadRequest("the query is empty")
    return text


def _too_large(size: int, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the query is {size} bytes; this endpoint accepts at most {limit} (FTZKG_MAX_QUERY_BYTES)"
    )


def _graph_iris(values: dict[str, list[str]], parameter: str) -> tuple[str, ...]:
    """The IRIs of a repeatable graph parameter, each checked to be an absolute IRI."""
    iris = []
    for value in values.get(parameter, ()):
        try:
            ox.NamedNode(value)
        except ValueError:
            raise BadRequest(f"{parameter} '{value}' is not an absolute IRI") from None
        iris.append(value)
    return tuple(dict.fromkeys(iris))
