"""The link sets hold only verified identifiers, link only like with like, and stay consistent.

The verified identifiers are those of issue 5, copied here as the specification the link
files are checked against: a link to anything else (a guessed Suifenhe item, a typo in a
Q-number) fails.
"""

from __future__ import annotations

from decimal import Decimal

import owlrl
import pytest
import rdflib
from ftzkg.config import CANONICAL_BASE_IRI
from ftzkg.dataset import LINKS_DIR, dataset_sources
from owlrl.Namespaces import ERRNS
from rdflib.namespace import OWL, RDF, RDFS, SKOS

FTZ = rdflib.Namespace(CANONICAL_BASE_IRI + "ontology#")
ID = CANONICAL_BASE_IRI + "id/"
WGS84 = rdflib.Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GEO = rdflib.Namespace("http://www.opengis.net/ont/geosparql#")
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")

VERIFIED_WIKIDATA = {"Q148", "Q159", "Q19206", "Q42956", "Q349983"}
VERIFIED_GEONAMES = {"2037013", "2036973", "2034657", "2036965", "1814991", "2017370"}
VERIFIED_DBPEDIA = {"Harbin", "Heihe", "Suifenhe", "Heilongjiang"}
VERIFIED_TARGETS = (
    {f"http://www.wikidata.org/entity/{item}" for item in VERIFIED_WIKIDATA}
    | {f"https://sws.geonames.org/{feature}/" for feature in VERIFIED_GEONAMES}
    | {f"http://dbpedia.org/resource/{name}" for name in VERIFIED_DBPEDIA}
)
GEONAMES_POINTS = {
    "city/harbin": ("2037013", Decimal("45.75"), Decimal("126.65")),
    "city/heihe": ("2036973", Decimal("50.24413"), Decimal("127.49016")),
    "city/suifenhe": ("2034657", Decimal("44.39982"), Decimal("131.14775")),
}
LINK_PREDICATES = (OWL.sameAs, SKOS.exactMatch, SKOS.closeMatch, RDFS.seeAlso)
SAME_THING_CLASSES = {FTZ.City, FTZ.Province, FTZ.Country}


@pytest.fixture(scope="module")
def graphs(data_dir) -> dict[str, rdflib.Graph]:
    """Each data file as its own rdflib graph, by kind and slug ("links/wikidata")."""
    loaded = {}
    for source in dataset_sources(data_dir):
        graph = rdflib.Graph()
        graph.parse(source.path, format="turtle")
        loaded[f"{source.kind}/{source.slug}"] = graph
    return loaded


@pytest.fixture(scope="module")
def links(graphs) -> rdflib.Graph:
    merged = rdflib.Graph()
    for name, graph in graphs.items():
        if name.startswith("links/"):
            merged += graph
    return merged


@pytest.fixture(scope="module")
def reports(graphs) -> rdflib.Graph:
    merged = rdflib.Graph()
    for name, graph in graphs.items():
        if name.startswith("report/"):
            merged += graph
    return merged


def test_the_three_link_sets_exist_as_files(data_dir):
    names = {path.stem for path in (data_dir / LINKS_DIR).glob("*.ttl")}
    assert {"wikidata", "geonames", "dbpedia"} <= names


def test_every_link_target_is_a_verified_identifier(links):
    targets = {
        str(target) for predicate in LINK_PREDICATES for target in links.objects(None, predicate)
    }
    assert targets, "the link sets hold no links"
    assert targets - VERIFIED_TARGETS == set()


def test_every_verified_identifier_is_used(links):
    targets = {str(target) for target in links.objects(None, OWL.sameAs)}
    assert VERIFIED_TARGETS - targets == set()


def test_suifenhe_has_no_wikidata_link(links):
    suifenhe = rdflib.URIRef(ID + "city/suifenhe")
    wikidata = [target for target in links.objects(suifenhe, None) if "wikidata.org" in str(target)]
    assert wikidata == []


def test_same_as_links_only_cities_provinces_and_countries(links, reports):
    for subject in set(links.subjects(OWL.sameAs, None)):
        types = set(reports.objects(subject, RDF.type))
        assert types & SAME_THING_CLASSES, f"{subject} is linked with owl:sameAs but is a {types}"


def test_no_area_or_zone_is_the_same_as_anything(links, reports):
    areas_and_zones = set(reports.subjects(RDF.type, FTZ.FreeTradeZoneArea)) | set(
        reports.subjects(RDF.type, FTZ.FreeTradeZone)
    )
    assert areas_and_zones, "the report graph names no area"
    assert {subject for subject in links.subjects(OWL.sameAs, None)} & areas_and_zones == set()


def test_every_linked_resource_exists_in_a_report(links, reports):
    linked = {
        subject for predicate in LINK_PREDICATES for subject in links.subjects(predicate, None)
    }
    assert {subject for subject in linked if (subject, None, None) not in reports} == set()


@pytest.mark.parametrize("city", sorted(GEONAMES_POINTS))
def test_each_city_has_the_geonames_point_with_its_source(links, city):
    feature, latitude, longitude = GEONAMES_POINTS[city]
    point = links.value(rdflib.URIRef(ID + city), GEO.hasDefaultGeometry)
    assert point is not None
    assert links.value(point, WGS84.lat).toPython() == latitude
    assert links.value(point, WGS84.long).toPython() == longitude
    assert str(links.value(point, GEO.asWKT)).endswith(f"POINT({longitude} {latitude})")
    assert str(links.value(point, DCTERMS.source)) == f"https://sws.geonames.org/{feature}/"


def test_the_zone_inauguration_is_recorded_with_its_source(links):
    zone = rdflib.URIRef(ID + "zone/china-heilongjiang-pilot-ftz")
    assert links.value(zone, FTZ.establishmentDate) == rdflib.Literal(
        "2019-08-30", datatype=rdflib.XSD.date
    )
    dated = {str(date): event for event, date in links.subject_objects(DCTERMS.date)}
    assert set(dated) == {"2019-08-26", "2019-08-30"}
    for event in dated.values():
        assert (event, DCTERMS.subject, zone) in links
        assert links.value(event, rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))


def owl_rl_problems(graph: rdflib.Graph) -> list[str]:
    closure = rdflib.Graph()
    closure += graph
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    problems = [str(message) for message in closure.objects(None, ERRNS.error)]
    problems += [str(member) for member in closure.subjects(RDF.type, OWL.Nothing)]
    return problems


def _ontology_reports_and_links(graphs) -> rdflib.Graph:
    merged = rdflib.Graph()
    for name, graph in graphs.items():
        if name.split("/")[0] in {"ontology", "report", "links"}:
            merged += graph
    return merged


def test_owl_rl_closure_of_ontology_report_and_links_is_consistent(graphs):
    assert owl_rl_problems(_ontology_reports_and_links(graphs)) == []


def test_owl_rl_closure_catches_an_area_declared_the_same_as_its_city(graphs):
    """The check above can fail: the forbidden link (area = city) makes the closure
    inconsistent, because areas and cities are disjoint classes in the ontology."""
    merged = _ontology_reports_and_links(graphs)
    merged.add(
        (
            rdflib.URIRef(ID + "area/harbin"),
            OWL.sameAs,
            rdflib.URIRef("http://www.wikidata.org/entity/Q42956"),
        )
    )
    assert owl_rl_problems(merged) != []
