"""The W3C SPARQL 1.0 and 1.1 query test suites, each test through the real HTTP endpoint.

One parametrized test per manifest entry, named ``folder/test``. Tests that do not apply to a
read-only query endpoint are skipped with the reason; tests the engine itself fails are
``xfail(strict=True)`` with the cause from ``expected_failures``, for a wrong answer only: a
5xx from the endpoint (``ServerError``) fails them too. ``make conformance`` runs
this file and prints the counts per folder (``conftest.py``).
"""

from __future__ import annotations

import pytest

from .endpoint import W3CEndpoint
from .expected_failures import EXPECTED_FAILURES
from .manifests import W3CTest, load_tests
from .runner import ConformanceFailure, run_test

pytestmark = pytest.mark.conformance

ALL_TESTS = load_tests()


def _parameters() -> list:
    parameters = []
    for test in ALL_TESTS:
        marks = []
        if test.skip_reason:
            marks.append(pytest.mark.skip(reason=test.skip_reason))
        elif test.short_id in EXPECTED_FAILURES:
            marks.append(
                pytest.mark.xfail(
                    reason=EXPECTED_FAILURES[test.short_id],
                    raises=ConformanceFailure,
                    strict=True,
                )
            )
        parameters.append(pytest.param(test, id=test.short_id, marks=marks))
    return parameters


@pytest.mark.parametrize("test", _parameters())
def test_w3c(test: W3CTest, w3c_endpoint: W3CEndpoint) -> None:
    run_test(test, w3c_endpoint)


def test_every_expected_failure_names_a_test() -> None:
    """A renamed or removed test must not leave a stale entry behind."""
    known = {test.short_id for test in ALL_TESTS}
    assert sorted(set(EXPECTED_FAILURES) - known) == []
