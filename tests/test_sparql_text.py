"""The SPARQL lexer that reads a text before pyoxigraph does: form, SERVICE targets, LIMIT."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from ftzkg import sparql_text
from ftzkg.errors import QueryNotAllowed, QuerySyntaxError
from ftzkg.formats import GRAPH, SOLUTIONS


def limited(text: str, max_solutions: int = 101) -> str:
    return sparql_text.limit_solutions(sparql_text.analyse(text), max_solutions)


def assert_parses(text: str) -> None:
    """The text is valid SPARQL for pyoxigraph (evaluated on an empty store)."""
    ox.Store().query(text)


@pytest.mark.parametrize(
    ("text", "form", "kind"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT", SOLUTIONS),
        ("PREFIX ex: <http://ex/>\nBASE <http://b/>\nask { ?s ex:p ?o }", "ASK", SOLUTIONS),
        ("# SELECT in a comment\nCONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT", GRAPH),
        ("DESCRIBE <http://example.org/x>", "DESCRIBE", GRAPH),
    ],
)
def test_query_form_and_result_kind(text, form, kind):
    analysis = sparql_text.analyse(text)
    assert sparql_text.query_form(text) == form
    assert analysis.result_kind == kind
    assert not analysis.is_update


@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "PREFIX ex: <http://ex/> DELETE WHERE { ?s ex:p ?o }",
        "LOAD <http://example.org/data.ttl>",
        "CLEAR ALL",
        "DROP GRAPH <http://g>",
        "CREATE GRAPH <http://g>",
        "ADD <http://a> TO <http://b>",
        "MOVE DEFAULT TO <http://b>",
        "COPY <http://a> TO DEFAULT",
        "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_updates_are_recognised_and_refused_as_queries(text):
    assert sparql_text.analyse(text).is_update
    with pytest.raises(QueryNotAllowed, match="update"):
        sparql_text.query_form(text)


def services(text: str) -> list[tuple[str | None, str | None]]:
    return [(service.endpoint, service.variable) for service in sparql_text.analyse(text).services]


def test_service_with_an_iri_is_found_with_its_position():
    analysis = sparql_text.analyse("SELECT * WHERE {\n  SERVICE <http://x/sparql> { ?s ?p ?o } }")
    (service,) = analysis.services
    assert (service.endpoint, service.line, service.column) == ("http://x/sparql", 2, 3)


def test_service_keyword_is_case_insensitive_and_silent_is_skipped():
    assert services("select * { service silent <http://x/> {} }") == [("http://x/", None)]


def test_service_with_a_prefixed_name_resolves_the_prefix():
    text = "PREFIX w: <http://w.example/>\nSELECT * { SERVICE w:sparql { ?s ?p ?o } }"
    assert services(text) == [("http://w.example/sparql", None)]


def test_service_with_a_relative_iri_resolves_against_base():
    text = "BASE <http://b.example/a/> SELECT * { SERVICE <../sparql> {} }"
    assert services(text) == [("http://b.example/sparql", None)]


def test_service_with_a_variable_endpoint_is_reported_as_the_variable():
    text = "SELECT * { BIND(<http://x/> AS ?e) SERVICE ?e { ?s ?p ?o } }"
    assert services(text) == [(None, "?e")]


def test_service_after_a_comment_line_is_found():
    assert services("SELECT * { SeRvIcE\n# note\n<http://x/> {} }") == [("http://x/", None)]


def test_service_in_a_subquery_and_inside_optional_is_found():
    text = "ASK { { SELECT * { OPTIONAL { SERVICE <http://x/> { ?s ?p ?o } } } } }"
    assert services(text) == [("http://x/", None)]


@pytest.mark.parametrize(
    "text",
    [
        'SELECT * { ?s ?p "SERVICE <http://x/> {}" }',
        "SELECT * { ?s ?p '''multi\nline SERVICE <http://x/> {} ''' }",
        'SELECT * { ?s ?p """SERVICE <http://x/> \\" {} """ }',
        "SELECT * { ?s <http://p#SERVICE> ?o } # SERVICE <http://x/> {}",
        "SELECT * { ?s <http://example.org/SERVICE> <http://x/> }",
    ],
)
def test_service_inside_strings_comments_and_iris_is_not_a_service(text):
    assert services(text) == []
    assert_parses(text)


def test_less_than_in_an_expression_is_not_an_iri_that_could_hide_a_service():
    text = "SELECT * { ?s ?p ?o FILTER(?a<?b&&?c>?d) SERVICE <http://x/> {} }"
    assert services(text) == [("http://x/", None)]


def test_iris_in_values_rows_are_iris_even_after_a_value():
    text = "SELECT * { VALUES (?a ?b) { (<http://x> <http://y#>) } SERVICE <http://z/> {} }"
    assert services(text) == [("http://z/", None)]


def test_load_targets_are_resolved():
    analysis = sparql_text.analyse(
        "LOAD SILENT <http://x/a.ttl> INTO GRAPH <http://g> ; PREFIX e: <http://e/> LOAD e:b"
    )
    assert analysis.loads == ("http://x/a.ttl", "http://e/b")


def test_from_is_a_dataset_clause_but_not_inside_a_string():
    assert sparql_text.analyse("SELECT * FROM <http://g> { ?s ?p ?o }").has_dataset_clause
    assert not sparql_text.analyse('SELECT * { ?s ?p "FROM <g>" }').has_dataset_clause


# --- LIMIT injection -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o } LIMIT 101"),
        (
            "SELECT * WHERE { ?s ?p ?o } # a comment",
            "SELECT * WHERE { ?s ?p ?o } LIMIT 101 # a comment",
        ),
        (
            "SELECT * WHERE { ?s ?p ?o } ORDER BY DESC(?s) ?o",
            "SELECT * WHERE { ?s ?p ?o } ORDER BY DESC(?s) ?o LIMIT 101",
        ),
        (
            "SELECT ?s (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(*) > 1)",
            "SELECT ?s (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?s HAVING (COUNT(*) > 1) LIMIT 101",
        ),
        ("SELECT * { ?s ?p ?o } LIMIT 5", "SELECT * { ?s ?p ?o } LIMIT 5"),
        ("SELECT * { ?s ?p ?o } LIMIT 101", "SELECT * { ?s ?p ?o } LIMIT 101"),
        ("SELECT * { ?s ?p ?o } limit 5000 OFFSET 7", "SELECT * { ?s ?p ?o } limit 101 OFFSET 7"),
        ("SELECT * { ?s ?p ?o } OFFSET 7 LIMIT 5000", "SELECT * { ?s ?p ?o } OFFSET 7 LIMIT 101"),
        ("SELECT * { ?s ?p ?o } OFFSET 7", "SELECT * { ?s ?p ?o } OFFSET 7 LIMIT 101"),
        (
            "SELECT * { ?s ?p ?o } VALUES ?s { <http://a> }",
            "SELECT * { ?s ?p ?o } LIMIT 101 VALUES ?s { <http://a> }",
        ),
        (
            "SELECT * { ?s ?p ?o } ORDER BY ?s VALUES (?s) { (<http://a>) }",
            "SELECT * { ?s ?p ?o } ORDER BY ?s LIMIT 101 VALUES (?s) { (<http://a>) }",
        ),
        (
            "SELECT * { { SELECT ?s { ?s ?p ?o } LIMIT 1000 } VALUES ?s { <http://a> } }",
            "SELECT * { { SELECT ?s { ?s ?p ?o } LIMIT 1000 } VALUES ?s { <http://a> } } LIMIT 101",
        ),
    ],
)
def test_top_level_limit_is_injected_or_lowered_and_still_parses(text, expected):
    assert limited(text) == expected
    assert_parses(expected)


@pytest.mark.parametrize(
    "text",
    [
        "ASK { ?s ?p ?o }",
        "CONSTRUCT WHERE { ?s ?p ?o }",
        "DESCRIBE <http://x>",
        "SELECT * WHERE { ?s ?p ?o ",  # unbalanced: left to pyoxigraph to reject
    ],
)
def test_other_forms_and_broken_texts_are_left_unchanged(text):
    assert limited(text) == text


def test_the_limit_bounds_the_solutions_pyoxigraph_produces():
    store = ox.Store()
    store.extend(
        ox.Quad(ox.NamedNode(f"http://s/{i}"), ox.NamedNode("http://p"), ox.Literal(i))
        for i in range(50)
    )
    text = limited("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?o", 7)
    assert len(list(store.query(text))) == 7


# --- syntax errors ---------------------------------------------------------------------------


def test_an_unterminated_string_is_reported_by_pyoxigraph_with_line_and_column():
    with pytest.raises(QuerySyntaxError, match=r"error at 2:\d+"):
        sparql_text.analyse('SELECT * WHERE {\n ?s ?p "abc }')


def test_an_unknown_form_is_reported_by_pyoxigraph_with_line_and_column():
    with pytest.raises(QuerySyntaxError, match=r"error at 1:\d+"):
        sparql_text.query_form("SELEC * { ?s ?p ?o }")


def test_an_unreadable_text_mentioning_service_is_never_handed_to_the_engine():
    with pytest.raises(QuerySyntaxError, match="line 1, column"):
        sparql_text.analyse("SELECT * { SERVICE <http://127.0.0.1:9/> {} } 'open")
