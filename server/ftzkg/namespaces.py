"""The prefixes ftzkg declares: for the query page, the Turtle it writes and readable names.

One table, so the query page, the dataset descriptions and the resource pages abbreviate
IRIs the same way. The project's own prefixes follow the configured base IRI.
"""

from __future__ import annotations

STANDARD_PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "sf": "http://www.opengis.net/ont/sf#",
    "wgs84": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "sh": "http://www.w3.org/ns/shacl#",
    "void": "http://rdfs.org/ns/void#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "vann": "http://purl.org/vocab/vann/",
    "wd": "http://www.wikidata.org/entity/",
    "dbr": "http://dbpedia.org/resource/",
    "gn": "https://sws.geonames.org/",
}


def project_prefixes(base_iri: str) -> dict[str, str]:
    """The prefixes of the graph's own namespaces under ``base_iri``."""
    return {
        "ftz": f"{base_iri}ontology#",
        "ftzr": f"{base_iri}id/",
        "ftzsh": f"{base_iri}shapes#",
    }


def all_prefixes(base_iri: str) -> dict[str, str]:
    """Project prefixes first, then the standard vocabularies."""
    return {**project_prefixes(base_iri), **STANDARD_PREFIXES}


def sparql_prologue(prefixes: dict[str, str]) -> str:
    """``PREFIX`` lines declaring ``prefixes``, one per line."""
    return "".join(f"PREFIX {name}: <{namespace}>\n" for name, namespace in prefixes.items())


def compact(iri: str, prefixes: dict[str, str]) -> str:
    """``prefix:local`` for an IRI in a known namespace, else the IRI itself.

    The longest matching namespace wins, so ``ftzr:city/harbin`` is preferred to a shorter
    match; the result is for display, not for re-parsing.
    """
    best = ""
    best_name = ""
    for name, namespace in prefixes.items():
        if iri.startswith(namespace) and len(namespace) > len(best):
            best, best_name = namespace, name
    if not best or iri == best:
        return iri
    return f"{best_name}:{iri[len(best) :]}"
