"""Descriptions of the dataset for crawlers and catalogues: VoID, DCAT and schema.org.

Everything that can change with the data (counts, classes, properties, link sets, example
resources, the licence, the dumps) is asked of the store when the description is built, so
the descriptions stay true when a report or a link set is added. Only what names the
service itself (its title, the external datasets' home pages) is written here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

from ftzkg.dumps import Dump
from ftzkg.namespaces import STANDARD_PREFIXES, all_prefixes
from ftzkg.store import Store
from ftzkg.store_reading import iri, select

TITLE = "ftzkg: the China (Heilongjiang) Pilot Free Trade Zone knowledge graph"
DESCRIPTION = (
    "A knowledge graph of news reports on the China (Heilongjiang) Pilot Free Trade Zone "
    "and its Harbin, Heihe and Suifenhe areas, every fact traceable to the sentence it "
    "comes from, linked to Wikidata, GeoNames and DBpedia."
)
LINK_PREDICATES = (
    "http://www.w3.org/2002/07/owl#sameAs",
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://www.w3.org/2004/02/skos/core#closeMatch",
    "http://www.w3.org/2000/01/rdf-schema#seeAlso",
)


@dataclass(frozen=True)
class ExternalDataset:
    """A dataset our link sets point into, recognised by the namespace of its IRIs."""

    name: str
    uri_space: str
    homepage: str
    sparql_endpoint: str | None = None


EXTERNAL_DATASETS = (
    ExternalDataset(
        "wikidata",
        "http://www.wikidata.org/entity/",
        "https://www.wikidata.org/",
        "https://query.wikidata.org/sparql",
    ),
    ExternalDataset("geonames", "https://sws.geonames.org/", "https://www.geonames.org/"),
    ExternalDataset(
        "dbpedia",
        "http://dbpedia.org/resource/",
        "https://www.dbpedia.org/",
        "https://dbpedia.org/sparql",
    ),
)


@dataclass(frozen=True)
class Linkset:
    graph_iri: str
    link_predicate: str
    target: ExternalDataset
    triples: int


@dataclass
class DatasetFacts:
    """What the store says about itself, gathered once per description."""

    triples: int = 0
    distinct_subjects: int = 0
    distinct_objects: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)
    graphs: dict[str, int] = field(default_factory=dict)
    linksets: list[Linkset] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    license: str | None = None
    places: list[tuple[str, str, float, float]] = field(default_factory=list)


def _int(row: dict, name: str) -> int:
    return int(row[name].value) if name in row else 0


def gather_facts(store: Store, base_iri: str) -> DatasetFacts:
    """Ask the store for the counts, partitions, link sets and examples of the dataset."""
    facts = DatasetFacts()
    distinct = "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    totals = select(
        store,
        "SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) "
        f"(COUNT(DISTINCT ?o) AS ?objects) WHERE {{ {{ {distinct} }} }}",
    )[0]
    facts.triples = _int(totals, "triples")
    facts.distinct_subjects = _int(totals, "subjects")
    facts.distinct_objects = _int(totals, "objects")
    for row in select(
        store,
        "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?class } "
        "FILTER(isIRI(?class)) } GROUP BY ?class ORDER BY ?class",
    ):
        facts.classes[row["class"].value] = _int(row, "n")
    for row in select(
        store, f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ {{ {distinct} }} }} GROUP BY ?p ORDER BY ?p"
    ):
        facts.properties[row["p"].value] = _int(row, "n")
    for row in select(
        store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
    ):
        facts.graphs[row["g"].value] = _int(row, "n")
    predicates = " ".join(iri(predicate) for predicate in LINK_PREDICATES)
    links: Counter[tuple[str, str, ExternalDataset]] = Counter()
    for row in select(
        store,
        f"SELECT ?g ?p ?o WHERE {{ VALUES ?p {{ {predicates} }} GRAPH ?g {{ ?s ?p ?o }} "
        f'FILTER(STRSTARTS(STR(?g), "{base_iri}graph/links/") && isIRI(?o)) }}',
    ):
        for known in EXTERNAL_DATASETS:
            if row["o"].value.startswith(known.uri_space):
                links[(row["g"].value, row["p"].value, known)] += 1
    facts.linksets = [Linkset(*key, triples=count) for key, count in links.items()]
    facts.linksets.sort(key=lambda linkset: (linkset.graph_iri, linkset.link_predicate))
    for row in select(
        store,
        "SELECT ?class (MIN(STR(?s)) AS ?example) WHERE { GRAPH ?g { ?s a ?class } "
        f'FILTER(STRSTARTS(STR(?s), "{base_iri}id/")) }} GROUP BY ?class ORDER BY ?class',
    ):
        example = row["example"].value
        if example not in facts.examples:
            facts.examples.append(example)
    license_rows = select(
        store,
        "SELECT ?license WHERE { GRAPH ?g { ?ontology a <http://www.w3.org/2002/07/owl#Ontology> ;"
        " <http://purl.org/dc/terms/license> ?license } } LIMIT 1",
    )
    if license_rows:
        facts.license = license_rows[0]["license"].value
    for row in select(
        store,
        "PREFIX geo: <http://www.opengis.net/ont/geosparql#> "
        "PREFIX wgs84: <http://www.w3.org/2003/01/geo/wgs84_pos#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?place (SAMPLE(?name) AS ?label) (SAMPLE(?latitude) AS ?lat) "
        "(SAMPLE(?longitude) AS ?long) WHERE { ?place geo:hasDefaultGeometry ?point . "
        "?point wgs84:lat ?latitude ; wgs84:long ?longitude . "
        'OPTIONAL { ?place rdfs:label ?name FILTER(LANGMATCHES(LANG(?name), "en")) } } '
        "GROUP BY ?place ORDER BY ?place",
    ):
        label = row["label"].value if "label" in row else row["place"].value
        facts.places.append(
            (row["place"].value, label, float(row["lat"].value), float(row["long"].value))
        )
    return facts


VOID = STANDARD_PREFIXES["void"]
DCAT = STANDARD_PREFIXES["dcat"]
DCTERMS = STANDARD_PREFIXES["dcterms"]
RDF_TYPE = ox.NamedNode(STANDARD_PREFIXES["rdf"] + "type")
FOAF_HOMEPAGE = ox.NamedNode(STANDARD_PREFIXES["foaf"] + "homepage")


def _n(namespace: str, local: str) -> ox.NamedNode:
    return ox.NamedNode(namespace + local)


def _count(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(STANDARD_PREFIXES["xsd"] + "integer"))


@dataclass(frozen=True)
class SiteUrls:
    """Where this server answers: the description links to its endpoint and its dumps."""

    root: str  # ends with "/"

    @property
    def void_document(self) -> str:
        return f"{self.root}.well-known/void"

    @property
    def dataset(self) -> str:
        return f"{self.void_document}#dataset"

    @property
    def sparql(self) -> str:
        return f"{self.root}sparql"

    def dump(self, dump: Dump) -> str:
        return f"{self.root}dumps/{dump.file_name}"


def void_and_dcat(
    facts: DatasetFacts, dumps: list[Dump], sizes: dict[str, int], urls: SiteUrls, base_iri: str
) -> list[ox.Triple]:
    """The VoID description of the dataset, which is also its DCAT description."""
    dataset = ox.NamedNode(urls.dataset)
    triples: list[ox.Triple] = []

    def add(subject, predicate: ox.NamedNode, value) -> None:  # type: ignore[no-untyped-def]
        triples.append(ox.Triple(subject, predicate, value))

    document = ox.NamedNode(urls.void_document)
    add(document, RDF_TYPE, _n(VOID, "DatasetDescription"))
    add(document, _n(DCTERMS, "title"), ox.Literal(f"VoID and DCAT description of {TITLE}"))
    add(document, ox.NamedNode(STANDARD_PREFIXES["foaf"] + "primaryTopic"), dataset)
    for type_ in (_n(VOID, "Dataset"), _n(DCAT, "Dataset")):
        add(dataset, RDF_TYPE, type_)
    add(dataset, _n(DCTERMS, "title"), ox.Literal(TITLE, language="en"))
    add(dataset, _n(DCTERMS, "description"), ox.Literal(DESCRIPTION, language="en"))
    if facts.license:
        add(dataset, _n(DCTERMS, "license"), ox.NamedNode(facts.license))
    add(dataset, FOAF_HOMEPAGE, ox.NamedNode(urls.root))
    add(dataset, _n(DCAT, "landingPage"), ox.NamedNode(urls.root))
    add(dataset, _n(VOID, "sparqlEndpoint"), ox.NamedNode(urls.sparql))
    add(dataset, _n(VOID, "uriSpace"), ox.Literal(f"{base_iri}id/"))
    add(dataset, _n(VOID, "triples"), _count(facts.triples))
    add(dataset, _n(VOID, "distinctSubjects"), _count(facts.distinct_subjects))
    add(dataset, _n(VOID, "distinctObjects"), _count(facts.distinct_objects))
    add(dataset, _n(VOID, "classes"), _count(len(facts.classes)))
    add(dataset, _n(VOID, "properties"), _count(len(facts.properties)))
    for example in facts.examples:
        add(dataset, _n(VOID, "exampleResource"), ox.NamedNode(example))
    for namespace in sorted({*all_prefixes(base_iri).values()}):
        if any(term.startswith(namespace) for term in (*facts.properties, *facts.classes)):
            add(dataset, _n(VOID, "vocabulary"), ox.NamedNode(namespace))
    for class_iri, entities in facts.classes.items():
        partition = ox.BlankNode()
        add(dataset, _n(VOID, "classPartition"), partition)
        add(partition, _n(VOID, "class"), ox.NamedNode(class_iri))
        add(partition, _n(VOID, "entities"), _count(entities))
    for property_iri, count in facts.properties.items():
        partition = ox.BlankNode()
        add(dataset, _n(VOID, "propertyPartition"), partition)
        add(partition, _n(VOID, "property"), ox.NamedNode(property_iri))
        add(partition, _n(VOID, "triples"), _count(count))
    for graph_iri, count in facts.graphs.items():
        subset = ox.NamedNode(graph_iri)
        add(dataset, _n(VOID, "subset"), subset)
        add(subset, RDF_TYPE, _n(VOID, "Dataset"))
        add(subset, _n(VOID, "triples"), _count(count))
        add(subset, _n(VOID, "inDataset"), dataset)
    targets = {linkset.target for linkset in facts.linksets}
    for target in sorted(targets, key=lambda known: known.name):
        node = ox.NamedNode(f"{urls.void_document}#{target.name}")
        add(node, RDF_TYPE, _n(VOID, "Dataset"))
        add(node, _n(DCTERMS, "title"), ox.Literal(target.name.capitalize()))
        add(node, FOAF_HOMEPAGE, ox.NamedNode(target.homepage))
        add(node, _n(VOID, "uriSpace"), ox.Literal(target.uri_space))
        if target.sparql_endpoint:
            add(node, _n(VOID, "sparqlEndpoint"), ox.NamedNode(target.sparql_endpoint))
    for linkset in facts.linksets:
        predicate_name = linkset.link_predicate.rsplit("#", 1)[-1]
        node = ox.NamedNode(f"{urls.void_document}#links-{target_slug(linkset)}-{predicate_name}")
        add(node, RDF_TYPE, _n(VOID, "Linkset"))
        add(dataset, _n(VOID, "subset"), node)
        add(node, _n(VOID, "subjectsTarget"), dataset)
        add(
            node,
            _n(VOID, "objectsTarget"),
            ox.NamedNode(f"{urls.void_document}#{linkset.target.name}"),
        )
        add(node, _n(VOID, "linkPredicate"), ox.NamedNode(linkset.link_predicate))
        add(node, _n(VOID, "triples"), _count(linkset.triples))
        add(node, _n(DCTERMS, "isPartOf"), ox.NamedNode(linkset.graph_iri))
    for dump in dumps:
        url = ox.NamedNode(urls.dump(dump))
        if dump.graph_iri is None:
            add(dataset, _n(VOID, "dataDump"), url)
        distribution = ox.NamedNode(f"{urls.void_document}#dump-{dump.file_name}")
        add(dataset, _n(DCAT, "distribution"), distribution)
        add(distribution, RDF_TYPE, _n(DCAT, "Distribution"))
        add(distribution, _n(DCTERMS, "title"), ox.Literal(_dump_title(dump), language="en"))
        add(distribution, _n(DCAT, "downloadURL"), url)
        add(distribution, _n(DCAT, "accessURL"), url)
        add(distribution, _n(DCAT, "mediaType"), _iana(dump.media_type))
        if dump.gzipped:
            add(distribution, _n(DCAT, "compressFormat"), _iana(dump.media_type))
            add(distribution, _n(DCAT, "packageFormat"), _iana(dump.encoding_format))
        if dump.file_name in sizes:
            add(distribution, _n(DCAT, "byteSize"), _count(sizes[dump.file_name]))
    service = ox.NamedNode(f"{urls.void_document}#sparql-service")
    add(service, RDF_TYPE, _n(DCAT, "DataService"))
    add(service, _n(DCTERMS, "title"), ox.Literal("SPARQL 1.1 endpoint", language="en"))
    add(service, _n(DCAT, "endpointURL"), ox.NamedNode(urls.sparql))
    add(service, _n(DCAT, "servesDataset"), dataset)
    add(
        service,
        _n(DCTERMS, "conformsTo"),
        ox.NamedNode("https://www.w3.org/TR/sparql11-protocol/"),
    )
    return triples


def target_slug(linkset: Linkset) -> str:
    return linkset.graph_iri.rstrip("/").rsplit("/", 1)[-1]


def _iana(media_type: str) -> ox.NamedNode:
    return ox.NamedNode(f"https://www.iana.org/assignments/media-types/{media_type}")


def _dump_title(dump: Dump) -> str:
    if dump.graph_iri is None:
        return f"the whole dataset as {dump.encoding_format}" + (" (gzip)" if dump.gzipped else "")
    return f"the named graph <{dump.graph_iri}> as {dump.encoding_format}"


def schema_org_dataset(facts: DatasetFacts, dumps: list[Dump], urls: SiteUrls) -> dict[str, object]:
    """The schema.org ``Dataset`` the home page embeds as JSON-LD, for search engines."""
    description: dict[str, object] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": urls.dataset,
        "name": TITLE,
        "description": DESCRIPTION,
        "url": urls.root,
        "isAccessibleForFree": True,
        "keywords": ["free trade zone", "Heilongjiang", "Harbin", "Heihe", "Suifenhe", "Russia"],
        "variableMeasured": [
            {"@type": "PropertyValue", "name": "triples", "value": facts.triples},
            {
                "@type": "PropertyValue",
                "name": "distinct subjects",
                "value": facts.distinct_subjects,
            },
        ],
        "distribution": [
            {
                "@type": "DataDownload",
                "name": _dump_title(dump),
                "contentUrl": urls.dump(dump),
                "encodingFormat": dump.encoding_format,
            }
            for dump in dumps
        ],
        "subjectOf": {"@type": "CreativeWork", "url": urls.void_document},
    }
    if facts.license:
        description["license"] = facts.license
    if facts.places:
        description["spatialCoverage"] = [
            {
                "@type": "Place",
                "@id": place,
                "name": name,
                "geo": {"@type": "GeoCoordinates", "latitude": lat, "longitude": long},
            }
            for place, name, lat, long in facts.places
        ]
    return description
