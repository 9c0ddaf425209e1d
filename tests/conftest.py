"""Shared fixtures: settings, the dataset in the real store and app, an independent reference
store, and finding the tools a test drives for real."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from ftzkg.config import Settings, find_data_dir
from ftzkg.dataset import dataset_sources, read_graph_quads
from ftzkg.store import open_store
from ftzkg.web import create_app

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="session")
def data_dir():
    return find_data_dir()


@pytest.fixture(scope="session")
def settings(data_dir) -> Settings:
    """Settings as `make run` would use them, minus the environment of the developer."""
    return Settings.from_env(
        {}, data_dir=data_dir, workers=2, query_timeout=5.0, validation_cache="off"
    )


def require_tool(executable: str, install_hint: str) -> str:
    """The path of a tool a test drives; missing: a failure in CI, a skip elsewhere."""
    path = shutil.which(executable) or (executable if os.path.exists(executable) else None)
    if path is None:
        message = f"{executable} is not installed: {install_hint}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def store(settings):
    """The repository's dataset in the real store, as `ftzkg serve` opens it."""
    opened = open_store(settings)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def app(settings, store):
    return create_app(settings, store)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def reference(settings) -> ox.Store:
    """The dataset loaded straight from its files into plain pyoxigraph: expected answers
    computed independently of ftzkg's store, so no test hard-codes what the graph holds."""
    loaded = ox.Store()
    for source in dataset_sources(settings.data_dir):
        loaded.extend(read_graph_quads(source, settings.base_iri))
    return loaded


def copy_data_dir(source: Path, target: Path) -> Path:
    """A writable copy of a data folder (ontology, shapes, graphs), for tests that change it."""
    for folder in ("ontology", "shapes", "graph"):
        shutil.copytree(Path(source) / folder, Path(target) / folder)
    return Path(target)


def data_dir_with_hostile_label(source: Path, target: Path, label: str) -> Path:
    """The real data plus one resource whose English label is ``label`` (markup, a script),
    linked from Harbin's page, to prove pages render data as text."""
    copy = copy_data_dir(source, target)
    (copy / "graph" / "links" / "hostile.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"<https://w3id.org/ftzkg/id/test/hostile> rdfs:label {json.dumps(label)}@en ;\n"
        "    rdfs:seeAlso <https://w3id.org/ftzkg/id/city/harbin> .\n",
        encoding="utf-8",
    )
    return copy
