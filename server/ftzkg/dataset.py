"""Which data files make which named graph, and reading them as quads.

The dataset is the union of separate named graphs, one per file: the ontology, the shapes,
each report under ``graph/reports/`` and each link set under ``graph/links/``. Graph IRIs
are derived from the file names, so adding a report is adding a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ftzkg.config import CANONICAL_BASE_IRI
from ftzkg.errors import BadRequest

ONTOLOGY_FILE = Path("ontology/ftz.ttl")
SHAPES_FILE = Path("shapes/ftz-shapes.ttl")
REPORTS_DIR = Path("graph/reports")
SOURCES_DIR = Path("graph/sources")
LINKS_DIR = Path("graph/links")
QUERIES_DIR = Path("graph/queries")


@dataclass(frozen=True)
class GraphSource:
    """One named graph of the dataset and the Turtle file it is read from."""

    kind: str  # "ontology", "shapes", "report" or "links"
    slug: str
    path: Path

    def iri(self, base_iri: str = CANONICAL_BASE_IRI) -> str:
        """The named graph's IRI: ``<base>graph/ontology``, ``<base>graph/report/<slug>``…"""
        if self.kind in {"ontology", "shapes"}:
            return f"{base_iri}graph/{self.kind}"
        return f"{base_iri}graph/{self.kind}/{self.slug}"

    def content_hash(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def dataset_sources(data_dir: Path) -> list[GraphSource]:
    """Every graph of the dataset in a stable order: ontology, shapes, reports, link sets."""
    sources = [
        GraphSource("ontology", "ontology", data_dir / ONTOLOGY_FILE),
        GraphSource("shapes", "shapes", data_dir / SHAPES_FILE),
    ]
    for kind, folder in (("report", REPORTS_DIR), ("links", LINKS_DIR)):
        for path in sorted((data_dir / folder).glob("*.ttl")):
            sources.append(GraphSource(kind, path.stem, path))
    return [source for source in sources if source.path.is_file()]


def rebase_term(term: ox.NamedNode, base_iri: str) -> ox.NamedNode:
    """Move an IRI minted under the canonical base to a configured base (identity otherwise)."""
    if base_iri != CANONICAL_BASE_IRI and term.value.startswith(CANONICAL_BASE_IRI):
        return ox.NamedNode(base_iri + term.value[len(CANONICAL_BASE_IRI) :])
    return term


def _rebase(term, base_iri: str):  # type: ignore[no-untyped-def]
    if isinstance(term, ox.NamedNode):
        return rebase_term(term, base_iri)
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(CANONICAL_BASE_IRI):
        return ox.Literal(term.value, datatype=rebase_term(term.datatype, base_iri))
    return term


def read_graph_quads(source: GraphSource, base_iri: str = CANONICAL_BASE_IRI) -> Iterator[ox.Quad]:
    """Parse one source file into quads of its named graph, rebased to ``base_iri``.

    A file that does not parse raises ``BadRequest`` naming the file, line and column.
    """
    graph = ox.NamedNode(source.iri(base_iri))
    try:
        triples = list(ox.parse(path=source.path, format=ox.RdfFormat.TURTLE))
    except SyntaxError as error:
        raise BadRequest(f"{source.path}: {error}") from None
    for quad in triples:
        if base_iri == CANONICAL_BASE_IRI:
            yield ox.Quad(quad.subject, quad.predicate, quad.object, graph)
        else:
            yield ox.Quad(
                _rebase(quad.subject, base_iri),
                _rebase(quad.predicate, base_iri),
                _rebase(quad.object, base_iri),
                graph,
            )
