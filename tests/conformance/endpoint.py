"""The endpoint under test: the real Flask app, reached over HTTP through its test client.

One app and one store serve the whole run; before each test the store's dataset is replaced
with the test's data (the default graph from ``qt:data``, named graphs from ``qt:graphData``
and the files a query's ``FROM`` names). Building a store per test would also start a pool of
query worker processes per test, which costs far more than the tests themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

RDF_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
}


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


class W3CEndpoint:
    """What a test may do: replace the dataset, and send requests to ``/sparql``."""

    endpoint_url = "http://localhost/sparql"

    def __init__(self, client, replace_dataset) -> None:  # type: ignore[no-untyped-def]
        self._client = client
        self._replace_dataset = replace_dataset
        self._loaded: tuple | None = None

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
        self._replace_dataset(quads)
        self._loaded = wanted

    def send(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> HttpAnswer:
        response = self._client.open(path, method=method, headers=dict(headers), data=body)
        return HttpAnswer(response.status_code, response.content_type or "", response.get_data())

    def post_query(self, query: str, accept: str) -> HttpAnswer:
        return self.send(
            "POST",
            "/sparql",
            {"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
            query.encode("utf-8"),
        )

    def get_query(self, query: str, accept: str) -> HttpAnswer:
        return self.send("GET", "/sparql?" + urlencode({"query": query}), {"Accept": accept}, None)
