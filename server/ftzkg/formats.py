"""The one registry of result and RDF formats, and content negotiation over it.

Each format is one entry: its ``format=`` short name, its media types, the query forms it
serves and the pyoxigraph format that writes it. Adding a format is adding an entry here;
no view branches on formats.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from ftzkg.errors import BadRequest, NotAcceptable

SOLUTIONS = "solutions"  # SELECT and ASK
GRAPH = "graph"  # CONSTRUCT and DESCRIBE; also Linked Data pages and dumps
W3C_FORMATS_NAMESPACE = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class Format:
    """One serialisation: what it is called, how it is announced, and who writes it."""

    name: str
    media_types: tuple[str, ...]  # the first is the one announced in Content-Type
    kind: str  # SOLUTIONS or GRAPH
    oxigraph: ox.QueryResultsFormat | ox.RdfFormat
    extension: str
    w3c_name: str  # its name in the W3C formats vocabulary
    datasets: bool = False  # holds named graphs (N-Quads, TriG)

    @property
    def w3c_iri(self) -> str:
        return W3C_FORMATS_NAMESPACE + self.w3c_name

    @property
    def media_type(self) -> str:
        return self.media_types[0]

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


FORMATS: tuple[Format, ...] = (
    Format(
        "json",
        ("application/sparql-results+json", "application/json"),
        SOLUTIONS,
        ox.QueryResultsFormat.JSON,
        "srj",
        "SPARQL_Results_JSON",
    ),
    Format(
        "xml",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        SOLUTIONS,
        ox.QueryResultsFormat.XML,
        "srx",
        "SPARQL_Results_XML",
    ),
    Format("csv", ("text/csv",), SOLUTIONS, ox.QueryResultsFormat.CSV, "csv", "SPARQL_Results_CSV"),
    Format(
        "tsv",
        ("text/tab-separated-values",),
        SOLUTIONS,
        ox.QueryResultsFormat.TSV,
        "tsv",
        "SPARQL_Results_TSV",
    ),
    Format(
        "turtle",
        ("text/turtle", "application/x-turtle"),
        GRAPH,
        ox.RdfFormat.TURTLE,
        "ttl",
        "Turtle",
    ),
    Format(
        "ntriples",
        ("application/n-triples", "text/plain"),
        GRAPH,
        ox.RdfFormat.N_TRIPLES,
        "nt",
        "N-Triples",
    ),
    Format("rdfxml", ("application/rdf+xml",), GRAPH, ox.RdfFormat.RDF_XML, "rdf", "RDF_XML"),
    Format("jsonld", ("application/ld+json",), GRAPH, ox.RdfFormat.JSON_LD, "jsonld", "JSON-LD"),
    Format(
        "nquads",
        ("application/n-quads",),
        GRAPH,
        ox.RdfFormat.N_QUADS,
        "nq",
        "N-Quads",
        datasets=True,
    ),
    Format("trig", ("application/trig",), GRAPH, ox.RdfFormat.TRIG, "trig", "TriG", datasets=True),
)

BY_NAME = {entry.name: entry for entry in FORMATS}


def format_by_name(name: str) -> Format:
    """The format a ``format=`` value names; its short name or one of its media types."""
    key = name.strip().lower()
    if key in BY_NAME:
        return BY_NAME[key]
    for entry in FORMATS:
        if key in entry.media_types:
            return entry
    names = ", ".join(entry.name for entry in FORMATS)
    raise BadRequest(f"unknown format '{name}': use one of {names}")


def formats_for(kind: str) -> list[Format]:
    return [entry for entry in FORMATS if entry.kind == kind]


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """Media ranges of an ``Accept`` header as (range, q, position); malformed q counts as 0."""
    if not header:
        return [("*/*", 1.0, 0)]
    ranges = []
    for position, part in enumerate(header.split(",")):
        pieces = [piece.strip() for piece in part.split(";")]
        media_range = pieces[0].lower()
        if not media_range:
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        ranges.append((media_range, quality, position))
    return ranges


def _match_quality(
    media_type: str, ranges: Iterable[tuple[str, float, int]], exact_only: bool = False
) -> tuple[int, float, int] | None:
    """(specificity, q, -position) of the most specific range matching ``media_type``.

    With ``exact_only`` only a range naming the type itself counts: an alias (say
    ``application/json`` for SPARQL JSON results) is honoured when a client names it, but a
    wildcard must not pick a format through an alias it would then not be served in.
    """
    best = None
    type_major = media_type.partition("/")[0]
    for media_range, quality, position in ranges:
        major, _, minor = media_range.partition("/")
        if media_range == media_type:
            specificity = 2
        elif exact_only:
            continue
        elif minor == "*" and major == type_major:
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        candidate = (specificity, quality, -position)
        if best is None or candidate[0] > best[0]:
            best = candidate
    return best


def negotiate(
    kind: str, accept: str | None, format_name: str | None = None, default: str | None = None
) -> Format:
    """Choose the format for a response of ``kind`` from ``format=`` or the ``Accept`` header.

    ``format=`` wins when given (browsers cannot set headers on a link). Among acceptable
    formats the highest q wins, then the most specific range, then the client's order, then
    the registry's order (``default`` first when given). Nothing acceptable raises
    ``NotAcceptable`` listing the types that would be.
    """
    candidates = formats_for(kind)
    if format_name:
        chosen = format_by_name(format_name)
        if chosen.kind != kind:
            usable = ", ".join(entry.name for entry in candidates)
            raise BadRequest(
                f"format '{format_name}' cannot carry this result; use one of {usable}"
            )
        return chosen
    if default is not None:
        candidates.sort(key=lambda entry: entry.name != default)
    ranges = parse_accept(accept)
    scored = []
    for order, entry in enumerate(candidates):
        best = _match_quality(entry.media_type, ranges)
        if best is None or best[0] < 2:  # the announced type is not named: try its aliases
            for alias in entry.media_types[1:]:
                match = _match_quality(alias, ranges, exact_only=True)
                if match is not None and (best is None or match[1] > best[1]):
                    best = match
        if best is not None and best[1] > 0:
            specificity, quality, client_order = best
            scored.append(((quality, specificity, client_order, -order), entry))
    if not scored:
        supported = ", ".join(entry.media_type for entry in candidates)
        raise NotAcceptable(
            f"none of the accepted media types can be produced; supported: {supported}"
        )
    scored.sort(key=lambda item: item[0], reverse=True)
    return scored[0][1]
