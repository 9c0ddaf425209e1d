"""Query results as comparable values, and the equivalence the W3C suites define on them.

Expected results come in five shapes (``.srx``, ``.srj``, ``.tsv``, ``.csv`` and RDF graphs
that are either a CONSTRUCT answer or an ``rs:ResultSet`` description); the endpoint's answers
come back in the same formats. Both sides are parsed into ``Solutions``, ``Boolean`` or
``GraphResult`` and compared here:

- solutions as bags of rows, blank nodes matched by a consistent one-to-one mapping found by
  backtracking (labels are arbitrary, co-reference is not);
- order only where the query orders: rows must sit in the same runs of equal sort keys, and
  when the sort keys are not plain projected variables, in exactly the same positions;
- ``mf:LaxCardinality`` (REDUCED) as sets, since any number of duplicates may be dropped;
- graphs by isomorphism;
- literals "compared by value (test runners may convert lexical form to canonical form to
  compare character by character)", as the SPARQL 1.1 test suite's README has said since 2019:
  literals of the XSD numeric, boolean and date/time types are brought to their canonical
  lexical form before comparing. The datatype stays part of the term: a different datatype is
  never equal, so ``"1"^^xsd:integer`` and ``"1.0"^^xsd:decimal`` differ.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode as RdflibBNode
from rdflib import Graph as RdflibGraph
from rdflib import Literal as RdflibLiteral
from rdflib import URIRef
from rdflib.compare import isomorphic

XSD = "http://www.w3.org/2001/XMLSchema#"
RS = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")

INTEGER_TYPES = {
    XSD + name
    for name in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "positiveInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
DECIMAL_TYPE = XSD + "decimal"
FLOAT_TYPES = {XSD + "double", XSD + "float"}
BOOLEAN_TYPE = XSD + "boolean"
TEMPORAL_TYPES = {XSD + "dateTime", XSD + "date", XSD + "time", XSD + "dateTimeStamp"}
TEMPORAL = re.compile(
    r"^(?P<main>[^.Z+]*?(?:-\d\d)?)(?P<fraction>\.\d+)?(?P<zone>Z|[+-]\d\d:\d\d)?$"
)

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Row = dict[str, Term]


@dataclass
class Solutions:
    """A SELECT answer: its variables and its rows (unbound variables are absent)."""

    variables: frozenset[str]
    rows: list[Row]


@dataclass
class Boolean:
    value: bool


@dataclass
class GraphResult:
    triples: list[ox.Triple]


QueryResult = Solutions | Boolean | GraphResult

SOLUTION_FORMATS = {
    ".srx": ox.QueryResultsFormat.XML,
    ".srj": ox.QueryResultsFormat.JSON,
    ".tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".nt": ox.RdfFormat.N_TRIPLES,
}


def load_expected(path: Path) -> tuple[QueryResult, list[int] | None]:
    """The expected answer of a test, and the ``rs:index`` order when the file gives one."""
    suffix = path.suffix
    if suffix in SOLUTION_FORMATS:
        return parse_results(path.read_bytes(), SOLUTION_FORMATS[suffix]), None
    if suffix == ".csv":
        return parse_csv(path.read_bytes()), None
    if suffix in GRAPH_FORMATS:
        quads = ox.parse(path.read_bytes(), GRAPH_FORMATS[suffix], base_iri=path.resolve().as_uri())
        triples = [quad.triple for quad in quads]
        return _from_result_set_graph(triples)
    raise ValueError(f"no parser for expected results {path}")


def parse_results(body: bytes, results_format: ox.QueryResultsFormat) -> Solutions | Boolean:
    parsed = ox.parse_query_results(body, results_format)
    if isinstance(parsed, ox.QueryBoolean):
        return Boolean(bool(parsed))
    variables = [variable.value for variable in parsed.variables]
    rows = []
    for solution in parsed:
        row = {}
        for variable in variables:
            value = solution[variable]
            if value is not None:
                row[variable] = value
        rows.append(row)
    return Solutions(frozenset(variables), rows)


def parse_graph(body: bytes, rdf_format: ox.RdfFormat) -> GraphResult:
    return GraphResult([quad.triple for quad in ox.parse(body, rdf_format)])


def parse_csv(body: bytes) -> Solutions:
    """SPARQL CSV is lossy (no term kinds, no datatypes): cells stay strings, ``_:`` blank."""
    reader = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    header = next(reader, [])
    rows = []
    for record in reader:
        row: Row = {}
        for variable, cell in zip(header, record, strict=True):
            if cell == "":
                continue
            row[variable] = ox.BlankNode(cell[2:]) if cell.startswith("_:") else ox.Literal(cell)
        rows.append(row)
    return Solutions(frozenset(header), rows)


def _from_result_set_graph(triples: list[ox.Triple]) -> tuple[QueryResult, list[int] | None]:
    """Read the DAWG ``rs:`` vocabulary; a graph without an ``rs:ResultSet`` is a graph answer."""
    by_subject: dict[Term, list[ox.Triple]] = {}
    for triple in triples:
        by_subject.setdefault(triple.subject, []).append(triple)

    def values(subject: Term, predicate: str) -> list[Term]:
        return [t.object for t in by_subject.get(subject, []) if t.predicate.value == predicate]

    result_sets = [
        t.subject for t in triples if t.predicate == RDF_TYPE and t.object.value == RS + "ResultSet"
    ]
    if not result_sets:
        return GraphResult(triples), None
    result_set = result_sets[0]
    booleans = values(result_set, RS + "boolean")
    if booleans:
        return Boolean(booleans[0].value == "true"), None
    variables = frozenset(term.value for term in values(result_set, RS + "resultVariable"))
    indexed = []
    for solution in values(result_set, RS + "solution"):
        row: Row = {}
        for binding in values(solution, RS + "binding"):
            (variable,) = values(binding, RS + "variable")
            (value,) = values(binding, RS + "value")
            row[variable.value] = value
        index = values(solution, RS + "index")
        indexed.append((int(index[0].value) if index else None, row))
    if indexed and all(index is not None for index, _ in indexed):
        indexed.sort(key=lambda item: item[0])
        order = [index for index, _ in indexed]
    else:
        order = None
    return Solutions(variables, [row for _, row in indexed]), order


def canonical_literal(literal: ox.Literal) -> ox.Literal:
    """The literal with its value's canonical lexical form, for types the store keeps as values."""
    datatype = literal.datatype.value
    lexical = literal.value.strip()
    try:
        if datatype in INTEGER_TYPES:
            return ox.Literal(str(int(lexical)), datatype=literal.datatype)
        if datatype == DECIMAL_TYPE:
            value = Decimal(lexical)
            if not value.is_finite():
                return literal
            return ox.Literal(_decimal_text(value), datatype=literal.datatype)
        if datatype in FLOAT_TYPES:
            number = float(lexical.replace("INF", "inf"))
            return ox.Literal(repr(number), datatype=literal.datatype)
        if datatype == BOOLEAN_TYPE and lexical in ("true", "false", "1", "0"):
            return ox.Literal(str(lexical in ("true", "1")).lower(), datatype=literal.datatype)
        if datatype in TEMPORAL_TYPES:
            return ox.Literal(_temporal_text(lexical), datatype=literal.datatype)
    except (ValueError, InvalidOperation):
        return literal
    return literal


def _temporal_text(lexical: str) -> str:
    """Canonical date/time text: no trailing zero fraction digits, UTC written ``Z``."""
    match = TEMPORAL.match(lexical)
    if match is None:
        return lexical
    fraction = (match["fraction"] or "").rstrip("0").rstrip(".")
    zone = match["zone"] or ""
    if zone in ("+00:00", "-00:00"):
        zone = "Z"
    return match["main"] + fraction + zone


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


def canonical_term(term: Term) -> Term:
    return canonical_literal(term) if isinstance(term, ox.Literal) else term


def solutions_equivalent(
    expected: Solutions,
    actual: Solutions,
    expected_groups: Sequence[int] | None = None,
    *,
    lax_cardinality: bool = False,
) -> bool:
    """Bag equivalence up to blank-node renaming; rows may only match within the same group.

    ``expected_groups[i]`` is the run of equal sort keys expected row ``i`` belongs to; the
    actual row at position ``i`` must then belong to the same run. ``None``: no order.
    """
    if expected.variables != actual.variables:
        return False
    expected_rows = [_canonical_row(row) for row in expected.rows]
    actual_rows = [_canonical_row(row) for row in actual.rows]
    if lax_cardinality:
        expected_rows = _distinct(expected_rows)
        actual_rows = _distinct(actual_rows)
    if len(expected_rows) != len(actual_rows):
        return False
    if expected_groups is None:
        groups = [0] * len(expected_rows)
    elif lax_cardinality:
        return False  # REDUCED with ORDER BY does not occur in the suites
    else:
        groups = list(expected_groups)
    return _bags_match(
        list(zip(groups, expected_rows, strict=True)),
        list(zip(groups, actual_rows, strict=True)),
    )


def _canonical_row(row: Row) -> Row:
    return {variable: canonical_term(value) for variable, value in row.items()}


def _distinct(rows: list[Row]) -> list[Row]:
    seen = set()
    unique = []
    for row in rows:
        key = frozenset(row.items())
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def _has_blank(row: Row) -> bool:
    return any(isinstance(value, ox.BlankNode) for value in row.values())


def _shape(group: int, row: Row) -> tuple:
    """What two rows must share to match: group, ground values, and where blanks co-refer."""
    blanks: dict[ox.BlankNode, int] = {}
    shape = []
    for variable in sorted(row):
        value = row[variable]
        if isinstance(value, ox.BlankNode):
            shape.append((variable, "_", blanks.setdefault(value, len(blanks))))
        else:
            shape.append((variable, "=", value))
    return group, tuple(shape)


def _bags_match(expected: list[tuple[int, Row]], actual: list[tuple[int, Row]]) -> bool:
    ground_expected = Counter(_shape(g, r) for g, r in expected if not _has_blank(r))
    ground_actual = Counter(_shape(g, r) for g, r in actual if not _has_blank(r))
    if ground_expected != ground_actual:
        return False
    open_expected = [(g, r) for g, r in expected if _has_blank(r)]
    open_actual = [(g, r) for g, r in actual if _has_blank(r)]
    if Counter(_shape(g, r) for g, r in open_expected) != Counter(
        _shape(g, r) for g, r in open_actual
    ):
        return False
    candidates: dict[tuple, list[int]] = {}
    for position, (group, row) in enumerate(open_actual):
        candidates.setdefault(_shape(group, row), []).append(position)
    # Most constrained rows first: the ones with the fewest rows they could match.
    pending = sorted(open_expected, key=lambda item: len(candidates[_shape(*item)]))
    used: set[int] = set()
    forward: dict[ox.BlankNode, ox.BlankNode] = {}
    backward: dict[ox.BlankNode, ox.BlankNode] = {}

    def extend(index: int) -> bool:
        """Depth-first search for a bijection of rows and of blank nodes; undone on backtrack."""
        if index == len(pending):
            return True
        group, row = pending[index]
        for position in candidates[_shape(group, row)]:
            if position in used:
                continue
            added = _bind_blanks(row, open_actual[position][1], forward, backward)
            if added is None:
                continue
            used.add(position)
            if extend(index + 1):
                return True
            used.discard(position)
            for blank in added:
                del backward[forward.pop(blank)]
        return False

    return extend(0)


def _bind_blanks(
    expected: Row,
    actual: Row,
    forward: dict[ox.BlankNode, ox.BlankNode],
    backward: dict[ox.BlankNode, ox.BlankNode],
) -> list[ox.BlankNode] | None:
    """Extend the blank-node mapping so ``expected`` maps onto ``actual``; None if it cannot."""
    added: list[ox.BlankNode] = []
    for variable, value in expected.items():
        if not isinstance(value, ox.BlankNode):
            continue
        target = actual[variable]
        mapped = forward.get(value)
        if mapped is None and target not in backward:
            forward[value] = target
            backward[target] = value
            added.append(value)
        elif mapped != target:
            for blank in added:
                del backward[forward.pop(blank)]
            return None
    return added


def graphs_equivalent(expected: GraphResult, actual: GraphResult) -> bool:
    """Isomorphism (rdflib), after bringing value-typed literals to canonical form."""
    return isomorphic(_to_rdflib(expected.triples), _to_rdflib(actual.triples))


def _to_rdflib(triples: Iterable[ox.Triple]) -> RdflibGraph:
    graph = RdflibGraph()
    for triple in triples:
        graph.add(tuple(_rdflib_term(term) for term in triple))  # type: ignore[arg-type]
    return graph


def _rdflib_term(term: Term):  # type: ignore[no-untyped-def]
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return RdflibBNode(term.value)
    literal = canonical_literal(term)
    if literal.language:
        return RdflibLiteral(literal.value, lang=literal.language)
    if literal.datatype.value == XSD + "string":
        return RdflibLiteral(literal.value, datatype=URIRef(XSD + "string"))
    return RdflibLiteral(literal.value, datatype=URIRef(literal.datatype.value), normalize=False)


def describe(result: QueryResult, limit: int = 40) -> str:
    """A readable dump for failure messages."""
    if isinstance(result, Boolean):
        return f"boolean {result.value}"
    if isinstance(result, GraphResult):
        lines = sorted(str(triple) for triple in result.triples)
        return f"graph of {len(lines)} triples\n" + "\n".join(lines[:limit])
    lines = [
        " ".join(f"?{variable}={row[variable]}" for variable in sorted(row)) for row in result.rows
    ]
    header = f"{len(lines)} rows over ({' '.join(sorted(result.variables))})"
    return header + "\n" + "\n".join(lines[:limit])
