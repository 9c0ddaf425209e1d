"""The store interface the HTTP layer, the CLI and the tests talk to, and its implementations.

``Store`` is deliberately small: load and replace named graphs, run a query to bytes in a
chosen format, run an update, export, list and count graphs. ``EmbeddedStore`` keeps the data
in pyoxigraph (in memory or on disk) and evaluates queries in killable worker processes;
``RemoteStore`` forwards to another SPARQL 1.1 store.
"""

from __future__ import annotations

import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import pyoxigraph as ox

from ftzkg.config import Settings
from ftzkg.errors import BadRequest, Forbidden, QueryTimeout, Unavailable, UpstreamError
from ftzkg.formats import GRAPH, SOLUTIONS, Format


@dataclass(frozen=True)
class QueryRequest:
    """A query as the protocol layer hands it over: text, dataset and the chosen format."""

    text: str
    result_format: Format
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()


@dataclass
class QueryAnswer:
    """Serialised results, as chunks to stream, and whether the row limit cut them."""

    result_format: Format
    chunks: Iterable[bytes]
    truncated: bool = False
    row_limit: int | None = None


@dataclass(frozen=True)
class UpdateSummary:
    """What an accepted write did: for the audit log and the client."""

    version: int
    triples_added: int = 0
    triples_removed: int = 0
    graphs: tuple[str, ...] = field(default_factory=tuple)


class Store(ABC):
    """What every backend offers; the HTTP layer knows nothing else about storage."""

    @property
    @abstractmethod
    def version(self) -> int:
        """The dataset version: bumped by every accepted write, part of ETags and /health."""

    @abstractmethod
    def query(self, request: QueryRequest) -> QueryAnswer:
        """Evaluate a query within the configured timeout and row limit."""

    @abstractmethod
    def replace_graphs(self, graphs: dict[str, Iterable[ox.Quad]]) -> UpdateSummary:
        """Replace each named graph with the given quads, atomically, all or nothing."""

    @abstractmethod
    def export(
        self, output: BinaryIO, rdf_format: ox.RdfFormat, graph_iri: str | None = None
    ) -> None:
        """Write the dataset (or one named graph) to ``output``."""

    @abstractmethod
    def named_graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""

    @abstractmethod
    def graph_counts(self) -> dict[str, int]:
        """Triples per named graph."""

    def quads(self, graph_iri: str | None = None) -> Iterator[ox.Quad]:
        """Every quad (of one graph); used for exports and dataset descriptions."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers, files and connections."""


REMOTE_STORE_SCHEMES = ("sparql+http://", "sparql+https://")
_REMOTE_CONNECT_SECONDS = 5.0
_REMOTE_CHUNK_BYTES = 64 * 1024
_REMOTE_GRAPHS_SECONDS = 30.0
# Comments, strings and IRIs, removed before looking for a FROM keyword in a query.
_SPARQL_LEXICAL_NOISE = re.compile(
    r"#[^\n]*|<[^<>\"{}|^`\\\s]*>|'''.*?'''|\"\"\".*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"",
    re.DOTALL,
)
_FROM_CLAUSE = re.compile(r"\bFROM\b", re.IGNORECASE)


_REMOTE_FALLBACK_TYPES = {
    SOLUTIONS: "application/sparql-results+json",
    GRAPH: "application/n-triples",
}
_REMOTE_RESERIALISED = frozenset({"csv", "tsv"})


class _RemoteNotAcceptable(UpstreamError):
    """The remote store cannot write the asked format (its 406); another is asked for."""


def is_remote_store(location: str | None) -> bool:
    """Whether ``--store`` names a remote SPARQL store (``sparql+http(s)://…``)."""
    return location is not None and location.startswith(REMOTE_STORE_SCHEMES)


class RemoteStore(Store):
    """Another SPARQL 1.1 store (Virtuoso, Oxigraph server, Fuseki, GraphDB, QLever) behind
    ftzkg's HTTP interface, for data that outgrows one machine's embedded store.

    Queries are forwarded over HTTP and the remote answer is streamed back unchanged when it
    is in the format the client asked for (re-serialised by pyoxigraph when the remote store
    answers in another one). A query that names no graphs is sent with the project's named
    graphs as both ``default-graph-uri`` and ``named-graph-uri``, which gives the same union
    default graph as the embedded store on every remote store (Virtuoso's own default graph
    would also hold its system graphs; Oxigraph's would be empty). The project's graphs are
    the remote graphs under ``<base>graph/``.

    HTTP goes through one pooled ``requests`` session rather than SPARQLWrapper: SPARQLWrapper
    opens a new connection per query and hands back whole, converted results, while this
    store must pass the remote bytes on as they arrive, in any result format, and see the
    remote status and headers (``X-SPARQL-MaxRows``) itself.

    Errors: unreachable remote or a timeout are 503, a remote refusal of the query is 400
    with the remote's message, any other remote failure 502. ``version`` counts this
    process's writes only: other writers to the remote store are not seen, so result
    caching should be off (``FTZKG_CACHE_RESULTS=false``) when there are any.
    """

    def __init__(
        self,
        settings: Settings,
        query_url: str,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        token: str | None = None,
    ) -> None:
        from ftzkg.push import RemoteEndpoints, http_session

        self.settings = settings
        self.endpoints = RemoteEndpoints(
            query_url, update_url, graph_store_url, token, timeout=max(settings.query_timeout, 60)
        )
        self.endpoints.check()
        self._session = http_session(token)
        self._version = 0
        self._graphs: tuple[float, list[str]] | None = None
        self._graphs_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """The remote store ``settings.store`` names (``sparql+http://HOST:PORT/PATH``)."""
        if not is_remote_store(settings.store):
            raise BadRequest(f"not a remote store URL: {settings.store}")
        return cls(
            settings,
            settings.store.removeprefix("sparql+"),  # type: ignore[union-attr]
            settings.store_update_url,
            settings.store_graph_store_url,
            settings.store_token,
        )

    @property
    def version(self) -> int:
        return self._version

    def _request(self, what: str, url: str, **arguments):  # type: ignore[no-untyped-def]
        """One HTTP request to the remote store, its failures as ftzkg's errors."""
        import requests

        try:
            response = self._session.post(url, **arguments)
        except requests.Timeout:
            raise QueryTimeout(
                f"{what}: the remote store did not answer within {arguments['timeout'][1]} s"
            ) from None
        except requests.RequestException as error:
            raise Unavailable(
                f"{what}: the remote store at {url} cannot be reached ({error.__class__.__name__})"
            ) from None
        if response.status_code >= 300:
            detail = " ".join(response.text.split())[:500]
            response.close()
            message = f"{what}: the remote store answered {response.status_code}: {detail}"
            if response.status_code == 400:
                raise BadRequest(message)
            if response.status_code == 406:
                raise _RemoteNotAcceptable(message)
            if response.status_code == 503:
                raise Unavailable(message)
            raise UpstreamError(message)
        return response

    def _dataset(self, request: QueryRequest) -> list[tuple[str, str]]:
        default, named = request.default_graph_uris, request.named_graph_uris
        if not default and not named and self.settings.default_graph_as_union:
            stripped = _SPARQL_LEXICAL_NOISE.sub(" ", request.text)
            if not _FROM_CLAUSE.search(stripped):
                default = named = tuple(self.named_graphs())
        return [("default-graph-uri", graph) for graph in default] + [
            ("named-graph-uri", graph) for graph in named
        ]

    def query(self, request: QueryRequest) -> QueryAnswer:
        """Forward the query; stream the remote bytes when they are in the wanted format.

        CSV and TSV are always produced here from the remote JSON: Virtuoso's TSV is not
        SPARQL 1.1 TSV (it quotes variable names and drops language tags and datatypes).
        A remote store that cannot write the wanted format (406) is asked for JSON or
        N-Triples instead and its answer is re-serialised.
        """
        wanted = request.result_format
        fallback = _REMOTE_FALLBACK_TYPES[wanted.kind]
        asked = fallback if wanted.name in _REMOTE_RESERIALISED else wanted.media_type
        form = [("query", request.text), *self._dataset(request)]
        try:
            response = self._send_query(form, asked)
        except _RemoteNotAcceptable:
            response = self._send_query(form, fallback)
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        row_limit = response.headers.get("X-SPARQL-MaxRows")
        chunks: Iterable[bytes]
        if media_type in wanted.media_types:
            chunks = _remote_chunks(response)
        else:
            chunks = [_reserialise(response, media_type, wanted)]
        return QueryAnswer(
            wanted,
            chunks,
            truncated=row_limit is not None,
            row_limit=int(row_limit) if row_limit and row_limit.isdigit() else None,
        )

    def _send_query(self, form: list[tuple[str, str]], accept: str):  # type: ignore[no-untyped-def]
        return self._request(
            "query",
            self.endpoints.query_url,
            data=form,
            headers={"Accept": accept},
            stream=True,
            timeout=(_REMOTE_CONNECT_SECONDS, self.settings.query_timeout),
        )

    def _solutions(self, text: str) -> list[dict[str, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        response = self._request(
            "reading the store",
            self.endpoints.query_url,
            data={"query": text},
            headers={"Accept": "application/sparql-results+json"},
            timeout=(_REMOTE_CONNECT_SECONDS, self.endpoints.timeout),
        )
        solutions = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
        names = [variable.value for variable in solutions.variables]
        return [{name: row[name] for name in names if row[name] is not None} for row in solutions]

    def named_graphs(self) -> list[str]:
        """The project's graphs in the remote store, re-read at most every 30 s."""
        with self._graphs_lock:
            if (
                self._graphs is not None
                and time.monotonic() - self._graphs[0] < _REMOTE_GRAPHS_SECONDS
            ):
                return list(self._graphs[1])
        prefix = f"{self.settings.base_iri}graph/"
        rows = self._solutions(
            "SELECT DISTINCT ?graph WHERE { GRAPH ?graph { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?graph), "{prefix}")) }}'
        )
        graphs = sorted(row["graph"].value for row in rows)
        with self._graphs_lock:
            self._graphs = (time.monotonic(), graphs)
        return list(graphs)

    def graph_counts(self) -> dict[str, int]:
        prefix = f"{self.settings.base_iri}graph/"
        rows = self._solutions(
            "SELECT ?graph (COUNT(*) AS ?triples) WHERE { GRAPH ?graph { ?s ?p ?o } "
            f'FILTER(STRSTARTS(STR(?graph), "{prefix}")) }} GROUP BY ?graph'
        )
        return {row["graph"].value: int(row["triples"].value) for row in rows}

    def quads(self, graph_iri: str | None = None) -> Iterator[ox.Quad]:
        for graph in [graph_iri] if graph_iri else self.named_graphs():
            response = self._request(
                f"reading <{graph}>",
                self.endpoints.query_url,
                data={
                    "query": f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
                },
                headers={"Accept": "application/n-triples"},
                timeout=(_REMOTE_CONNECT_SECONDS, self.endpoints.timeout),
            )
            media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            rdf_format = ox.RdfFormat.from_media_type(media_type) or ox.RdfFormat.N_TRIPLES
            name = ox.NamedNode(graph)
            for quad in ox.parse(response.content, format=rdf_format):
                yield ox.Quad(quad.subject, quad.predicate, quad.object, name)

    def export(
        self, output: BinaryIO, rdf_format: ox.RdfFormat, graph_iri: str | None = None
    ) -> None:
        quads = self.quads(graph_iri)
        items = quads if rdf_format.supports_datasets else (quad.triple for quad in quads)
        ox.serialize(items, output, rdf_format)

    def replace_graphs(self, graphs: dict[str, Iterable[ox.Quad]]) -> UpdateSummary:
        """Replace each graph remotely (each one atomically when writing by SPARQL Update).

        A remote store gives no transaction across requests, so when a later graph fails
        the earlier ones are already replaced; the error names the graph that failed.
        """
        from ftzkg.push import replace_remote_graph

        if not (self.endpoints.update_url or self.endpoints.graph_store_url):
            raise Forbidden(
                "the remote store is read-only here: set FTZKG_STORE_UPDATE_URL or "
                "FTZKG_STORE_GRAPH_STORE_URL to write to it"
            )
        added = 0
        for graph, quads in graphs.items():
            triples = list(dict.fromkeys(quad.triple for quad in quads))
            replace_remote_graph(self._session, self.endpoints, graph, triples)
            added += len(triples)
        with self._graphs_lock:
            self._version += 1
            self._graphs = None
        return UpdateSummary(self._version, triples_added=added, graphs=tuple(graphs))

    def close(self) -> None:
        self._session.close()


def _remote_chunks(response) -> Iterator[bytes]:  # type: ignore[no-untyped-def]
    """The remote body as it arrives; the connection goes back to the pool at the end."""
    import requests

    try:
        yield from response.iter_content(_REMOTE_CHUNK_BYTES)
    except requests.RequestException as error:
        raise UpstreamError(f"the remote store broke off its answer: {error}") from None
    finally:
        response.close()


def _reserialise(response, media_type: str, wanted: Format) -> bytes:  # type: ignore[no-untyped-def]
    """Re-serialise a remote answer that came in another format than the one asked for."""
    body = response.content
    try:
        if wanted.kind == SOLUTIONS:
            source = ox.QueryResultsFormat.from_media_type(media_type)
            if source is None:
                raise UpstreamError(f"the remote store answered in {media_type or 'no type'}")
            results = ox.parse_query_results(body, format=source)
            return results.serialize(format=wanted.oxigraph)
        source = ox.RdfFormat.from_media_type(media_type)
        if source is None:
            raise UpstreamError(f"the remote store answered in {media_type or 'no type'}")
        triples = (quad.triple for quad in ox.parse(body, format=source))
        return ox.serialize(triples, format=wanted.oxigraph)
    except SyntaxError as error:
        raise UpstreamError(
            f"the remote store's {media_type} answer does not parse: {error}"
        ) from None
