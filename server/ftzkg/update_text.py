"""What the server must know about a SPARQL Update's text before pyoxigraph runs it.

pyoxigraph takes update text and nothing else, so two things are done on the text itself,
with the lexer of ``ftzkg.sparql_text`` (strings, comments and IRIs cannot hide a keyword):

* ``fetched_iris`` lists every IRI the update would fetch over HTTP (``LOAD`` sources and
  ``SERVICE`` endpoints, with ``PREFIX`` and ``BASE`` resolved) so the network guard can
  refuse them before anything runs; a ``SERVICE ?var`` is reported as ``None`` and refused;
* ``with_using_clauses`` turns the protocol's ``using-graph-uri`` / ``using-named-graph-uri``
  into ``USING`` / ``USING NAMED`` clauses before each ``WHERE`` of a DELETE/INSERT, which is
  exactly their meaning in the SPARQL 1.1 Protocol (and 400 when the text has its own).
"""

from __future__ import annotations

from itertools import pairwise
from urllib.parse import urljoin

from ftzkg import sparql_text
from ftzkg.errors import BadRequest


def fetched_iris(text: str, base: str = "") -> list[tuple[str, str | None]]:
    """Each (``LOAD``/``SERVICE``, IRI or None) that evaluating ``text`` may fetch.

    ``base`` is the base IRI the engine resolves relative IRIs against (a ``BASE`` in the
    text has already been applied by the lexer).
    """
    analysis = sparql_text.analyse(text)
    found: list[tuple[str, str | None]] = [
        ("LOAD", urljoin(base, iri) if base else iri) for iri in analysis.loads
    ]
    for service in analysis.services:
        endpoint = service.endpoint
        found.append(("SERVICE", urljoin(base, endpoint) if base and endpoint else endpoint))
    return found


def with_using_clauses(
    text: str, using_graph_uris: tuple[str, ...], using_named_graph_uris: tuple[str, ...]
) -> str:
    """``text`` with the protocol's dataset turned into USING clauses before each WHERE."""
    if not using_graph_uris and not using_named_graph_uris:
        return text
    tokens = sparql_text.tokenize(text)
    for token in tokens:
        if token.kind == "word" and token.text.upper() in {"USING", "WITH"}:
            raise BadRequest(
                f"the update has its own {token.text.upper()} clause; it cannot be combined "
                "with using-graph-uri or using-named-graph-uri"
            )
    clauses = " ".join(
        [f"USING <{iri}>" for iri in using_graph_uris]
        + [f"USING NAMED <{iri}>" for iri in using_named_graph_uris]
    )
    # A WHERE right after a closing template brace, outside any bracket, is a DELETE/INSERT
    # operation's WHERE; ``DELETE WHERE`` (which takes no USING) follows DELETE instead.
    insert_at = [
        token.start
        for previous, token in pairwise(tokens)
        if token.depth == 0
        and token.kind == "word"
        and token.text.upper() == "WHERE"
        and previous.text == "}"
    ]
    for position in reversed(insert_at):
        text = f"{text[:position]}{clauses} {text[position:]}"
    return text
