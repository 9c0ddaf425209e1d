"""The harness's own yardstick: result equivalence must reject what the suites would reject."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from .query_order import order_groups, order_keys
from .results import GraphResult, Solutions, graphs_equivalent, solutions_equivalent

pytestmark = pytest.mark.conformance

XSD = "http://www.w3.org/2001/XMLSchema#"
A = ox.NamedNode("http://example.org/a")
B = ox.NamedNode("http://example.org/b")
P = ox.NamedNode("http://example.org/p")


def solutions(*rows: dict) -> Solutions:
    variables = frozenset({"x", "y"})
    return Solutions(variables, [dict(row) for row in rows])


def blank(label: str) -> ox.BlankNode:
    return ox.BlankNode(label)


def test_blank_nodes_match_under_renaming():
    expected = solutions({"x": blank("a"), "y": A}, {"x": blank("b"), "y": B})
    actual = solutions({"x": blank("q"), "y": B}, {"x": blank("r"), "y": A})
    assert solutions_equivalent(expected, actual)


def test_blank_node_co_reference_across_rows_must_be_kept():
    expected = solutions({"x": blank("a"), "y": A}, {"x": blank("b"), "y": B})
    actual = solutions({"x": blank("q"), "y": A}, {"x": blank("q"), "y": B})
    assert not solutions_equivalent(expected, actual)


def test_one_blank_node_cannot_stand_for_two():
    expected = solutions({"x": blank("a"), "y": blank("a")})
    actual = solutions({"x": blank("q"), "y": blank("r")})
    assert not solutions_equivalent(expected, actual)


def test_duplicates_count_as_a_bag():
    expected = solutions({"x": A}, {"x": A})
    assert not solutions_equivalent(expected, solutions({"x": A}))
    assert solutions_equivalent(expected, solutions({"x": A}, {"x": A}))


def test_lax_cardinality_accepts_dropped_duplicates():
    expected = solutions({"x": A}, {"x": A}, {"x": B})
    assert solutions_equivalent(expected, solutions({"x": A}, {"x": B}), lax_cardinality=True)
    assert not solutions_equivalent(expected, solutions({"x": A}), lax_cardinality=True)


def test_unbound_differs_from_bound():
    assert not solutions_equivalent(solutions({"x": A}), solutions({"x": A, "y": B}))


def test_numeric_literals_compare_by_value_within_their_datatype():
    integer = ox.NamedNode(XSD + "integer")
    decimal = ox.NamedNode(XSD + "decimal")
    one = solutions({"x": ox.Literal("01", datatype=integer)})
    assert solutions_equivalent(one, solutions({"x": ox.Literal("1", datatype=integer)}))
    assert not solutions_equivalent(one, solutions({"x": ox.Literal("1.0", datatype=decimal)}))
    assert not solutions_equivalent(one, solutions({"x": ox.Literal("1")}))


def test_backtracking_finds_the_mapping_a_greedy_match_misses():
    expected = solutions(
        {"x": blank("a"), "y": blank("b")},
        {"x": blank("b"), "y": blank("c")},
        {"x": blank("c"), "y": blank("a")},
    )
    actual = solutions(
        {"x": blank("3"), "y": blank("1")},
        {"x": blank("1"), "y": blank("2")},
        {"x": blank("2"), "y": blank("3")},
    )
    assert solutions_equivalent(expected, actual)
    broken = solutions(
        {"x": blank("3"), "y": blank("1")},
        {"x": blank("1"), "y": blank("2")},
        {"x": blank("2"), "y": blank("1")},
    )
    assert not solutions_equivalent(expected, broken)


def test_order_is_checked_between_runs_of_equal_keys_only():
    keys = order_keys("SELECT * WHERE { ?x ?p ?y } ORDER BY ?x")
    assert keys == ("x",)
    expected = solutions({"x": A, "y": A}, {"x": A, "y": B}, {"x": B, "y": A})
    groups = order_groups(expected.rows, keys)
    ties_swapped = solutions({"x": A, "y": B}, {"x": A, "y": A}, {"x": B, "y": A})
    out_of_order = solutions({"x": B, "y": A}, {"x": A, "y": A}, {"x": A, "y": B})
    assert solutions_equivalent(expected, ties_swapped, groups)
    assert not solutions_equivalent(expected, out_of_order, groups)


def test_subquery_order_does_not_order_the_results():
    query = "SELECT ?x WHERE { { SELECT ?x WHERE { ?x ?p ?o } ORDER BY ?x LIMIT 2 } }"
    assert order_keys(query) is None


def test_graphs_compare_by_isomorphism():
    expected = GraphResult([ox.Triple(blank("a"), P, A), ox.Triple(blank("a"), P, B)])
    renamed = GraphResult([ox.Triple(blank("z"), P, B), ox.Triple(blank("z"), P, A)])
    split = GraphResult([ox.Triple(blank("z"), P, A), ox.Triple(blank("w"), P, B)])
    assert graphs_equivalent(expected, renamed)
    assert not graphs_equivalent(expected, split)
