"""The SPARQL checks give pyshacl's and owlrl's verdicts, and remember them per graph.

pyshacl (with RDFS inference over the ontology) and an owlrl closure are the reference: on
the shipped data, on every broken graph of tests/data/broken/ and on mutations of generated
data, the SPARQL checks must report the same (focus node, source shape, constraint
component, path) set and find an inconsistency exactly when owlrl does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import rdflib
from conftest import copy_data_dir
from ftzkg.config import Settings
from ftzkg.dataset import dataset_sources
from ftzkg.validation import Validator, load_source, validate_dataset

BROKEN_DIR = Path(__file__).parent / "data" / "broken"
GENERATE = Path(__file__).parent.parent / "bench" / "generate.py"
FTZ = "https://w3id.org/ftzkg/ontology#"
ID = "https://w3id.org/ftzkg/id/"


def verdict_keys(violations) -> set[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    return {(v.focus_node, v.shape, v.component, v.path) for v in violations}


@pytest.fixture(scope="module")
def validator(settings: Settings) -> Validator:
    return Validator.from_settings(settings)


@pytest.fixture(scope="module")
def dataset_data(settings: Settings) -> rdflib.Graph:
    data = rdflib.Graph()
    for source in dataset_sources(settings.data_dir):
        if source.kind in {"report", "links"}:
            data += load_source(source)
    return data


def assert_same_verdict(validator: Validator, data: rdflib.Graph) -> None:
    fast = validator.check(data)
    reference = validator.reference_check(data)
    assert not fast.notes, fast.notes
    assert verdict_keys(fast.violations) == verdict_keys(reference.violations)
    assert bool(fast.inconsistencies) == bool(reference.inconsistencies)
    # Same wording as owlrl where owlrl names the individual (its complementOf message names
    # the class twice instead, so that one is reworded here).
    assert {m for m in fast.inconsistencies if m.startswith("Disjoint classes")} <= set(
        reference.inconsistencies
    )


def test_the_shipped_data_gets_the_reference_verdict(validator, dataset_data) -> None:
    assert_same_verdict(validator, dataset_data)


@pytest.mark.parametrize(
    "path",
    sorted(BROKEN_DIR.glob("*.ttl")) + sorted((BROKEN_DIR / "owl-rl").glob("*.ttl")),
    ids=lambda path: path.stem,
)
def test_a_broken_graph_gets_the_reference_verdict(validator, dataset_data, path) -> None:
    data = rdflib.Graph()
    data += dataset_data
    data.parse(path, format="turtle")
    assert_same_verdict(validator, data)


OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
HARBIN = f"<{ID}area/harbin>"
REN = f"<{ID}person/ren-hailong>"
# name → (SPARQL Update DELETE/INSERT template, WHERE clause)
MUTATIONS = {
    "area-loses-its-zone": (
        f"DELETE {{ {HARBIN} <{FTZ}partOfZone> ?o }}",
        f"{HARBIN} <{FTZ}partOfZone> ?o",
    ),
    "area-gets-a-second-zone": (f"INSERT {{ {HARBIN} <{FTZ}partOfZone> <{ID}zone/another> }}", ""),
    "agreement-party-is-a-literal": (
        f'INSERT {{ ?s <{FTZ}party> "someone" }}',
        f"?s <{FTZ}party> ?any",
    ),
    "segment-loses-its-selectors": (
        "DELETE { ?s <http://www.w3.org/ns/oa#hasSelector> ?o }",
        "?s <http://www.w3.org/ns/oa#hasSelector> ?o",
    ),
    "city-becomes-a-person": (f"INSERT {{ ?s a <{FTZ}Person> }}", f"?s a <{FTZ}City>"),
    "post-label-without-language": (
        'INSERT { ?s <http://www.w3.org/2000/01/rdf-schema#label> "plain" }',
        "?s a <http://www.w3.org/ns/org#Post>",
    ),
    "selector-start-as-string": (
        'INSERT { ?s <http://www.w3.org/ns/oa#start> "x" }',
        "?s <http://www.w3.org/ns/oa#start> ?any",
    ),
    "number-of-areas-ill-typed": (
        f'INSERT {{ ?s <{FTZ}numberOfAreas> "three"^^<{XSD}integer> }}',
        f"?s <{FTZ}numberOfAreas> ?any",
    ),
    "person-same-as-an-area": (f"INSERT {{ {REN} <{OWL}sameAs> {HARBIN} }}", ""),
    "functional-zone-value-is-a-person": (f"INSERT {{ {HARBIN} <{FTZ}partOfZone> {REN} }}", ""),
    "irreflexive-property-used-reflexively": (
        f"INSERT {{ <{FTZ}hasArea> a <{OWL}IrreflexiveProperty> . "
        f"{HARBIN} <{FTZ}hasArea> {HARBIN} }}",
        "",
    ),
    "asymmetric-property-both-ways": (
        f"INSERT {{ <{FTZ}hasArea> a <{OWL}AsymmetricProperty> . "
        f"{HARBIN} <{FTZ}hasArea> <{ID}area/heihe> . <{ID}area/heihe> <{FTZ}hasArea> {HARBIN} }}",
        "",
    ),
    "complement-classes-shared": (
        f"INSERT {{ <{FTZ}Agreement> <{OWL}complementOf> <{FTZ}Quotation> . "
        f"{REN} a <{FTZ}Agreement> , <{FTZ}Quotation> }}",
        "",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_a_mutated_graph_gets_the_reference_verdict(validator, dataset_data, name) -> None:
    change, where = MUTATIONS[name]
    data = rdflib.Graph()
    data += dataset_data
    data.update(f"{change} WHERE {{ {where} }}")
    assert len(data) != len(dataset_data)
    assert_same_verdict(validator, data)


@pytest.fixture
def generated(tmp_path: Path, settings: Settings) -> Path:
    out = tmp_path / "generated"
    subprocess.run(
        [sys.executable, str(GENERATE), "3", str(out)],
        check=True,
        capture_output=True,
        cwd=settings.data_dir,
    )
    return out


@pytest.fixture()
def remembering(generated: Path, settings: Settings, tmp_path: Path) -> Settings:
    """Settings over the generated data that remember verdicts in a folder of this test."""
    return settings.with_changes(data_dir=generated, validation_cache=str(tmp_path / "verdicts"))


def synthetic_reports(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "graph" / "reports").glob("*synthetic*.ttl"))


def test_a_start_after_one_report_changed_rechecks_only_that_graph(generated, remembering) -> None:
    first = validate_dataset(remembering)
    assert first.conforms, first.text
    assert first.checked_graphs == first.data_graphs == 8
    report = synthetic_reports(generated)[1]
    report.write_text(report.read_text() + "\n# an edit that changes no triple\n")
    second = validate_dataset(remembering)
    assert second.conforms, second.text
    assert second.checked_graphs == 1
    assert "re-checked 1 of 8 data graphs" in second.text


def test_a_broken_change_to_one_report_is_still_caught(generated, remembering) -> None:
    assert validate_dataset(remembering).conforms
    report = synthetic_reports(generated)[2]
    report.write_text(report.read_text() + f"\n<{ID}area/nowhere> a <{FTZ}FreeTradeZoneArea> .\n")
    changed = validate_dataset(remembering)
    assert not changed.conforms
    assert changed.checked_graphs == 1
    assert {v.focus_node for v in changed.violations} == {f"{ID}area/nowhere"}


def test_a_change_to_one_report_that_breaks_a_shared_resource_is_caught(
    generated, remembering
) -> None:
    assert validate_dataset(remembering).conforms
    report = synthetic_reports(generated)[0]
    russia = f"<{ID}country/russia>"
    report.write_text(
        report.read_text()
        + f'\n{russia} <http://www.w3.org/2000/01/rdf-schema#label> "Another Russia"@en .\n'
    )
    changed = validate_dataset(remembering)
    # The report now describes Russia, so the graphs mentioning Russia depend on it too.
    assert 1 < changed.checked_graphs < changed.data_graphs
    assert not changed.conforms
    assert {(v.focus_node, v.shape) for v in changed.violations} == {
        (f"{ID}country/russia", "ftzsh:LabelEnglishShape"),
        (f"{ID}country/russia", "ftzsh:LabelPerLanguageShape"),
    }


def test_a_change_to_the_shared_report_rechecks_the_reports_relying_on_it(
    generated, remembering
) -> None:
    assert validate_dataset(remembering).conforms
    real = next(
        p for p in (generated / "graph" / "reports").glob("*.ttl") if "synthetic" not in p.name
    )
    real.write_text(real.read_text() + "\n# the real report changed\n")
    again = validate_dataset(remembering)
    assert again.conforms
    assert again.checked_graphs == again.data_graphs


GENERATED_MUTATIONS = {
    "synthetic-area-loses-its-zone": (
        f"DELETE {{ ?area <{FTZ}partOfZone> ?zone }}",
        f"?area <{FTZ}partOfZone> ?zone FILTER(CONTAINS(STR(?area), '-s00002'))",
    ),
    "synthetic-quotation-gets-a-city-as-speaker": (
        f"INSERT {{ ?quotation <{FTZ}spokenBy> <{ID}city/harbin> }}",
        f"?quotation <{FTZ}spokenBy> ?person FILTER(CONTAINS(STR(?quotation), '-s00001'))",
    ),
    "synthetic-selector-ends-before-it-starts": (
        "INSERT { ?selector <http://www.w3.org/ns/oa#end> 0 }",
        "?selector <http://www.w3.org/ns/oa#start> ?start "
        "FILTER(CONTAINS(STR(?selector), 'synthetic-00003'))",
    ),
}


@pytest.mark.parametrize("name", sorted(GENERATED_MUTATIONS))
def test_mutated_generated_data_gets_the_reference_verdict(validator, generated, name) -> None:
    change, where = GENERATED_MUTATIONS[name]
    data = rdflib.Graph()
    for source in dataset_sources(generated):
        if source.kind in {"report", "links"}:
            data += load_source(source)
    before = len(data)
    data.update(f"{change} WHERE {{ {where} }}")
    assert len(data) != before
    assert_same_verdict(validator, data)
    assert validator.check(data).violations


def test_the_generated_data_gets_the_verdict_of_the_whole_dataset(generated, settings) -> None:
    result = validate_dataset(settings.with_changes(data_dir=generated, validation_cache="off"))
    assert result.conforms, result.text


def test_copy_helper_still_makes_a_conforming_folder(settings, tmp_path) -> None:
    data_dir = copy_data_dir(settings.data_dir, tmp_path / "data")
    result = validate_dataset(settings.with_changes(data_dir=data_dir, validation_cache="off"))
    assert result.conforms, result.text


def test_shapes_the_compiler_does_not_translate_are_checked_by_pyshacl(validator, dataset_data):
    shapes = rdflib.Graph()
    shapes += validator.shapes
    shapes.update(
        "PREFIX sh: <http://www.w3.org/ns/shacl#> INSERT DATA { "
        f"<urn:test:ZoneNameShape> a sh:NodeShape ; sh:targetClass <{FTZ}FreeTradeZone> ; "
        'sh:property [ sh:path <http://www.w3.org/2000/01/rdf-schema#label> ; sh:in ( "none" ) ] }'
    )
    fallback = Validator(validator.ontology, shapes)
    result = fallback.check(dataset_data)
    assert "shapes checked by pyshacl" in fallback.fallback_reason
    assert any("pyshacl" in note for note in result.notes)
    assert "note: shapes checked by pyshacl" in result.text
    assert {v.component for v in result.violations} == {
        "http://www.w3.org/ns/shacl#InConstraintComponent"
    }


def test_owl_constructs_the_queries_do_not_cover_are_checked_by_owlrl(validator, dataset_data):
    data = rdflib.Graph()
    data += dataset_data
    data.update(
        f"INSERT DATA {{ <{FTZ}hasArea> a <{OWL}TransitiveProperty> . {REN} a <{FTZ}City> }}"
    )
    result = validator.check(data)
    assert any("owlrl" in note and "TransitiveProperty" in note for note in result.notes)
    assert result.inconsistencies == validator.reference_check(data).inconsistencies


def test_literals_a_store_would_rewrite_are_judged_on_the_files(settings, tmp_path) -> None:
    data_dir = copy_data_dir(settings.data_dir, tmp_path / "data")
    report = next((data_dir / "graph" / "reports").glob("*.ttl"))
    source = f"<{ID}source/2021-08-19-typed-count>"
    report.write_text(
        report.read_text()
        + f"\n{source} <{FTZ}characterCount> "
        + '"5"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .\n'
    )
    result = validate_dataset(settings.with_changes(data_dir=data_dir, validation_cache="off"))
    assert any("pyshacl" in note and "nonNegativeInteger" in note for note in result.notes)
    assert (
        f"{ID}source/2021-08-19-typed-count",
        "http://www.w3.org/ns/shacl#DatatypeConstraintComponent",
    ) in {(v.focus_node, v.component) for v in result.violations}
