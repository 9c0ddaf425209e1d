"""Exports loaded into real stores answer every query as ftzkg does.

The N-Quads export is bulk-loaded into the Oxigraph server (``oxigraph load`` then
``oxigraph serve``) and into Virtuoso (its isql bulk loader); every competency query
(``graph/queries``) and every benchmark query (``bench/queries``) is sent to both with
SPARQLWrapper and compared, blank-node-aware, with the answer of ftzkg's own engine over
the data files.

Virtuoso is asked with ``default-graph-uri`` and ``named-graph-uri`` naming the project's
graphs: without them its default graph is every graph it holds, its own system graphs
included, and ``GRAPH ?g`` would range over those too (Oxigraph is started with
``--union-default-graph``, which is ftzkg's default).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from external import (
    oxigraph_load,
    remote_answer,
    running_oxigraph,
    same_answer,
    store_answer,
)
from ftzkg.dataset import QUERIES_DIR, dataset_sources
from ftzkg.export import export_format, export_to_file

pytest_plugins = ["external"]

REPOSITORY = Path(__file__).resolve().parents[1]
QUERY_FILES = sorted((REPOSITORY / QUERIES_DIR).glob("*.rq")) + sorted(
    (REPOSITORY / "bench" / "queries").glob("*.rq")
)


def query_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.stem}"


@pytest.fixture(scope="module")
def project_graphs(settings) -> list[str]:
    return [source.iri(settings.base_iri) for source in dataset_sources(settings.data_dir)]


@pytest.fixture(scope="module")
def ours(ftzkg_store):
    """ftzkg's store over the data files (default graph: the union of the named graphs)."""
    return lambda text: store_answer(ftzkg_store, text)


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory, settings):
    folder = tmp_path_factory.mktemp("oxigraph-roundtrip")
    export = folder / "ftzkg.nq"
    export_to_file(export, settings, export_format("nquads", None))
    oxigraph_load(folder / "store", [export])
    with running_oxigraph(folder / "store") as server:
        yield server


@pytest.fixture(scope="module")
def loaded_virtuoso(tmp_path_factory, settings, virtuoso, project_graphs):
    folder = tmp_path_factory.mktemp("virtuoso-roundtrip")
    export = folder / "ftzkg-plain-wkt.nq"
    export_to_file(export, settings, export_format("nquads", None), plain_wkt=True)
    virtuoso.clear_graphs(project_graphs)
    virtuoso.bulk_load(export)
    return virtuoso


def test_there_are_queries_to_compare():
    assert QUERY_FILES


@pytest.mark.parametrize("query_file", QUERY_FILES, ids=query_id)
def test_oxigraph_server_answers_as_ftzkg(query_file, ours, oxigraph_server):
    text = query_file.read_text()
    assert same_answer(ours(text), remote_answer(oxigraph_server.query_url, text))


@pytest.mark.parametrize("query_file", QUERY_FILES, ids=query_id)
def test_virtuoso_answers_as_ftzkg(query_file, ours, loaded_virtuoso, project_graphs):
    text = query_file.read_text()
    theirs = remote_answer(loaded_virtuoso.query_url, text, project_graphs, project_graphs)
    assert same_answer(ours(text), theirs)
