"""The SPARQL 1.1 Service Description of the endpoint, generated from the store.

A client that GETs the bare endpoint with an RDF ``Accept`` learns what the endpoint speaks
(SPARQL 1.1 Query), which result formats it writes (from the formats registry) and which
dataset it serves (the named graphs and their sizes, asked of the store at request time),
so the description stays true when the data or the registry changes.
"""

from __future__ import annotations

import pyoxigraph as ox

from ftzkg.formats import FORMATS, W3C_FORMATS_NAMESPACE, Format
from ftzkg.store import Store

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
OWL_VERSION_INFO = "http://www.w3.org/2002/07/owl#versionInfo"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ENTAILMENT_NS = "http://www.w3.org/ns/entailment/"

PREFIXES = {"sd": SD, "void": VOID, "formats": W3C_FORMATS_NAMESPACE, "ent": ENTAILMENT_NS}


def _sd(term: str) -> ox.NamedNode:
    return ox.NamedNode(SD + term)


def service_description_triples(
    endpoint_iri: str, store: Store, default_graph_is_union: bool
) -> list[ox.Triple]:
    """The description of the endpoint at ``endpoint_iri`` and of the dataset ``store`` holds."""
    service = ox.NamedNode(endpoint_iri)
    dataset = ox.BlankNode()
    default_graph = ox.BlankNode()
    counts = store.graph_counts()
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("defaultEntailmentRegime"), ox.NamedNode(ENTAILMENT_NS + "Simple")),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        # The dataset version every accepted write bumps, as in /health and the ETags.
        ox.Triple(dataset, ox.NamedNode(OWL_VERSION_INFO), ox.Literal(str(store.version))),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, _sd("Graph")),
    ]
    triples += [
        ox.Triple(service, _sd("resultFormat"), ox.NamedNode(entry.w3c_iri)) for entry in FORMATS
    ]
    if default_graph_is_union:
        triples.append(ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")))
        triples.append(_triple_count(default_graph, sum(counts.values())))
    for graph_iri in store.named_graphs():
        named_graph = ox.BlankNode()
        graph = ox.BlankNode()
        triples += [
            ox.Triple(dataset, _sd("namedGraph"), named_graph),
            ox.Triple(named_graph, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named_graph, _sd("name"), ox.NamedNode(graph_iri)),
            ox.Triple(named_graph, _sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, _sd("Graph")),
            _triple_count(graph, counts.get(graph_iri, 0)),
        ]
    return triples


def _triple_count(graph: ox.BlankNode, count: int) -> ox.Triple:
    return ox.Triple(graph, ox.NamedNode(VOID + "triples"), ox.Literal(count))


def serialize_service_description(triples: list[ox.Triple], rdf_format: Format) -> bytes:
    """The description in ``rdf_format``; dataset formats get it in their default graph."""
    items = (
        [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
        if rdf_format.datasets
        else triples
    )
    return ox.serialize(items, format=rdf_format.oxigraph, prefixes=PREFIXES)
