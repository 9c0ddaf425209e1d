"""The ontology describes every term it defines, aligns with the standard vocabularies, and
stays consistent with the data under an OWL RL closure."""

from __future__ import annotations

import pytest
import rdflib
from ftzkg.dataset import dataset_sources
from ftzkg.validation import Validator, load_source
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

FTZ = rdflib.Namespace("https://w3id.org/ftzkg/ontology#")
ONTOLOGY = rdflib.URIRef("https://w3id.org/ftzkg/ontology")
VANN = rdflib.Namespace("http://purl.org/vocab/vann/")
ALIGNED_NAMESPACES = (
    "https://schema.org/",
    "http://www.w3.org/ns/org#",
    "http://xmlns.com/foaf/0.1/",
    "http://www.w3.org/ns/prov#",
    "http://www.w3.org/2004/02/skos/core#",
    "http://purl.org/dc/terms/",
    "http://www.opengis.net/ont/geosparql#",
    "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "http://www.w3.org/ns/oa#",
)
# Properties used on more than one kind of thing (a city or a zone, an agreement or a
# project…): a domain would wrongly type all of them, so they have none, by design.
WITHOUT_DOMAIN = {
    FTZ.locatedInProvince,
    FTZ.superlative,
    FTZ.firstInCountry,
    FTZ.guidingIdea,
    FTZ.coversField,
    FTZ.partnerCountry,
    FTZ.introducedBy,
    FTZ.dateDerivedBy,
}
# Properties whose value is an area, a country or an organisation: no single class.
WITHOUT_RANGE = {FTZ.party, FTZ.cooperatingParty}


@pytest.fixture(scope="module")
def sources(settings):
    return dataset_sources(settings.data_dir)


@pytest.fixture(scope="module")
def ontology(sources) -> rdflib.Graph:
    (source,) = [source for source in sources if source.kind == "ontology"]
    return load_source(source)


def defined_terms(ontology: rdflib.Graph, *kinds: rdflib.URIRef) -> list[rdflib.URIRef]:
    return sorted(
        {term for kind in kinds for term in ontology.subjects(RDF.type, kind)},
        key=str,
    )


def test_header_names_version_title_description_licence_creator_dates_and_prefix(ontology):
    assert ontology.value(ONTOLOGY, OWL.versionIRI) == rdflib.URIRef(
        "https://w3id.org/ftzkg/ontology/1.0.0"
    )
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator):
        assert ontology.value(ONTOLOGY, prop) is not None, prop
    for prop in (DCTERMS.created, DCTERMS.modified):
        assert ontology.value(ONTOLOGY, prop).datatype == rdflib.XSD.date
    assert str(ontology.value(ONTOLOGY, VANN.preferredNamespacePrefix)) == "ftz"
    assert str(ontology.value(ONTOLOGY, VANN.preferredNamespaceUri)) == str(FTZ)


def test_the_ontology_defines_classes_and_properties(ontology):
    assert len(defined_terms(ontology, OWL.Class)) >= 25
    assert len(defined_terms(ontology, OWL.ObjectProperty, OWL.DatatypeProperty)) >= 40


def test_every_term_is_in_the_ftz_namespace_and_nothing_else_is_defined(ontology):
    subjects = {subject for subject in ontology.subjects() if isinstance(subject, rdflib.URIRef)}
    assert {subject for subject in subjects if not subject.startswith(str(FTZ))} == {ONTOLOGY}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_term_has_one_label_in(ontology, language):
    terms = defined_terms(ontology, OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    missing = [
        term
        for term in terms
        if [label.language for label in ontology.objects(term, RDFS.label)].count(language) != 1
    ]
    assert missing == []


def test_every_term_has_an_english_definition(ontology):
    terms = defined_terms(ontology, OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    missing = [
        term
        for term in terms
        if not any(
            definition.language == "en" and len(definition) > 20
            for definition in ontology.objects(term, SKOS.definition)
        )
    ]
    assert missing == []


def test_every_class_is_a_subclass_of_a_standard_or_ftz_class(ontology):
    unaligned = [
        term
        for term in defined_terms(ontology, OWL.Class)
        if not any(
            str(parent).startswith((*ALIGNED_NAMESPACES, str(FTZ)))
            for parent in ontology.objects(term, RDFS.subClassOf)
        )
    ]
    assert unaligned == []


def test_the_ontology_aligns_with_each_standard_vocabulary(ontology):
    parents = {
        parent
        for axiom in (RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass)
        for parent in ontology.objects(None, axiom)
        if isinstance(parent, rdflib.URIRef)
    }
    for namespace in ALIGNED_NAMESPACES:
        assert any(parent.startswith(namespace) for parent in parents), namespace


def test_properties_have_a_domain_and_range_unless_documented_otherwise(ontology):
    properties = defined_terms(ontology, OWL.ObjectProperty, OWL.DatatypeProperty)
    without_domain = {term for term in properties if ontology.value(term, RDFS.domain) is None}
    without_range = {term for term in properties if ontology.value(term, RDFS.range) is None}
    assert without_domain == WITHOUT_DOMAIN
    assert without_range == WITHOUT_RANGE


def test_datatype_properties_have_a_datatype_range(ontology):
    for term in defined_terms(ontology, OWL.DatatypeProperty):
        assert str(ontology.value(term, RDFS.range)).startswith(
            ("http://www.w3.org/2001/XMLSchema#", str(RDF))
        ), term


def test_every_ftz_term_the_graphs_use_is_defined(ontology, sources):
    defined = set(ontology.subjects(RDF.type, None))
    used = set()
    for source in sources:
        if source.kind in {"report", "links"}:
            graph = load_source(source)
            used |= {term for term in graph.predicates() if term.startswith(str(FTZ))}
            used |= {term for term in graph.objects(None, RDF.type) if term.startswith(str(FTZ))}
    assert used - defined == set()


def test_owl_rl_closure_of_ontology_and_all_graphs_is_consistent(ontology, sources):
    shapes = load_source(next(source for source in sources if source.kind == "shapes"))
    data = rdflib.Graph()
    for source in sources:
        if source.kind in {"report", "links"}:
            data += load_source(source)
    assert Validator(ontology, shapes).owl_rl_inconsistencies(data) == []
