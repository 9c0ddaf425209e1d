"""`ftzkg export`: every format is valid RDF for Apache Jena, blank nodes are skolemised, and
loading an export again changes nothing (Oxigraph and Virtuoso, started here)."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from external import oxigraph_load, remote_answer, riot_validate
from ftzkg.dataset import dataset_sources
from ftzkg.export import EXPORT_FORMATS, export_format, export_to_file

pytest_plugins = ["external"]


def run_ftzkg(*arguments: str, data_dir: Path) -> subprocess.CompletedProcess:
    """The real command line, as a user runs it (the data folder passed as they would)."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("ftzkg")), *arguments],
        capture_output=True,
        env={"FTZKG_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


@pytest.fixture(scope="module")
def exports(tmp_path_factory, settings) -> dict[str, Path]:
    """The whole dataset exported once in each format."""
    folder = tmp_path_factory.mktemp("exports")
    written = {}
    for name in EXPORT_FORMATS:
        rdf_format = export_format(name, None)
        path = folder / f"ftzkg.{rdf_format.extension}"
        export_to_file(path, settings, rdf_format)
        written[name] = path
    return written


@pytest.fixture(scope="module")
def virtuoso_exports(tmp_path_factory, settings) -> dict[str, Path]:
    """N-Quads and TriG exports with plain CRS84 WKT, the form Virtuoso 7 accepts."""
    folder = tmp_path_factory.mktemp("virtuoso-exports")
    written = {}
    for name in ("nquads", "trig"):
        rdf_format = export_format(name, None)
        path = folder / f"ftzkg-plain-wkt.{rdf_format.extension}"
        export_to_file(path, settings, rdf_format, plain_wkt=True)
        written[name] = path
    return written


def test_every_shipped_rdf_file_passes_jena_riot_without_error_or_warning(settings):
    files = [source.path for source in dataset_sources(settings.data_dir)]
    assert files, "the project ships no RDF file"
    result = riot_validate(files)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_every_export_format_passes_jena_riot_without_error_or_warning(exports, virtuoso_exports):
    result = riot_validate([*exports.values(), *virtuoso_exports.values()])
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.mark.parametrize("name", EXPORT_FORMATS)
def test_export_has_no_blank_nodes(exports, name):
    rdf_format = export_format(name, None)
    terms = [
        term
        for quad in ox.parse(path=exports[name], format=rdf_format.oxigraph)
        for term in (quad.subject, quad.object)
    ]
    assert terms
    assert not [term for term in terms if isinstance(term, ox.BlankNode)]


def test_export_holds_every_triple_of_every_graph(exports, settings):
    exported = ox.Dataset(ox.parse(path=exports["nquads"], format=ox.RdfFormat.N_QUADS))
    for source in dataset_sources(settings.data_dir):
        in_file = len(set(ox.parse(path=source.path, format=ox.RdfFormat.TURTLE)))
        graph = ox.NamedNode(source.iri(settings.base_iri))
        assert len(list(exported.quads_for_graph_name(graph))) == in_file, source.path


def test_two_exports_are_byte_identical(exports, settings, tmp_path):
    again = tmp_path / "again.trig"
    export_to_file(again, settings, export_format("trig", None))
    assert again.read_bytes() == exports["trig"].read_bytes()


def test_export_of_one_graph_holds_only_that_graph(settings, tmp_path):
    source = dataset_sources(settings.data_dir)[0]
    path = tmp_path / "one.nq"
    export_to_file(path, settings, export_format(None, path), source.iri(settings.base_iri))
    graphs = {quad.graph_name.value for quad in ox.parse(path=path)}
    assert graphs == {source.iri(settings.base_iri)}


def test_cli_writes_gzip_when_the_file_name_ends_gz(data_dir, tmp_path, exports):
    target = tmp_path / "dataset.nq.gz"
    result = run_ftzkg("export", "-o", str(target), data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert gzip.decompress(target.read_bytes()) == exports["nquads"].read_bytes()


def test_cli_names_an_unknown_graph_on_one_line_and_exits_non_zero(data_dir):
    result = run_ftzkg("export", "--graph", "https://example.org/nothing", data_dir=data_dir)
    assert result.returncode != 0
    message = result.stderr.decode().strip()
    assert len(message.splitlines()) == 1
    assert "https://example.org/nothing" in message
    assert not result.stdout


def test_cli_refuses_an_unknown_file_suffix_without_writing(data_dir, tmp_path):
    target = tmp_path / "dataset.xyz"
    result = run_ftzkg("export", "-o", str(target), data_dir=data_dir)
    assert result.returncode != 0
    assert "--format" in result.stderr.decode()
    assert not list(tmp_path.iterdir())


def test_loading_an_export_twice_into_oxigraph_adds_nothing(exports, tmp_path):
    location = tmp_path / "oxigraph"
    oxigraph_load(location, [exports["nquads"]])
    once = len(ox.Store.read_only(str(location)))
    oxigraph_load(location, [exports["trig"]])
    assert len(ox.Store.read_only(str(location))) == once


def test_loading_an_export_twice_into_virtuoso_adds_nothing(virtuoso_exports, virtuoso, settings):
    graphs = [source.iri(settings.base_iri) for source in dataset_sources(settings.data_dir)]
    values = " ".join(f"<{graph}>" for graph in graphs)
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} VALUES ?g {{ {values} }} }}"
    virtuoso.clear_graphs(graphs)
    virtuoso.bulk_load(virtuoso_exports["nquads"])
    once = remote_answer(virtuoso.query_url, count)
    virtuoso.bulk_load(virtuoso_exports["trig"])
    assert remote_answer(virtuoso.query_url, count) == once
    assert once[0]["n"].toPython() == sum(
        len(set(ox.parse(path=source.path, format=ox.RdfFormat.TURTLE)))
        for source in dataset_sources(settings.data_dir)
    )
