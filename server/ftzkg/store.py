"""The store interface the HTTP layer, the CLI and the tests talk to, and its implementations.

``Store`` is deliberately small: load and replace named graphs, run a query to bytes in a
chosen format, run an update, export, list and count graphs. ``EmbeddedStore`` keeps the data
in pyoxigraph (in memory or on disk) and evaluates queries in killable worker processes;
``RemoteStore`` (later) forwards to another SPARQL 1.1 store.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import pyoxigraph as ox

from ftzkg.formats import Format


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
