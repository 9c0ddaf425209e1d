"""The store interface the HTTP layer, the CLI and the tests talk to, and its implementations.

``Store`` is deliberately small: load and replace named graphs, run a query to bytes in a
chosen format, run an update, export, list and count graphs. ``EmbeddedStore`` keeps the data
in pyoxigraph (in memory or on disk) and evaluates queries in killable worker processes;
``RemoteStore`` forwards to another SPARQL 1.1 store.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import shutil
import tempfile
import threading
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from pebble import ProcessExpired, ProcessPool

from ftzkg import query_workers, sparql_text
from ftzkg.config import CANONICAL_BASE_IRI, Settings
from ftzkg.dataset import GraphSource, dataset_sources, read_graph_quads
from ftzkg.errors import (
    BadRequest,
    Forbidden,
    QueryTimeout,
    Unavailable,
    UpstreamError,
)
from ftzkg.formats import GRAPH, SOLUTIONS, Format
from ftzkg.network_guard import NetworkGuard
from ftzkg.progress import show_progress
from ftzkg.store_metadata import (
    LEGACY_METADATA_GRAPH,
    StoreMetadata,
    read_metadata,
    write_metadata,
)


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
    length: int | None = None  # bytes in ``chunks`` when known (for Content-Length)


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

    @abstractmethod
    def quads(self, graph_iri: str | None = None) -> Iterator[ox.Quad]:
        """Every quad (of one graph); used for exports and dataset descriptions."""

    @abstractmethod
    def close(self) -> None:
        """Release workers, files and connections."""


_SPOOL_THRESHOLD = 1 << 20
_CHUNK_BYTES = 64 * 1024
_DRAIN_GRACE_SECONDS = 5.0
_LOCK_WAIT_SECONDS = 15.0


class SpooledAnswer:
    """An answer file a worker wrote, read in chunks and deleted once read or closed.

    werkzeug calls ``close()`` when a response ends early; a forgotten answer is deleted
    when it is garbage-collected.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._remove = weakref.finalize(self, _remove_file, path)

    def __iter__(self) -> Iterator[bytes]:
        try:
            with open(self.path, "rb") as answer:
                while chunk := answer.read(_CHUNK_BYTES):
                    yield chunk
        finally:
            self.close()

    def close(self) -> None:
        self._remove()


def _remove_file(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


@dataclass(frozen=True)
class _StoreFacts:
    """What the parent answers without a worker, computed once per dataset version."""

    named_graphs: list[str]
    counts: dict[str, int]


class EmbeddedStore(Store):
    """pyoxigraph in this process, queries evaluated by a pool of killable worker processes.

    In memory (the default) the data files are loaded at start and the workers are forked
    from this process, each inheriting the loaded store. On disk (``settings.store`` is a
    directory) the data files are bulk-loaded once; a restart opens the store as it is,
    unless ``reload_data`` asks for the files again. This process holds the on-disk store
    read-only and workers open it read-only too: pyoxigraph makes reading while another
    process writes undefined, so a write first drains the pool, writes in one transaction,
    then starts a new pool, which also makes the new version visible to all readers at once.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._guard = NetworkGuard(settings.service_allowlist)
        # Held while scheduling a query and through a whole write, so no query reaches a
        # pool that a write is draining.
        self._lock = threading.RLock()
        self._path = Path(settings.store) if settings.store else None
        self._spool_dir = tempfile.mkdtemp(prefix="ftzkg-answers-")
        self._pool: ProcessPool | None = None
        self._closed = False
        if self._path is None:
            self._handle = ox.Store()
            for source in dataset_sources(settings.data_dir):
                _load_source(self._handle, source, settings.base_iri)
            self._version = 1
        else:
            self._version = open_on_disk(self._path, settings)
            self._handle = ox.Store.read_only(str(self._path))
        self._facts = self._read_facts()
        self._pool = self._start_pool()

    # -- opening and loading ---------------------------------------------------------------

    def changed_sources(self) -> list[str]:
        """Graphs whose data file changed since it was loaded into the on-disk store.

        A restart does not reload them by itself (``reload_data`` does); the operator is
        told instead. Always empty in memory, where every start loads the files.
        """
        if self._path is None:
            return []
        recorded = read_metadata(self._path).sources
        current = {
            source.iri(self.settings.base_iri): source.content_hash()
            for source in dataset_sources(self.settings.data_dir)
        }
        return sorted(iri for iri in {*recorded, *current} if recorded.get(iri) != current.get(iri))

    # -- the worker pool -------------------------------------------------------------------

    def _start_pool(self) -> ProcessPool:
        """Start the workers now (not at the first query) and wait until each answers."""
        snapshot: ox.Store | str = str(self._path) if self._path is not None else self._handle
        pool = ProcessPool(
            max_workers=self.settings.workers,
            initializer=query_workers.start_worker,
            initargs=(snapshot,),
            context=multiprocessing.get_context("fork"),
        )
        for future in [pool.schedule(query_workers.ping) for _ in range(self.settings.workers)]:
            future.result(timeout=60)
        return pool

    def _drain_pool(self) -> None:
        """Let running queries finish (each is bounded by the timeout), then end the pool."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        pool.close()
        pool.join(timeout=self.settings.query_timeout + _DRAIN_GRACE_SECONDS)
        if pool.active:
            pool.stop()
            pool.join()

    # -- reading -----------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return self._version

    def query(self, request: QueryRequest) -> QueryAnswer:
        """Check the text, then evaluate it in a worker within the timeout and row limit."""
        analysis = sparql_text.analyse(request.text)
        if not analysis.is_update:
            for service in analysis.services:
                if service.endpoint is None:
                    self._guard.refuse_variable_endpoint()
                self._guard.check_url(service.endpoint)
        form = sparql_text.require_query(analysis)
        if request.result_format.kind != analysis.result_kind:
            raise BadRequest(f"{form} results cannot be written as {request.result_format.name}")
        max_rows = self.settings.max_rows
        default_graphs, named_graphs, union = self._dataset(request, analysis)
        task = query_workers.EvaluationTask(
            text=sparql_text.limit_solutions(analysis, max_rows + 1),
            original_text=request.text,
            format_name=request.result_format.name,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
            default_graph_as_union=union,
            max_rows=max_rows,
            spool_dir=self._spool_dir,
            spool_threshold=_SPOOL_THRESHOLD,
            base_iri=self.settings.base_iri,
        )
        evaluation = self._evaluate(task)
        chunks: Iterable[bytes]
        if evaluation.path is not None:
            chunks = SpooledAnswer(evaluation.path)
        else:
            chunks = [evaluation.body or b""]
        return QueryAnswer(
            request.result_format,
            chunks,
            truncated=evaluation.truncated,
            row_limit=max_rows,
            length=evaluation.length,
        )

    def _dataset(
        self, request: QueryRequest, analysis: sparql_text.SparqlText
    ) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None, bool]:
        """(default graphs, named graphs, union flag) for the worker; "" is the default graph.

        Graphs the request names are the whole dataset (SPARQL 1.1 Protocol); a query with
        FROM/FROM NAMED keeps its own; otherwise the store's graphs, less the metadata graph.
        """
        for iri in (*request.default_graph_uris, *request.named_graph_uris):
            try:
                ox.NamedNode(iri)
            except ValueError as error:
                raise BadRequest(f"graph IRI <{iri}> is not valid: {error}") from None
        if request.default_graph_uris or request.named_graph_uris:
            return request.default_graph_uris, request.named_graph_uris, False
        union = self.settings.default_graph_as_union
        if analysis.has_dataset_clause:
            return None, None, False
        return None, None, union

    def _evaluate(self, task: query_workers.EvaluationTask) -> query_workers.Evaluation:
        timeout = self.settings.query_timeout
        with self._lock:
            if self._closed or self._pool is None:
                raise Unavailable("the store is closed")
            future = self._pool.schedule(query_workers.evaluate, args=(task,), timeout=timeout)
        try:
            return future.result()
        except TimeoutError:
            raise QueryTimeout(
                f"the query ran longer than {timeout:g} s (FTZKG_QUERY_TIMEOUT) and was "
                "stopped; narrow it or add a LIMIT"
            ) from None
        except ProcessExpired:
            raise Unavailable(
                "the process evaluating the query ended unexpectedly (out of memory?)"
            ) from None
        except concurrent.futures.CancelledError:
            raise Unavailable("the query was cancelled because the store is closing") from None

    def _read_facts(self) -> _StoreFacts:
        graphs = sorted(
            graph.value for graph in self._handle.named_graphs() if isinstance(graph, ox.NamedNode)
        )
        counts = dict.fromkeys(graphs, 0)
        for solution in self._handle.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        ):
            graph = solution["g"]
            if isinstance(graph, ox.NamedNode) and graph.value in counts:
                counts[graph.value] = int(solution["n"].value)
        return _StoreFacts(graphs, counts)

    def named_graphs(self) -> list[str]:
        return list(self._facts.named_graphs)

    def graph_counts(self) -> dict[str, int]:
        return dict(self._facts.counts)

    def quads(self, graph_iri: str | None = None) -> Iterator[ox.Quad]:
        """The quads (of one graph), read whole under the lock: a write cannot cut them."""
        graph = ox.NamedNode(graph_iri) if graph_iri is not None else None
        with self._lock:
            quads = list(self._handle.quads_for_pattern(None, None, None, graph))
        return iter(quads)

    def export(
        self, output: BinaryIO, rdf_format: ox.RdfFormat, graph_iri: str | None = None
    ) -> None:
        """Write one graph's triples, or the dataset in a format that holds named graphs."""
        if graph_iri is None and not rdf_format.supports_datasets:
            raise BadRequest(f"{rdf_format.name} holds one graph: name the graph to export")
        if graph_iri is None and self._path is not None:
            ox.serialize(self.quads(), output, rdf_format)
            return
        with self._lock:
            if graph_iri is None:
                self._handle.dump(output, rdf_format)
            else:
                self._handle.dump(output, rdf_format, from_graph=ox.NamedNode(graph_iri))

    # -- writing -----------------------------------------------------------------------------

    def replace_graphs(self, graphs: dict[str, Iterable[ox.Quad]]) -> UpdateSummary:
        """Replace each named graph with the given quads (their graph names are ignored).

        The key ``""`` stands for the store's default graph (Graph Store ``?default``).
        The whole change is one pyoxigraph update, a single transaction: a failure or a kill
        leaves the store as it was. The dataset version changes in the same transaction.
        """
        inserts = []
        for iri, quads in graphs.items():
            if iri:
                try:
                    ox.NamedNode(iri)
                except ValueError as error:
                    raise BadRequest(f"graph IRI <{iri}> is not valid: {error}") from None
            triples = ox.serialize(
                (ox.Triple(quad.subject, quad.predicate, quad.object) for quad in quads),
                format=ox.RdfFormat.N_TRIPLES,
            )
            block = triples.decode() if triples else ""
            inserts.append(f"GRAPH <{iri}> {{\n{block}\n}}" if iri else block)
        with self._lock:
            if self._closed:
                raise Unavailable("the store is closed")
            before = self._facts.counts
            version = self._version + 1
            operations = [
                f"DROP SILENT GRAPH <{iri}>" if iri else "DROP SILENT DEFAULT" for iri in graphs
            ]
            operations.append("INSERT DATA {\n" + "\n".join(inserts) + "\n}")
            if self._path is not None:  # the version first: see store_metadata
                metadata = read_metadata(self._path)
                write_metadata(self._path, metadata.with_changes(version=version))
            self._drain_pool()
            try:
                self._write(" ;\n".join(operations))
                self._version = version
            finally:
                self._facts = self._read_facts()
                self._pool = self._start_pool()
            after = self._facts.counts
        return UpdateSummary(
            version=version,
            triples_added=sum(after.get(iri, 0) for iri in graphs),
            triples_removed=sum(before.get(iri, 0) for iri in graphs),
            graphs=tuple(graphs),
        )

    def _write(self, update: str) -> None:
        if self._path is None:
            _run_update(self._handle, update)
            return
        del self._handle  # no reader may hold the store open while it is written
        try:
            primary = ox.Store(str(self._path))
            try:
                _run_update(primary, update)
                primary.flush()
            finally:
                del primary
        finally:
            self._handle = ox.Store.read_only(str(self._path))

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.stop()
                pool.join()
        shutil.rmtree(self._spool_dir, ignore_errors=True)


def _run_update(store: ox.Store, update: str) -> None:
    try:
        store.update(update)
    except SyntaxError as error:
        raise BadRequest(f"the store could not apply the write: {error}") from None
    except OSError as error:
        raise Unavailable(f"the store could not apply the write: {error}") from None


def _load_source(store: ox.Store, source: GraphSource, base_iri: str) -> None:
    """Load one data file into its named graph; pyoxigraph parses unless IRIs are rebased."""
    graph = ox.NamedNode(source.iri(base_iri))
    try:
        if base_iri != CANONICAL_BASE_IRI:
            store.extend(read_graph_quads(source, base_iri))
        else:
            store.load(path=source.path, format=ox.RdfFormat.TURTLE, to_graph=graph)
    except SyntaxError as error:
        raise BadRequest(f"{source.path}: {error}") from None


def _quads_of(sources: list[GraphSource], base_iri: str) -> Iterator[ox.Quad]:
    """The quads of every file in turn, with a progress bar by file on a terminal."""
    for source in show_progress(sources, "load", " files"):
        yield from read_graph_quads(source, base_iri)


def open_on_disk(path: Path, settings: Settings) -> int:
    """Open (creating or completing) the on-disk store; return its dataset version.

    A store whose load never finished (the process was killed while loading; see
    ``store_metadata``) is loaded again from the files, replacing what a cut load left; so a
    kill leaves nothing or everything.
    """
    metadata = read_metadata(path)
    if metadata.loaded and not settings.reload_data:
        return metadata.version  # several HTTP workers may open a loaded store side by side
    try:
        path.mkdir(parents=True, exist_ok=True)
        primary = _open_for_writing(path)
        try:
            version = metadata.version + 1
            _load_files(primary, path, settings, metadata.with_changes(version=version))
        finally:
            del primary
    except OSError as error:
        raise Unavailable(f"cannot open the store at {path}: {error}") from None
    return version


def _open_for_writing(path: Path) -> ox.Store:
    """The store opened read-write, waiting a little for a process that still holds its lock.

    A server killed while loading may leave its loader process alive for a moment (it is a
    child of the server); a restart right after it waits for the lock instead of failing.
    """
    deadline = time.monotonic() + _LOCK_WAIT_SECONDS
    while True:
        try:
            return ox.Store(str(path))
        except OSError as error:
            if "lock" not in str(error).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _load_files(primary: ox.Store, path: Path, settings: Settings, metadata: StoreMetadata) -> None:
    """Replace the file graphs by one bulk load, marked pending until it is flushed."""
    sources = dataset_sources(settings.data_dir)
    write_metadata(path, metadata.with_changes(load_pending=True))
    graph_iris = [source.iri(settings.base_iri) for source in sources]
    for iri in {*metadata.sources, *graph_iris, LEGACY_METADATA_GRAPH}:
        primary.remove_graph(ox.NamedNode(iri))
    # One bulk load for every file: pyoxigraph's bulk loader has a fixed cost per call (it
    # writes and ingests its own sorted files): 1,001 calls took 33 s at 818k triples, one 8.5 s.
    primary.bulk_extend(_quads_of(sources, settings.base_iri))
    primary.flush()
    hashes = {source.iri(settings.base_iri): source.content_hash() for source in sources}
    write_metadata(path, metadata.with_changes(load_pending=False, sources=hashes))


def prepare_store(settings: Settings) -> Settings:
    """Load an on-disk store once, before the HTTP workers start; the settings they get.

    Each gunicorn worker opens the store itself; loading (or reloading) first lets them all
    find it loaded and open it read-only side by side. Never call this in the process that
    forks the workers: RocksDB's background threads do not survive a fork, and a worker
    forked from a process that had opened the store waited forever for a flush when it wrote.
    """
    if settings.store is None or is_remote_store(settings.store):
        return settings
    open_on_disk(Path(settings.store), settings)
    return settings.with_changes(reload_data=False)


REMOTE_STORE_SCHEMES = ("sparql+http://", "sparql+https://")
_REMOTE_CONNECT_SECONDS = 5.0
_REMOTE_CHUNK_BYTES = 64 * 1024
_REMOTE_GRAPHS_SECONDS = 30.0


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
        self._guard = NetworkGuard(settings.service_allowlist)
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

    def _dataset(
        self, request: QueryRequest, analysis: sparql_text.SparqlText
    ) -> list[tuple[str, str]]:
        default, named = request.default_graph_uris, request.named_graph_uris
        union = self.settings.default_graph_as_union and not analysis.has_dataset_clause
        if union and not default and not named:
            default = named = tuple(self.named_graphs())
        return [("default-graph-uri", graph) for graph in default] + [
            ("named-graph-uri", graph) for graph in named
        ]

    def query(self, request: QueryRequest) -> QueryAnswer:
        """Check the text as the embedded store does, forward it, stream the remote bytes.

        The row limit is the remote store's own (Virtuoso's ``ResultSetMaxRows``); when the
        remote announces a cut (``X-SPARQL-MaxRows``) the answer says it is truncated.

        CSV and TSV are always produced here from the remote JSON: Virtuoso's TSV is not
        SPARQL 1.1 TSV (it quotes variable names and drops language tags and datatypes).
        A remote store that cannot write the wanted format (406) is asked for JSON or
        N-Triples instead and its answer is re-serialised.
        """
        analysis = sparql_text.analyse(request.text)
        for service in analysis.services:  # the same SERVICE policy as the embedded store
            if service.endpoint is None:
                self._guard.refuse_variable_endpoint()
            self._guard.check_url(service.endpoint)
        query_form = sparql_text.require_query(analysis)
        wanted = request.result_format
        if wanted.kind != analysis.result_kind:
            raise BadRequest(f"{query_form} results cannot be written as {wanted.name}")
        fallback = _REMOTE_FALLBACK_TYPES[wanted.kind]
        asked = fallback if wanted.name in _REMOTE_RESERIALISED else wanted.media_type
        form = [("query", request.text), *self._dataset(request, analysis)]
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


def open_store(settings: Settings) -> Store:
    """The store ``settings.store`` names: remote (``sparql+http(s)://``), on disk, or memory."""
    if is_remote_store(settings.store):
        return RemoteStore.from_settings(settings)
    return EmbeddedStore(settings)
