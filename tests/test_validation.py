"""The shapes accept the graph and reject each broken graph for the reason it is broken.

Every file of tests/data/broken/ states in its header what it breaks, the focus node that
must be reported and the constraint component (and, where it says, the shape) that must
report it; the file is validated together with the real dataset, which conforms, so every
violation found comes from the file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pytest
import rdflib
from conftest import copy_data_dir, require_tool
from ftzkg.config import Settings
from ftzkg.dataset import dataset_sources, read_graph_quads
from ftzkg.validation import Validator, load_source, validate_dataset

BROKEN_DIR = Path(__file__).parent / "data" / "broken"
BROKEN_FILES = sorted(BROKEN_DIR.glob("*.ttl"))
INCONSISTENT_FILES = sorted((BROKEN_DIR / "owl-rl").glob("*.ttl"))
HEADER_LINE = re.compile(r"^# (breaks|expect-[a-z]+): (.+)$")
FTZKG = Path(sys.executable).with_name("ftzkg")
REPORT_GRAPH = "https://w3id.org/ftzkg/graph/report/2021-08-18-heilongjiang-ftz-three-areas"


def expectation(path: Path) -> dict[str, str]:
    """The ``# breaks:`` and ``# expect-…:`` lines at the top of a broken graph."""
    header = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = HEADER_LINE.match(line)
        if not match:
            break
        header[match.group(1)] = match.group(2)
    return header


@pytest.fixture(scope="module")
def graphs(settings: Settings) -> dict:
    return {source: load_source(source) for source in dataset_sources(settings.data_dir)}


@pytest.fixture(scope="module")
def validator(graphs) -> Validator:
    return Validator.from_graphs(graphs)


@pytest.fixture(scope="module")
def dataset_data(graphs) -> rdflib.Graph:
    data = rdflib.Graph()
    for source, graph in graphs.items():
        if source.kind in {"report", "links"}:
            data += graph
    return data


def with_broken_file(dataset_data: rdflib.Graph, path: Path) -> rdflib.Graph:
    data = rdflib.Graph()
    data += dataset_data
    data.parse(path, format="turtle")
    return data


def test_the_dataset_conforms_and_is_counted_per_named_graph(settings) -> None:
    result = validate_dataset(settings)
    assert result.conforms, result.text
    assert result.graph_counts["https://w3id.org/ftzkg/graph/ontology"] > 300
    assert result.graph_counts["https://w3id.org/ftzkg/graph/shapes"] > 300
    assert result.graph_counts[REPORT_GRAPH] > 900
    assert f"{result.graph_counts[REPORT_GRAPH]} triples  {REPORT_GRAPH}" in result.text


def test_the_printed_counts_are_the_triples_each_file_holds(settings) -> None:
    result = validate_dataset(settings)
    for source in dataset_sources(settings.data_dir):
        assert result.graph_counts[source.iri()] == len(set(read_graph_quads(source)))


def test_the_shapes_conform_to_shacl_for_shacl(settings) -> None:
    w3c_dir = Path(os.environ.get("FTZKG_W3C_DIR", settings.data_dir.parent / "shared" / "w3c"))
    shacl_shacl = require_tool(
        str(w3c_dir / "shacl" / "core" / "complex" / "shacl-shacl-data-shapes.ttl"),
        "the W3C SHACL test suite (set FTZKG_W3C_DIR to its copy)",
    )
    shapes = rdflib.Graph().parse(settings.data_dir / "shapes" / "ftz-shapes.ttl")
    meta_shapes = rdflib.Graph().parse(shacl_shacl)
    conforms, _, text = pyshacl.validate(shapes, shacl_graph=meta_shapes)
    assert conforms, text


def test_there_are_at_least_twelve_broken_graphs_breaking_different_constraints() -> None:
    kinds = {
        (expectation(path)["expect-component"], expectation(path).get("expect-shape", ""))
        for path in BROKEN_FILES
    }
    assert len(BROKEN_FILES) >= 12
    assert len(kinds) == len(BROKEN_FILES)


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda path: path.stem)
def test_broken_graph_fails_with_the_expected_constraint(validator, dataset_data, path) -> None:
    expected = expectation(path)
    violations = validator.shape_violations(with_broken_file(dataset_data, path))
    assert {violation.focus_node for violation in violations} == {expected["expect-focus"]}
    found = {violation.component for violation in violations}
    assert expected["expect-component"] in found
    if "expect-shape" in expected:
        assert any(
            violation.component == expected["expect-component"]
            and violation.shape.replace("ftzsh:", "https://w3id.org/ftzkg/shapes#").startswith(
                expected["expect-shape"]
            )
            for violation in violations
        ), [violation.shape for violation in violations]


@pytest.mark.parametrize("path", INCONSISTENT_FILES, ids=lambda path: path.stem)
def test_owl_rl_closure_finds_the_inconsistency(validator, dataset_data, path) -> None:
    inconsistencies = validator.owl_rl_inconsistencies(with_broken_file(dataset_data, path))
    assert inconsistencies
    assert all(expectation(path)["expect-inconsistent"] in message for message in inconsistencies)


def test_a_report_graph_validates_alone_from_its_quads(validator, settings) -> None:
    (report,) = [source for source in dataset_sources(settings.data_dir) if source.kind == "report"]
    result = validator.check_quads(read_graph_quads(report))
    assert result.conforms, result.text


def test_a_graph_that_breaks_a_shape_is_rejected_from_its_quads(validator, settings) -> None:
    (report,) = [source for source in dataset_sources(settings.data_dir) if source.kind == "report"]
    harbin = ox.NamedNode("https://w3id.org/ftzkg/id/area/harbin")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    quads = [
        quad
        for quad in read_graph_quads(report)
        if not (quad.subject == harbin and quad.predicate == label)
    ]
    result = validator.check_quads(quads)
    assert not result.conforms
    assert {violation.focus_node for violation in result.violations} == {harbin.value}
    assert "focus node: <https://w3id.org/ftzkg/id/area/harbin>" in result.text


def run_validate(*arguments: str, env: dict[str, str] | None = None):
    return subprocess.run(
        [str(FTZKG), "validate", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_cli_validate_passes_and_prints_the_triple_counts(settings) -> None:
    completed = run_validate("--data-dir", str(settings.data_dir))
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert re.search(rf"^\s+\d+ triples  {re.escape(REPORT_GRAPH)}$", completed.stdout, re.M)
    assert re.search(
        r"^\s+\d+ triples  https://w3id.org/ftzkg/graph/ontology$", completed.stdout, re.M
    )
    assert "conforms" in completed.stdout


@pytest.mark.parametrize("how", ["option", "environment"])
def test_cli_validate_exits_non_zero_on_a_broken_data_dir(settings, tmp_path, how) -> None:
    data_dir = copy_data_dir(settings.data_dir, tmp_path / "data")
    broken = BROKEN_DIR / "area-without-zone.ttl"
    shutil.copy(broken, data_dir / "graph" / "reports" / "2021-08-19-broken.ttl")
    if how == "option":
        completed = run_validate("--data-dir", str(data_dir))
    else:
        completed = run_validate(env={"FTZKG_DATA_DIR": str(data_dir)})
    assert completed.returncode == 1
    assert "focus node: <https://w3id.org/ftzkg/id/area/detached>" in completed.stdout
    assert "sh:MinCountConstraintComponent" in completed.stdout
    assert "path:       ftz:partOfZone" in completed.stdout


def test_cli_validate_reports_an_owl_rl_inconsistency(settings, tmp_path) -> None:
    data_dir = copy_data_dir(settings.data_dir, tmp_path / "data")
    shutil.copy(INCONSISTENT_FILES[0], data_dir / "graph" / "links" / "inconsistent.ttl")
    completed = run_validate("--data-dir", str(data_dir))
    assert completed.returncode == 1
    assert "OWL RL inconsistency" in completed.stdout


def test_cli_validate_says_in_one_line_when_a_file_does_not_parse(settings, tmp_path) -> None:
    data_dir = copy_data_dir(settings.data_dir, tmp_path / "data")
    (data_dir / "graph" / "reports" / "2021-08-19-broken.ttl").write_text("<a> <b> .\n")
    completed = run_validate("--data-dir", str(data_dir))
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert len(completed.stderr.strip().splitlines()) == 1
    assert "2021-08-19-broken.ttl" in completed.stderr


def test_the_graphs_still_conform_after_a_round_trip_through_the_store(validator, settings):
    store = ox.Store()
    for source in dataset_sources(settings.data_dir):
        if source.kind in {"report", "links"}:
            store.extend(read_graph_quads(source))
    result = validator.check_quads(store.quads_for_pattern(None, None, None, None))
    assert result.conforms, result.text


def test_a_conforming_verdict_is_remembered_for_the_same_files(settings, tmp_path) -> None:
    remembering = settings.with_changes(validation_cache=str(tmp_path / "verdicts"))
    first = validate_dataset(remembering)
    again = validate_dataset(remembering)
    assert first.conforms and not first.remembered
    assert again.conforms and again.remembered
    assert again.graph_counts == first.graph_counts
    assert "validated before" in again.text


def test_a_changed_file_is_validated_again_and_its_violation_found(settings, tmp_path) -> None:
    data_dir = copy_data_dir(settings.data_dir, tmp_path / "data")
    remembering = settings.with_changes(
        data_dir=data_dir, validation_cache=str(tmp_path / "verdicts")
    )
    assert validate_dataset(remembering).conforms
    report = next((data_dir / "graph" / "reports").glob("*.ttl"))
    report.write_text(
        report.read_text()
        + "\n<https://w3id.org/ftzkg/id/area/nowhere> a "
        + "<https://w3id.org/ftzkg/ontology#FreeTradeZoneArea> .\n"
    )
    changed = validate_dataset(remembering)
    assert not changed.remembered
    assert not changed.conforms


def test_a_failing_verdict_is_never_remembered(settings, tmp_path) -> None:
    data_dir = copy_data_dir(settings.data_dir, tmp_path / "data")
    report = next((data_dir / "graph" / "reports").glob("*.ttl"))
    report.write_text(
        report.read_text()
        + "\n<https://w3id.org/ftzkg/id/area/nowhere> a "
        + "<https://w3id.org/ftzkg/ontology#FreeTradeZoneArea> .\n"
    )
    remembering = settings.with_changes(
        data_dir=data_dir, validation_cache=str(tmp_path / "verdicts")
    )
    assert not validate_dataset(remembering).conforms
    assert not validate_dataset(remembering).remembered
