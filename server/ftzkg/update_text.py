"""What the server must know about a SPARQL Update's text before pyoxigraph runs it.

pyoxigraph takes update text and nothing else, so two things are done on the text itself:

* ``fetched_iris`` lists every IRI the update would fetch over HTTP (``LOAD`` sources and
  ``SERVICE`` endpoints, with ``PREFIX`` and ``BASE`` resolved) so the network guard can
  refuse them before anything runs; a ``SERVICE ?var`` or a target it cannot resolve is
  reported as ``None`` and refused (fail closed);
* ``with_using_clauses`` turns the protocol's ``using-graph-uri`` / ``using-named-graph-uri``
  into ``USING`` / ``USING NAMED`` clauses before each ``WHERE`` of a DELETE/INSERT, which is
  exactly their meaning in the SPARQL 1.1 Protocol (and 400 when the text has its own).

The tokenizer only separates what can hide a keyword (comments, strings, IRIs) from the
rest; the engine's parser stays the judge of syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from ftzkg.errors import BadRequest

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<variable>[?$][\w\u00b7\u0300-\u036f\u203f-\u2040]+)
    | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?
               :(?:[\w\u00c0-\uffff:%\\.\-]*[\w\u00c0-\uffff:%\-])?)
    | (?P<word>[A-Za-z_][\w\-]*)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int


def tokens(text: str) -> Iterator[Token]:
    """The significant tokens of ``text`` (no spaces, no comments)."""
    for match in TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind not in {"space", "comment"}:
            yield Token(kind, match.group(), match.start())


def fetched_iris(text: str, base: str = "") -> list[tuple[str, str | None]]:
    """Each (``LOAD``/``SERVICE``, absolute IRI or None) that evaluating ``text`` may fetch.

    ``base`` is the base IRI the engine resolves relative IRIs against.
    """
    prefixes: dict[str, str] = {}
    found: list[tuple[str, str | None]] = []
    significant = list(tokens(text))
    for index, token in enumerate(significant):
        upper = token.text.upper() if token.kind == "word" else ""
        if upper == "BASE" and _kind_at(significant, index + 1) == "iri":
            base = urljoin(base, significant[index + 1].text[1:-1])
        elif upper == "PREFIX" and _kind_at(significant, index + 2) == "iri":
            name = significant[index + 1].text.rstrip(":")
            prefixes[name] = urljoin(base, significant[index + 2].text[1:-1])
        elif upper in {"LOAD", "SERVICE"}:
            position = index + 1
            if _text_at(significant, position).upper() == "SILENT":
                position += 1
            found.append((upper, _resolve(significant, position, prefixes, base)))
    return found


def with_using_clauses(
    text: str, using_graph_uris: tuple[str, ...], using_named_graph_uris: tuple[str, ...]
) -> str:
    """``text`` with the protocol's dataset turned into USING clauses before each WHERE."""
    if not using_graph_uris and not using_named_graph_uris:
        return text
    significant = list(tokens(text))
    for token in significant:
        if token.kind == "word" and token.text.upper() in {"USING", "WITH"}:
            raise BadRequest(
                f"the update has its own {token.text.upper()} clause; it cannot be combined "
                "with using-graph-uri or using-named-graph-uri"
            )
    clauses = " ".join(
        [f"USING <{iri}>" for iri in using_graph_uris]
        + [f"USING NAMED <{iri}>" for iri in using_named_graph_uris]
    )
    depth = 0
    insert_at: list[int] = []
    previous: Token | None = None
    for token in significant:
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        elif (
            depth == 0
            and token.kind == "word"
            and token.text.upper() == "WHERE"
            and previous is not None
            and previous.text == "}"
        ):
            insert_at.append(token.start)
        previous = token
    for position in reversed(insert_at):
        text = f"{text[:position]}{clauses} {text[position:]}"
    return text


def _kind_at(significant: list[Token], index: int) -> str:
    return significant[index].kind if index < len(significant) else ""


def _text_at(significant: list[Token], index: int) -> str:
    return significant[index].text if index < len(significant) else ""


def _resolve(
    significant: list[Token], index: int, prefixes: dict[str, str], base: str
) -> str | None:
    if index >= len(significant):
        return None
    token = significant[index]
    if token.kind == "iri":
        return urljoin(base, token.text[1:-1])
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None
