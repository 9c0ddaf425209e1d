"""The endpoint the W3C tests talk to, and the per-folder summary ``make conformance`` prints."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest

from .endpoint import W3CEndpoint

OUTCOMES = ("passed", "xfailed", "failed", "skipped")
_tally: dict[str, Counter] = defaultdict(Counter)


@pytest.fixture(scope="session")
def w3c_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[W3CEndpoint]:
    endpoint = W3CEndpoint(tmp_path_factory.mktemp("no-project-data"))
    yield endpoint
    endpoint.close()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count each W3C test once: by its call phase, or by the setup phase that skipped it."""
    if "test_w3c[" not in report.nodeid:
        return
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        folder = report.nodeid.split("[", 1)[1].rsplit("/", 1)[0]
        if hasattr(report, "wasxfail"):
            outcome = "xfailed" if report.outcome == "skipped" else "failed"
        else:
            outcome = report.outcome
        _tally[folder][outcome] += 1


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if not _tally:
        return
    write = terminalreporter.write_line
    width = max(len(folder) for folder in _tally)
    header = f"{'W3C folder':<{width}}  " + "  ".join(f"{name:>7}" for name in OUTCOMES)
    terminalreporter.section("W3C SPARQL conformance (xfailed: the engine's known failures)")
    write(header)
    total: Counter = Counter()
    for folder in sorted(_tally):
        counts = _tally[folder]
        total.update(counts)
        write(f"{folder:<{width}}  " + "  ".join(f"{counts[name]:>7}" for name in OUTCOMES))
    write(f"{'overall':<{width}}  " + "  ".join(f"{total[name]:>7}" for name in OUTCOMES))
    applicable = total["passed"] + total["xfailed"] + total["failed"]
    if applicable:
        write(
            f"passed {total['passed']} of {applicable} applicable tests "
            f"({100 * total['passed'] / applicable:.1f}%); {total['skipped']} do not apply"
        )
