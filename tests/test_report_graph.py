"""The report graph is traceable to the sentence, and holds only what the report states.

The segments select the source text by Unicode code-point offsets (Python ``str`` indices);
their recorded quotes must be exactly the characters at those offsets.
"""

from __future__ import annotations

import pytest
import rdflib
from ftzkg.dataset import SOURCES_DIR, dataset_sources
from ftzkg.validation import load_source
from rdflib.namespace import DCTERMS, RDF, RDFS

SLUG = "2021-08-18-heilongjiang-ftz-three-areas"
FTZ = rdflib.Namespace("https://w3id.org/ftzkg/ontology#")
OA = rdflib.Namespace("http://www.w3.org/ns/oa#")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
ID = "https://w3id.org/ftzkg/id/"
REPORT = rdflib.URIRef(f"{ID}report/{SLUG}")
SOURCE = rdflib.URIRef(f"{ID}source/{SLUG}")
SEGMENTS = f"{ID}segment/{SLUG}/"
# The only resources that may carry a Chinese label: places, the zone and its areas.
STANDARD_CHINESE_NAMES = {
    f"{ID}zone/china-heilongjiang-pilot-ftz": "中国（黑龙江）自由贸易试验区",
    f"{ID}area/harbin": "哈尔滨片区",
    f"{ID}area/heihe": "黑河片区",
    f"{ID}area/suifenhe": "绥芬河片区",
    f"{ID}city/harbin": "哈尔滨",
    f"{ID}city/heihe": "黑河",
    f"{ID}city/suifenhe": "绥芬河",
    f"{ID}province/heilongjiang": "黑龙江省",
    f"{ID}country/china": "中国",
    f"{ID}country/russia": "俄罗斯",
}


@pytest.fixture(scope="module")
def graph(settings) -> rdflib.Graph:
    (source,) = [
        source
        for source in dataset_sources(settings.data_dir)
        if source.kind == "report" and source.slug == SLUG
    ]
    return load_source(source)


@pytest.fixture(scope="module")
def text(settings) -> str:
    return (settings.data_dir / SOURCES_DIR / f"{SLUG}.txt").read_text(encoding="utf-8")


def segments(graph: rdflib.Graph) -> list[tuple[rdflib.URIRef, int, int, str]]:
    """Every segment with its start, end and exact quote."""
    found = []
    for segment in graph.subjects(OA.hasSource, SOURCE):
        position = selector(graph, segment, OA.TextPositionSelector)
        quote = selector(graph, segment, OA.TextQuoteSelector)
        found.append(
            (
                segment,
                int(graph.value(position, OA.start)),
                int(graph.value(position, OA.end)),
                str(graph.value(quote, OA.exact)),
            )
        )
    return sorted(found, key=lambda item: (item[1], -item[2]))


def selector(graph: rdflib.Graph, segment: rdflib.URIRef, kind: rdflib.URIRef) -> rdflib.URIRef:
    (found,) = [
        node for node in graph.objects(segment, OA.hasSelector) if (node, RDF.type, kind) in graph
    ]
    return found


def is_segment_or_selector(node: rdflib.term.Node) -> bool:
    return str(node).startswith(SEGMENTS)


def test_every_segment_quote_is_the_text_at_its_offsets(graph, text):
    found = segments(graph)
    assert len(found) > 30
    for segment, start, end, exact in found:
        assert 0 <= start < end <= len(text), segment
        assert text[start:end] == exact, segment


def test_paragraphs_are_numbered_in_text_order_and_cover_every_line(graph, text):
    paragraphs = sorted(
        (int(graph.value(paragraph, FTZ.paragraphNumber)), paragraph)
        for paragraph in graph.subjects(RDF.type, FTZ.Paragraph)
    )
    assert [number for number, _ in paragraphs] == list(range(1, len(paragraphs) + 1))
    exact_of = {segment: exact for segment, _, _, exact in segments(graph)}
    quotes = [exact_of[paragraph] for _, paragraph in paragraphs]
    assert [line.strip() for line in text.splitlines() if line.strip()] == [
        line.strip() for quote in quotes for line in quote.splitlines() if line.strip()
    ]


def test_every_sentence_lies_within_its_paragraph(graph):
    spans = {segment: (start, end) for segment, start, end, _ in segments(graph)}
    sentences = list(graph.subjects(RDF.type, FTZ.Sentence))
    assert len(sentences) >= 20
    for sentence in sentences:
        paragraph = graph.value(sentence, DCTERMS.isPartOf)
        assert (paragraph, RDF.type, FTZ.Paragraph) in graph
        start, end = spans[sentence]
        paragraph_start, paragraph_end = spans[paragraph]
        assert paragraph_start <= start < end <= paragraph_end, sentence


def test_the_source_text_is_described_with_its_file_and_length(graph, text, settings):
    assert (REPORT, FTZ.hasSourceText, SOURCE) in graph
    assert str(graph.value(SOURCE, FTZ.sourceFile)) == f"graph/sources/{SLUG}.txt"
    assert (settings.data_dir / str(graph.value(SOURCE, FTZ.sourceFile))).is_file()
    assert int(graph.value(SOURCE, FTZ.characterCount)) == len(text)


def test_every_subject_but_the_report_and_its_text_has_provenance(graph):
    subjects = {subject for subject in graph.subjects() if isinstance(subject, rdflib.URIRef)}
    needing = {
        subject
        for subject in subjects
        if subject not in {REPORT, SOURCE} and not is_segment_or_selector(subject)
    }
    assert len(needing) > 40
    without = sorted(
        subject for subject in needing if graph.value(subject, PROV.wasDerivedFrom) is None
    )
    assert without == []


def test_provenance_points_at_segments_of_the_source(graph):
    targets = set(graph.objects(None, PROV.wasDerivedFrom))
    assert targets
    assert all((target, OA.hasSource, SOURCE) in graph for target in targets)


def test_the_graph_has_no_blank_nodes(graph):
    assert not [term for triple in graph for term in triple if isinstance(term, rdflib.BNode)]


def test_every_resource_has_an_english_label(graph):
    subjects = {subject for subject in graph.subjects() if isinstance(subject, rdflib.URIRef)}
    assert all(
        any(label.language == "en" for label in graph.objects(subject, RDFS.label))
        for subject in subjects
    )


def test_chinese_labels_only_on_places_zone_and_areas_with_their_standard_names(graph):
    chinese = {
        str(subject): str(label)
        for subject, label in graph.subject_objects(RDFS.label)
        if label.language == "zh"
    }
    assert chinese == STANDARD_CHINESE_NAMES


def test_no_person_has_a_label_in_another_language_than_english(graph):
    for person in graph.subjects(RDF.type, FTZ.Person):
        assert {label.language for label in graph.objects(person, RDFS.label)} == {"en"}


def test_no_links_to_external_graphs_in_the_report_graph(graph):
    external = ("wikidata.org", "geonames.org", "dbpedia.org")
    assert not [
        term for triple in graph for term in triple if any(host in str(term) for host in external)
    ]


def test_each_quotation_is_the_paragraphs_it_is_derived_from(graph):
    exact_of = {segment: exact for segment, _, _, exact in segments(graph)}
    quotations = list(graph.subjects(RDF.type, FTZ.Quotation))
    assert len(quotations) == 3
    for quotation in quotations:
        paragraphs = sorted(
            graph.objects(quotation, PROV.wasDerivedFrom),
            key=lambda paragraph: int(graph.value(paragraph, FTZ.paragraphNumber)),
        )
        expected = "\n\n".join(exact_of[paragraph] for paragraph in paragraphs)
        assert str(graph.value(quotation, FTZ.quotedText)) == expected
