"""``ftzkg backup`` and ``ftzkg restore``: a restored store answers queries as the original."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from ftzkg.web import create_app

FTZKG = [str(Path(sys.executable).with_name("ftzkg"))]
TOKEN = "backup-test-token-0123456789"
QUERIES = (
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } ORDER BY ?s ?o",
    "ASK { GRAPH <http://example.org/backup-test/g> { ?s ?p 'written before the backup' } }",
)


def answers(settings, store_path: Path) -> list[str]:  # type: ignore[no-untyped-def]
    app = create_app(settings.with_changes(store=str(store_path)))
    client = app.test_client()
    results = []
    for query in QUERIES:
        response = client.get("/sparql", query_string={"query": query, "format": "tsv"})
        assert response.status_code == 200, response.text
        results.append(response.text)
    app.extensions["ftzkg"].store.close()
    return results


def ftzkg(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*FTZKG, *arguments], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture()
def written_store(settings, tmp_path) -> Path:
    """An on-disk store loaded from the data files plus one accepted write."""
    path = tmp_path / "store"
    app = create_app(settings.with_changes(store=str(path), write_token=TOKEN))
    response = app.test_client().post(
        "/sparql/update",
        data={
            "update": "INSERT DATA { GRAPH <http://example.org/backup-test/g> { "
            "<http://example.org/a> <http://example.org/b> 'written before the backup' } }"
        },
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    app.extensions["ftzkg"].store.close()
    return path


def test_a_restored_store_answers_the_same_queries(settings, written_store, tmp_path):
    expected = answers(settings, written_store)
    assert expected[2].strip().endswith("true")
    backup = tmp_path / "backup"
    result = ftzkg("backup", str(backup), "--store", str(written_store))
    assert result.returncode == 0, result.stderr
    assert "backed up" in result.stdout
    restored = tmp_path / "restored"
    result = ftzkg("restore", str(backup), "--store", str(restored))
    assert result.returncode == 0, result.stderr
    assert answers(settings, restored) == expected


def test_backup_into_an_existing_directory_is_one_line_and_non_zero(written_store, tmp_path):
    result = ftzkg("backup", str(tmp_path), "--store", str(written_store))
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1
    assert "already exists" in result.stderr


def test_restore_from_a_missing_backup_changes_nothing(settings, written_store, tmp_path):
    expected = answers(settings, written_store)
    result = ftzkg("restore", str(tmp_path / "nothing"), "--store", str(written_store))
    assert result.returncode != 0
    assert "no backup directory" in result.stderr
    assert answers(settings, written_store) == expected
