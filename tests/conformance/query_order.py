"""Which results a query orders, and by what: the top-level ``ORDER BY`` conditions.

A query's results are a sequence only when its outermost ``SELECT`` has ``ORDER BY`` (a
subquery's order does not survive the join). Rows with equal sort keys may come in any order,
so the comparison needs the keys: when each condition is a plain variable, the runs of equal
keys are read off the expected rows; otherwise exact positions are required.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyparsing import ParseException
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Variable

from .results import Row, canonical_term

UNORDERED = None
EXACT_POSITIONS: tuple[str, ...] = ()


def order_keys(query_text: str) -> tuple[str, ...] | None:
    """``None``: unordered; ``()``: ordered by keys we cannot read; else the key variables."""
    try:
        parsed = parseQuery(query_text)
    except (ParseException, Exception):
        # rdflib's grammar lags SPARQL 1.1 in places; fall back to the strictest reading.
        return EXACT_POSITIONS if "order by" in " ".join(query_text.lower().split()) else None
    query = parsed[1]
    if "orderby" not in query:  # CompValue.get() returns the key itself when it is missing
        return UNORDERED
    clause = query["orderby"]
    keys = []
    for condition in clause["condition"]:
        expression = condition["expr"] if isinstance(condition, CompValue) else condition
        variable = _as_variable(expression)
        if variable is None:
            return EXACT_POSITIONS
        keys.append(variable)
    return tuple(keys)


def _as_variable(expression: object) -> str | None:
    """The variable a condition is, once rdflib's one-operand wrapper nodes are peeled off."""
    while isinstance(expression, CompValue) and set(expression.keys()) == {"expr"}:
        expression = expression["expr"]
    return str(expression) if isinstance(expression, Variable) else None


def order_groups(rows: Sequence[Row], keys: tuple[str, ...]) -> list[int]:
    """For each row, the number of the run of equal sort keys it belongs to."""
    groups = []
    previous: tuple | None = None
    for position, row in enumerate(rows):
        if keys == EXACT_POSITIONS:
            groups.append(position)
            continue
        key = tuple(canonical_term(row[name]) if name in row else None for name in keys)
        if previous is None or key != previous:
            groups.append(position)
            previous = key
        else:
            groups.append(groups[-1])
    return groups
