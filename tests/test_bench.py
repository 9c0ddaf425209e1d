"""The benchmark's own parts: synthetic data that passes the shapes, and a smoke run.

The full `make bench` is not part of the tests; its smoke mode (report graph, ftzkg and
`oxigraph serve`, one second per query) is, so the harness cannot rot unnoticed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
from conftest import require_tool

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY / "bench"))

from ftzkg.dataset import dataset_sources  # noqa: E402
from generate import REPORT_SLUG, SHARED_KINDS, generate  # noqa: E402


def test_generated_reports_are_copies_under_their_own_names(tmp_path, data_dir):
    total = generate(2, tmp_path / "data", data_dir)
    reports = tmp_path / "data" / "graph" / "reports"
    assert sorted(path.stem for path in reports.glob("*.ttl")) == sorted(
        [REPORT_SLUG, f"{REPORT_SLUG}-synthetic-00001", f"{REPORT_SLUG}-synthetic-00002"]
    )
    real = set(ox.parse(path=reports / f"{REPORT_SLUG}.ttl"))
    copy = set(ox.parse(path=reports / f"{REPORT_SLUG}-synthetic-00001.ttl"))
    shared = {
        quad for quad in real if quad.subject.value.split("/id/")[1].split("/")[0] in SHARED_KINDS
    }
    assert len(copy) == len(real) - len(shared)
    assert not real & copy  # no triple repeats across graphs
    assert total == sum(
        len(list(ox.parse(path=source.path))) for source in dataset_sources(tmp_path / "data")
    )


def test_generated_data_passes_the_shapes(tmp_path, data_dir):
    generate(1, tmp_path / "data", data_dir)
    result = subprocess.run(
        [str(Path(sys.executable).with_name("ftzkg")), "validate"],
        capture_output=True,
        text=True,
        env={"FTZKG_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin"},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_bench_smoke_run_prints_every_query_for_ftzkg_and_oxigraph(tmp_path):
    require_tool("wrk", "apt-get install wrk")
    figures = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(REPOSITORY / "bench" / "run.py"), "--smoke", "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    queries = list((REPOSITORY / "bench" / "queries").glob("*.rq"))
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    for server in ("ftzkg", "oxigraph"):
        measured = [row for row in rows if f"| {server} |" in row and "/" in row.split("|")[1]]
        assert len(measured) == len(queries), server
    assert "| ftzkg |" in result.stdout.split("| server | load s")[1]
    summary = [row for row in rows if row.startswith("| ftzkg ÷ oxigraph, bench queries |")]
    assert len(summary) == 1 and summary[0].split("|")[2].strip() == str(len(queries)), summary
