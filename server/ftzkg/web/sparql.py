"""The SPARQL 1.1 query endpoint: ``/sparql`` for GET, HEAD, POST and OPTIONS.

A query reads as a straight line: parse the protocol request, find the query form, choose
the result format, ask the store, stream the bytes back. A GET without a query describes
the endpoint: the SPARQL Service Description for RDF clients, the query page for browsers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from flask import Blueprint, Flask, Response, current_app, request

from ftzkg import sparql_text
from ftzkg.errors import BadRequest
from ftzkg.formats import GRAPH, SOLUTIONS, formats_for, negotiate
from ftzkg.protocol import ProtocolQuery, parse_query_request, resolve_format_name
from ftzkg.result_cache import answer_key
from ftzkg.service_description import (
    serialize_service_description,
    service_description_triples,
)
from ftzkg.store import QueryAnswer, QueryRequest
from ftzkg.web import resources
from ftzkg.web.headers import TRUNCATION_HEADER

blueprint = Blueprint("sparql", __name__)

QUERY_PAGE_KEY = "ftzkg.query_page"
SOLUTION_FORMS = frozenset({"SELECT", "ASK"})
HTML = "text/html"


def register_query_page(app: Flask, view: Callable[[], Response | str]) -> None:
    """Make ``view`` answer a browser's GET of ``/sparql`` without a query (the query page)."""
    app.extensions[QUERY_PAGE_KEY] = view


@blueprint.route("/sparql", methods=["GET", "POST"])
def query_endpoint() -> Response:
    shared = resources()
    settings, store, cache = shared.settings, shared.store, shared.result_cache
    operation = parse_query_request(request, settings.max_query_bytes)
    if operation.text is None:
        return describe_endpoint(operation)
    query_form = sparql_text.query_form(operation.text)
    kind = SOLUTIONS if query_form in SOLUTION_FORMS else GRAPH
    format_name = resolve_format_name(operation.format_values, graph_result=kind == GRAPH)
    query_request = QueryRequest(
        text=operation.text,
        result_format=negotiate(kind, operation.accept, format_name),
        default_graph_uris=operation.default_graph_uris,
        named_graph_uris=operation.named_graph_uris,
    )
    if cache is None:
        return stream_answer(store.query(query_request))
    key = answer_key(store.version, query_request)
    if request.method in {"GET", "HEAD"} and key in request.if_none_match:
        response = Response(status=304)
    else:
        answer = cache.lookup(key, query_request)
        if answer is None:
            answer = cache.remember(key, store.query(query_request))
        response = stream_answer(answer)
    response.set_etag(key)
    response.headers["Cache-Control"] = settings.cache_control
    return response


@blueprint.after_request
def vary_on_accept(response: Response) -> Response:
    """Every answer of the endpoint depends on ``Accept``; caches must key on it."""
    response.vary.add("Accept")
    return response


def stream_answer(answer: QueryAnswer) -> Response:
    """Stream the store's chunks, announcing a cut by the row limit in a header.

    The first chunk is taken before the response starts, so an error the store raises
    when it begins writing still becomes a proper status instead of a broken 200.
    """
    chunks = PrimedChunks(answer.chunks)
    response = Response(chunks, content_type=answer.result_format.content_type)
    if answer.length is not None:
        response.content_length = answer.length
    if answer.truncated:
        response.headers[TRUNCATION_HEADER] = str(answer.row_limit)
    return response


class PrimedChunks:
    """An iterable of byte chunks whose first chunk is already produced, closable unread.

    werkzeug calls ``close()`` when the response ends, also for a HEAD that reads nothing;
    passing it on lets the store release what the rest of the chunks hold.
    """

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._rest: Iterator[bytes] = iter(chunks)
        self._first = next(self._rest, b"")

    def __iter__(self) -> Iterator[bytes]:
        if self._first:
            yield self._first
        yield from self._rest

    def close(self) -> None:
        close = getattr(self._rest, "close", None)
        if close is not None:
            close()


def describe_endpoint(operation: ProtocolQuery) -> Response:
    """Answer a GET without a query: the query page for browsers, else the description."""
    graph_types = [entry.media_type for entry in formats_for(GRAPH)]
    query_page = current_app.extensions.get(QUERY_PAGE_KEY)
    wants_html = (
        not operation.format_values
        and request.accept_mimetypes.best_match([*graph_types, HTML]) == HTML
    )
    if wants_html:
        if query_page is not None:
            return current_app.make_response(query_page())
        return Response(ENDPOINT_PAGE, content_type="text/html; charset=utf-8")
    if operation.accept and not operation.format_values and not _accepts_any(graph_types):
        raise BadRequest("the request has no query parameter")
    format_name = resolve_format_name(operation.format_values, graph_result=True)
    rdf_format = negotiate(GRAPH, operation.accept, format_name, default="turtle")
    settings, store = resources().settings, resources().store
    triples = service_description_triples(
        request.base_url, store, default_graph_is_union=settings.default_graph_as_union
    )
    return Response(
        serialize_service_description(triples, rdf_format), content_type=rdf_format.content_type
    )


def _accepts_any(media_types: list[str]) -> bool:
    return any(request.accept_mimetypes.quality(media_type) > 0 for media_type in media_types)


ENDPOINT_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ftzkg SPARQL endpoint</title></head>
<body><h1>ftzkg SPARQL 1.1 endpoint</h1>
<p>Send a query with <code>GET /sparql?query=…</code> or <code>POST /sparql</code>.
Ask with <code>Accept: text/turtle</code> for the service description.</p>
<form method="get" action="sparql">
<textarea name="query" rows="8" cols="80">SELECT * WHERE { ?s ?p ?o } LIMIT 10</textarea>
<br><button type="submit">Run</button></form></body></html>
"""
