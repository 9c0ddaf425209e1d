"""Exports of the dataset (or one named graph) as files other triple stores load cleanly.

Blank nodes are replaced by skolem IRIs that depend only on the graph's content (RDF
Dataset Canonicalization, RDFC-1.0, per named graph), so exporting twice gives the same
IRIs and loading an export again into a store adds nothing: a re-load is idempotent, which
it could not be with blank nodes (each load would mint new ones).

The quads come from the data files through ``dataset.read_graph_quads`` when no store is
configured, or from a store's ``quads()`` (on-disk or remote), so there is no second copy
of the loading logic here.
"""

from __future__ import annotations

import gzip
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from tqdm import tqdm

from ftzkg.config import Settings
from ftzkg.dataset import GraphSource, dataset_sources, read_graph_quads
from ftzkg.errors import BadRequest, NotFound
from ftzkg.formats import GRAPH, Format, format_by_name, formats_for
from ftzkg.namespaces import all_prefixes
from ftzkg.progress import progress_wanted
from ftzkg.store import Store

EXPORT_FORMATS = ("nquads", "trig", "turtle", "ntriples", "jsonld")


def skolem_namespace(graph_iri: str, base_iri: str) -> str:
    """Where the skolem IRIs of one graph live: ``<base>genid/<graph path>/``.

    The graph's own path keeps the IRIs of different graphs apart, and ``genid`` follows the
    RDF 1.1 convention for skolem IRIs so a reader recognises them.
    """
    graph_path = graph_iri[len(base_iri) :] if graph_iri.startswith(base_iri) else graph_iri
    graph_path = graph_path.removeprefix("graph/")
    safe = "".join(c if c.isalnum() or c in "-._~/" else "_" for c in graph_path)
    return f"{base_iri}genid/{safe}/"


def skolemise_graph(quads: list[ox.Quad], namespace: str) -> list[ox.Quad]:
    """Replace every blank node of one graph by ``namespace`` + its RDFC-1.0 canonical label.

    A graph without blank nodes is returned unchanged, in file order, at no cost.
    """

    def has_blank(quad: ox.Quad) -> bool:
        return isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)

    if not any(has_blank(quad) for quad in quads):
        return quads
    canonical = ox.Dataset(quads)
    canonical.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)

    def skolem(term):  # type: ignore[no-untyped-def]
        if isinstance(term, ox.BlankNode):
            return ox.NamedNode(namespace + term.value)
        return term

    skolemised = [
        ox.Quad(skolem(quad.subject), quad.predicate, skolem(quad.object), quad.graph_name)
        for quad in canonical
    ]
    # A Dataset iterates in no fixed order; sorting makes two exports byte-identical.
    skolemised.sort(key=str)
    return skolemised


WKT_LITERAL = "http://www.opengis.net/ont/geosparql#wktLiteral"
DEFAULT_CRS_PREFIX = "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"


def without_default_crs(quad: ox.Quad) -> ox.Quad:
    """The same quad with a CRS84 ``geo:wktLiteral`` written without its CRS IRI.

    GeoSPARQL makes CRS84 the default, so ``"<…CRS84> POINT(x y)"`` and ``"POINT(x y)"``
    denote the same geometry; Virtuoso 7 rejects the first form ("RDFGE: RDF box with a
    geometry RDF type and a non-geometry content", openlink/virtuoso-opensource#1307).
    """
    term = quad.object
    if (
        isinstance(term, ox.Literal)
        and term.datatype.value == WKT_LITERAL
        and term.value.startswith(DEFAULT_CRS_PREFIX)
    ):
        plain = ox.Literal(term.value[len(DEFAULT_CRS_PREFIX) :].strip(), datatype=term.datatype)
        return ox.Quad(quad.subject, quad.predicate, plain, quad.graph_name)
    return quad


def file_graphs(settings: Settings) -> dict[str, GraphSource]:
    """The dataset's named graphs as read from the data files, by graph IRI."""
    return {source.iri(settings.base_iri): source for source in dataset_sources(settings.data_dir)}


def _quads_per_graph(
    settings: Settings, graph_iri: str | None, store: Store | None
) -> Iterator[tuple[str, list[ox.Quad]]]:
    if store is not None:
        graphs = store.named_graphs()
    else:
        sources = file_graphs(settings)
        graphs = list(sources)
    if graph_iri is not None:
        if graph_iri not in graphs:
            known = ", ".join(graphs) or "none"
            raise NotFound(f"no named graph <{graph_iri}>; the dataset has: {known}")
        graphs = [graph_iri]
    for graph in graphs:
        if store is not None:
            quads = list(store.quads(graph))
        else:
            quads = list(read_graph_quads(sources[graph], settings.base_iri))
        yield graph, quads


def skolemised_quads(
    settings: Settings,
    graph_iri: str | None = None,
    store: Store | None = None,
    plain_wkt: bool = False,
) -> Iterator[tuple[str, list[ox.Quad]]]:
    """Each named graph (or the one asked for) with its quads, blank nodes skolemised.

    ``plain_wkt`` writes CRS84 geometries without their CRS IRI, for Virtuoso 7.
    """
    for graph, quads in _quads_per_graph(settings, graph_iri, store):
        skolemised = skolemise_graph(quads, skolem_namespace(graph, settings.base_iri))
        if plain_wkt:
            skolemised = [without_default_crs(quad) for quad in skolemised]
        yield graph, skolemised


PLAIN_LOCAL_NAME = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?")


def unescaped_prefixes(quads: Iterable[ox.Quad], candidates: dict[str, str]) -> dict[str, str]:
    """The candidate prefixes under which every IRI of ``quads`` has a plain local name.

    A prefix whose local names would need backslash escapes (``ftzr:area\\/harbin``) is
    left out, so those IRIs are written in full: Virtuoso 7's Turtle and TriG loader keeps
    such escapes in the IRI instead of removing them, silently creating other resources.
    """
    usable = dict(candidates)
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if not isinstance(term, ox.NamedNode):
                continue
            for name, namespace in list(usable.items()):
                local = term.value[len(namespace) :]
                if (
                    term.value.startswith(namespace)
                    and local
                    and not PLAIN_LOCAL_NAME.fullmatch(local)
                ):
                    del usable[name]
    return usable


def export_format(name: str | None, output_path: Path | None) -> Format:
    """The export format named by ``--format``, else guessed from the output file's suffix."""
    usable = [entry for entry in formats_for(GRAPH) if entry.name in EXPORT_FORMATS]
    if name is None:
        if output_path is None:
            return format_by_name("nquads")
        suffixes = [s.lstrip(".") for s in output_path.suffixes if s != ".gz"]
        for entry in usable:
            if suffixes and suffixes[-1] == entry.extension:
                return entry
        raise BadRequest(
            f"cannot tell the format from '{output_path.name}': give --format "
            + "|".join(EXPORT_FORMATS)
        )
    chosen = format_by_name(name)
    if chosen not in usable:
        raise BadRequest(f"cannot export as '{name}': use one of {', '.join(EXPORT_FORMATS)}")
    return chosen


def _progress(quads: Iterable[ox.Quad], enabled: bool) -> Iterable[ox.Quad]:
    return tqdm(quads, desc="export", unit=" quads", disable=not enabled, file=sys.stderr)


def write_export(
    output: BinaryIO,
    settings: Settings,
    rdf_format: Format,
    graph_iri: str | None = None,
    store: Store | None = None,
    progress: bool = False,
    plain_wkt: bool = False,
) -> None:
    """Write the export to a binary stream (Turtle and TriG with the project's prefixes).

    Turtle and TriG read the data twice (once to choose prefixes), the other formats stream.

    Triple formats (Turtle, N-Triples) cannot name graphs: they receive the triples of the
    one graph asked for, or of every graph (the union a query sees by default).
    """
    prefixes = None
    if rdf_format.name in ("turtle", "trig"):
        everything = skolemised_quads(settings, graph_iri, store, plain_wkt)
        prefixes = unescaped_prefixes(
            (quad for _, graph_quads in everything for quad in graph_quads),
            all_prefixes(settings.base_iri),
        )
    graphs = skolemised_quads(settings, graph_iri, store, plain_wkt)
    quads = _progress((quad for _, graph_quads in graphs for quad in graph_quads), progress)
    items: Iterable[ox.Quad | ox.Triple] = quads
    if not rdf_format.datasets and rdf_format.name != "jsonld":
        items = (quad.triple for quad in quads)
    ox.serialize(
        items,
        output,
        rdf_format.oxigraph,
        prefixes=prefixes,
    )


def export_to_file(
    path: Path | None,
    settings: Settings,
    rdf_format: Format,
    graph_iri: str | None = None,
    store: Store | None = None,
    plain_wkt: bool = False,
) -> None:
    """Write the export to ``path`` (gzip-compressed when it ends ``.gz``) or to stdout.

    The file is written under a temporary name and renamed at the end, so a failed export
    never leaves a half-written file where a complete one was expected.
    """
    with ExitStack() as stack:
        if path is None:
            write_export(
                sys.stdout.buffer, settings, rdf_format, graph_iri, store, plain_wkt=plain_wkt
            )
            sys.stdout.buffer.flush()
            return
        partial = path.with_name(path.name + ".partial")
        try:
            raw = stack.enter_context(partial.open("wb"))
            output: BinaryIO = raw
            if path.suffix == ".gz":
                output = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="wb", mtime=0))
            progress = progress_wanted()
            write_export(output, settings, rdf_format, graph_iri, store, progress, plain_wkt)
            stack.close()
            partial.replace(path)
        except BaseException:
            stack.close()
            partial.unlink(missing_ok=True)
            raise
