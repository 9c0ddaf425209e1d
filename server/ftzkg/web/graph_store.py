"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/rdf-graphs/service`` (indirect addressing).

``?graph=<iri>`` names a graph, ``?default`` the store's own default graph (not the union
a query sees by default: a graph store manages stored graphs). Reads (GET, HEAD) are
public; PUT, POST and DELETE go through ``GuardedWriter`` like every write, so they need an
operator's token and leave the store untouched when the result would fail the shapes.
"""

from __future__ import annotations

import uuid

import pyoxigraph as ox
from flask import Blueprint, Response, request

from ftzkg.errors import BadRequest, MethodNotAllowed, NotFound, UnsupportedMediaType
from ftzkg.formats import GRAPH, negotiate
from ftzkg.protocol import _check_charset, _decode_parameters
from ftzkg.web import resources
from ftzkg.web.update import authorized_token, summary_response, write_resources
from ftzkg.writes import GraphName, graph_key

blueprint = Blueprint("graph_store", __name__)

SERVICE_PATH = "/rdf-graphs/service"
READ_METHODS = "GET, HEAD, OPTIONS"
WRITE_METHODS = "GET, HEAD, PUT, POST, DELETE, OPTIONS"


@blueprint.route(SERVICE_PATH, methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store() -> Response:
    """Dispatch on the method; every branch names its graph the same way."""
    if request.method in {"GET", "HEAD"}:
        return read_graph(requested_graph())
    writer = write_resources().writer
    if writer is None:
        raise MethodNotAllowed(
            f"{request.method} is not allowed: this server is read-only (writes are enabled "
            "only when an operator sets FTZKG_WRITE_TOKEN or FTZKG_WRITE_TOKEN_FILE)"
        )
    token = authorized_token()
    if request.method == "DELETE":
        graph = requested_graph()
        if not writer.graph_exists(graph) or not _has_triples(graph):
            raise NotFound(f"there is no graph {_describe(graph)} to delete")
        return summary_response(writer.delete_graph(graph, token), 200)
    if request.method == "POST" and not _names_a_graph():
        graph = ox.NamedNode(f"{resources().settings.base_iri}graph/upload/{uuid.uuid4()}")
        summary, _created = writer.merge_graph(graph, request_triples(graph), token)
        response = summary_response(summary, 201)
        # The new graph's IRI: with indirect identification it is what ?graph= takes.
        response.headers["Location"] = graph.value
        return response
    graph = requested_graph()
    quads = request_triples(graph)
    if request.method == "PUT":
        summary, created = writer.replace_graph(graph, quads, token)
    else:
        summary, created = writer.merge_graph(graph, quads, token)
    return summary_response(summary, 201 if created else 200)


@blueprint.after_request
def announce_allowed_methods(response: Response) -> Response:
    """A 405 names what is allowed; every answer names the graph store's methods."""
    writable = write_resources().writer is not None
    response.headers["Allow"] = WRITE_METHODS if writable else READ_METHODS
    return response


def read_graph(graph: GraphName) -> Response:
    """GET/HEAD: the graph in the negotiated RDF format, or 404 if it does not exist."""
    store = resources().store
    if isinstance(graph, ox.NamedNode) and graph.value not in store.named_graphs():
        raise NotFound(f"there is no graph {_describe(graph)} in this store")
    rdf_format = negotiate(GRAPH, request.headers.get("Accept"), default="turtle")
    if rdf_format.datasets:
        rdf_format = negotiate(GRAPH, None, default="turtle")
    triples = [
        ox.Triple(quad.subject, quad.predicate, quad.object)
        for quad in store.quads(graph_key(graph) or None)
        if quad.graph_name == graph
    ]
    body = ox.serialize(triples, format=rdf_format.oxigraph) or b""
    response = Response(b"" if request.method == "HEAD" else body)
    response.headers["Content-Type"] = rdf_format.content_type
    response.headers["Content-Length"] = str(len(body))
    response.headers["ETag"] = f'W/"{store.version}"'
    response.vary.add("Accept")
    return response


def requested_graph() -> GraphName:
    """The graph ``?graph=`` or ``?default`` names; exactly one of them is required."""
    parameters = dict_of_lists(_decode_parameters(request.query_string, "the URL's query string"))
    graphs = parameters.get("graph", [])
    if "default" in parameters and graphs:
        raise BadRequest("give either ?default or ?graph=<iri>, not both")
    if "default" in parameters:
        return ox.DefaultGraph()
    if len(graphs) != 1:
        raise BadRequest(
            "name one graph: ?graph=<absolute IRI> or ?default "
            f"(the request has {len(graphs)} graph parameters)"
        )
    try:
        return ox.NamedNode(graphs[0])
    except ValueError:
        raise BadRequest(f"graph '{graphs[0]}' is not an absolute IRI") from None


def request_triples(graph: GraphName) -> list[ox.Quad]:
    """The body's triples, placed in ``graph``; syntax errors are 400 with line and column.

    A ``multipart/form-data`` body (the protocol allows it for POST) contributes the
    triples of every file part, each parsed by its own Content-Type.
    """
    base_iri = graph.value if isinstance(graph, ox.NamedNode) else request.base_url
    if request.mimetype == "multipart/form-data":
        quads = []
        for part in request.files.values():
            quads.extend(
                parse_graph_body(part.read(), part.mimetype, part.mimetype_params, graph, base_iri)
            )
        return quads
    return parse_graph_body(
        request.get_data(), request.mimetype, request.mimetype_params, graph, base_iri
    )


def parse_graph_body(
    body: bytes, media_type: str, parameters: dict, graph: GraphName, base_iri: str
) -> list[ox.Quad]:
    _check_charset(parameters.get("charset"), media_type or "the body")
    rdf_format = ox.RdfFormat.from_media_type(media_type) if media_type else None
    if rdf_format is None or rdf_format.supports_datasets:
        raise UnsupportedMediaType(
            f"the body's Content-Type {media_type or '(none)'} is not an RDF graph format; send "
            "text/turtle, application/n-triples, application/rdf+xml, application/ld+json or "
            "text/n3"
        )
    try:
        return [
            ox.Quad(triple.subject, triple.predicate, triple.object, graph)
            for triple in ox.parse(body, format=rdf_format, base_iri=base_iri)
        ]
    except SyntaxError as error:
        raise BadRequest(f"the {rdf_format.name} body does not parse: {error}") from None


def dict_of_lists(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _names_a_graph() -> bool:
    parameters = dict_of_lists(_decode_parameters(request.query_string, "the URL's query string"))
    return "graph" in parameters or "default" in parameters


def _has_triples(graph: GraphName) -> bool:
    return isinstance(graph, ox.NamedNode) or any(
        quad.graph_name == graph for quad in resources().store.quads()
    )


def _describe(graph: GraphName) -> str:
    return f"<{graph.value}>" if isinstance(graph, ox.NamedNode) else "(the default graph)"
