"""Reading the graph through the Store interface, as parsed terms, for pages and descriptions.

The Linked Data pages, the dataset descriptions and the dumps ask the store with SPARQL like
any client does, so they work on every Store backend and see exactly what the endpoint
serves. The store answers in a serialisation; this module parses it back with pyoxigraph.
"""

from __future__ import annotations

import pyoxigraph as ox

from ftzkg.errors import Unavailable
from ftzkg.formats import BY_NAME
from ftzkg.store import QueryRequest, Store

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]


def _answer_bytes(store: Store, text: str, format_name: str) -> bytes:
    """The complete answer: a page built from a cut result would be silently wrong."""
    answer = store.query(QueryRequest(text=text, result_format=BY_NAME[format_name]))
    data = b"".join(answer.chunks)
    if answer.truncated:
        raise Unavailable(
            f"the answer has more than {answer.row_limit} rows (FTZKG_MAX_ROWS), "
            "so it cannot be shown complete"
        )
    return data


def select(store: Store, text: str) -> list[Row]:
    """The solutions of a SELECT query, each as a dict from variable name to bound term."""
    solutions = ox.parse_query_results(
        _answer_bytes(store, text, "json"), format=ox.QueryResultsFormat.JSON
    )
    names = [variable.value for variable in solutions.variables]
    rows = []
    for solution in solutions:
        row = {name: solution[name] for name in names if solution[name] is not None}
        rows.append(row)
    return rows


def ask(store: Store, text: str) -> bool:
    result = ox.parse_query_results(
        _answer_bytes(store, text, "json"), format=ox.QueryResultsFormat.JSON
    )
    return bool(result)


def construct(store: Store, text: str) -> list[ox.Triple]:
    """The triples of a CONSTRUCT (or DESCRIBE) query."""
    data = _answer_bytes(store, text, "ntriples")
    return [quad.triple for quad in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]


def iri(value: str) -> str:
    """``value`` as a SPARQL IRI reference; refuses characters that could break out of it."""
    if any(character in value for character in '<>"{}|^`\\ \n\r\t'):
        raise ValueError(f"not usable as an IRI in a query: {value!r}")
    return f"<{value}>"
