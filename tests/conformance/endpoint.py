"""The endpoint under test: the real Flask app, reached over HTTP through its test client.

One app and one ``EmbeddedStore`` serve the whole run; before each test the store's dataset is
replaced with the test's data (the default graph from ``qt:data``, named graphs from
``qt:graphData`` and the files a query's ``FROM`` names). Building a store per test would
also start a pool of query worker processes per test, which costs far more than the tests.
The app runs with ``default_graph_as_union=False``, so a query sees the store's real default
graph, as the suites require, and with the result cache off, so every answer is evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from ftzkg.config import Settings
from ftzkg.store import EmbeddedStore
from ftzkg.web import create_app

RDF_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
}


class ServerError(AssertionError):
    """The endpoint answered 5xx: never acceptable for these requests, whatever the engine.

    Kept apart from ``ConformanceFailure`` so that a test expected to fail because of the
    engine still fails loudly when the endpoint breaks down on it instead of answering.
    """


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    content_type: str
    body: bytes

    @property
    def media_type(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def read_quads(path: Path, graph_name: ox.NamedNode | ox.DefaultGraph) -> list[ox.Quad]:
    """The triples of a data file, placed in ``graph_name``, relative IRIs against the file.

    Blank nodes get fresh identifiers, so two files' ``_:a`` stay two nodes, as when the
    graphs of a dataset are loaded from separate documents.
    """
    parsed = ox.parse(
        path.read_bytes(),
        RDF_FORMATS[path.suffix],
        base_iri=path.resolve().as_uri(),
        rename_blank_nodes=True,
    )
    return [ox.Quad(quad.subject, quad.predicate, quad.object, graph_name) for quad in parsed]


class W3CStore(EmbeddedStore):
    """The embedded store, able to replace its whole dataset, default graph included.

    ``Store.replace_graphs`` writes named graphs only, and the suites put most of their data
    in the default graph. This does what ``replace_graphs`` does (drain the workers, write,
    start workers that see the new version) for the whole dataset; it uses the store's own
    internals and is the one place the harness reaches past the ``Store`` interface.
    """

    def replace_dataset(self, quads: list[ox.Quad]) -> None:
        with self._lock:
            self._drain_pool()
            try:
                self._handle.clear()
                self._handle.extend(quads)
                self._version += 1
            finally:
                self._facts = self._read_facts()
                self._pool = self._start_pool()


def harness_settings(empty_data_dir: Path) -> Settings:
    """Settings for the W3C run: a real default graph, no cache, no project data loaded."""
    return Settings.from_env(
        {},
        data_dir=empty_data_dir,
        default_graph_as_union=False,
        cache_results=False,
        workers=1,
        query_timeout=20.0,
    )


class W3CEndpoint:
    """What a test may do: replace the dataset, and send requests to ``/sparql``."""

    endpoint_url = "http://localhost/sparql"

    def __init__(self, empty_data_dir: Path) -> None:
        settings = harness_settings(empty_data_dir)
        self.store = W3CStore(settings)
        self._client = create_app(settings, self.store).test_client()
        self._loaded: tuple | None = None

    def close(self) -> None:
        self.store.close()

    def load(self, default_files: Iterable[Path], named_files: Mapping[str, Path]) -> None:
        """Make the store hold exactly these graphs (kept when the next test uses the same)."""
        wanted = (tuple(default_files), tuple(sorted(named_files.items())))
        if wanted == self._loaded:
            return
        quads = []
        for path in wanted[0]:
            quads.extend(read_quads(path, ox.DefaultGraph()))
        for iri, path in wanted[1]:
            quads.extend(read_quads(path, ox.NamedNode(iri)))
        self.store.replace_dataset(quads)
        self._loaded = wanted

    def send(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> HttpAnswer:
        response = self._client.open(path, method=method, headers=dict(headers), data=body)
        answer = HttpAnswer(response.status_code, response.content_type or "", response.get_data())
        if answer.status >= 500:
            raise ServerError(f"{method} {path[:100]}: HTTP {answer.status}: {answer.text[:300]}")
        return answer

    def post_query(self, query: str, accept: str) -> HttpAnswer:
        return self.send(
            "POST",
            "/sparql",
            {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
            query.encode("utf-8"),
        )

    def get_query(self, query: str, accept: str) -> HttpAnswer:
        return self.send("GET", "/sparql?" + urlencode({"query": query}), {"Accept": accept}, None)
