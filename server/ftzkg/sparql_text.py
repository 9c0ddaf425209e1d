"""What a SPARQL text asks for, read before any engine sees it.

pyoxigraph executes ``SERVICE`` over HTTP as soon as it evaluates a query and offers no
parse-only call, so the endpoint has to know, from the text alone, whether a request is a
query or an update, which query form it is, which remote endpoints it would contact and where
a top-level ``LIMIT`` goes. A small lexer is enough for that: it follows the SPARQL 1.1
terminals (strings including long strings, ``IRIREF``, comments, variables, prefixed names)
and tracks brackets, so a ``SERVICE`` inside a string, a comment or an IRI is not one, and a
``LIMIT`` inside a subquery is not the query's. The grammar proper stays pyoxigraph's: when the
text is not what this lexer understands, pyoxigraph's parser reports the error with its line
and column.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import pyoxigraph as ox

from ftzkg.errors import QueryNotAllowed, QuerySyntaxError
from ftzkg.formats import GRAPH, SOLUTIONS

QUERY_FORMS = {"SELECT": SOLUTIONS, "ASK": SOLUTIONS, "CONSTRUCT": GRAPH, "DESCRIBE": GRAPH}
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)

_ESCAPE = r"\\."
_IRIREF = re.compile(r"<(?:[^<>\"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>")
_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>'''(?:'{0,2}(?:[^'\\]|ESC))*'''
               | \"\"\"(?:\"{0,2}(?:[^\"\\]|ESC))*\"\"\"
               | '(?:[^'\\\r\n]|ESC)*'
               | "(?:[^"\\\r\n]|ESC)*")
    | (?P<unterminated>'''|\"\"\"|'|")
    | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F\u2040]+)
    | (?P<bnode>_:[\w](?:[\w.\-\u00B7]*[\w\-\u00B7])?)
    | (?P<pname>(?:[^\W\d_](?:[\w.\-\u00B7]*[\w\-\u00B7])?)?:
               (?:(?:[\w:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%])
                  (?:[\w.:\-\u00B7]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%])*)?)
    | (?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<number>\d*\.\d+(?:[eE][+-]?\d+)?|\d+\.\d*[eE][+-]?\d+|\d+(?:[eE][+-]?\d+)?)
    | (?P<word>[^\W\d]\w*)
    | (?P<punct>[{}()\[\]])
    | (?P<other>\^\^|<=|>=|!=|&&|\|\||.)
    """.replace("ESC", _ESCAPE),
    re.VERBOSE | re.DOTALL,
)
# After one of these, inside an expression, ``<`` is the less-than operator, not an IRI.
_VALUE_KINDS = frozenset({"var", "string", "number", "iri", "pname", "bnode", "langtag"})
_LOCAL_ESCAPE = re.compile(r"\\(.)")
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Token:
    kind: str  # var, string, iri, pname, bnode, langtag, number, word, punct, other
    text: str
    start: int
    end: int
    depth: int  # open brackets of any kind before this token


@dataclass(frozen=True)
class ServiceClause:
    """A ``SERVICE`` the text would run: its endpoint IRI, or the variable that names it."""

    endpoint: str | None
    variable: str | None
    line: int
    column: int

    def describe(self) -> str:
        target = f"<{self.endpoint}>" if self.endpoint is not None else self.variable
        return f"SERVICE {target} at line {self.line}, column {self.column}"


@dataclass(frozen=True)
class SparqlText:
    """A SPARQL text as far as the endpoint needs to know it before evaluation."""

    text: str
    keyword: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or the update's first keyword
    tokens: tuple[Token, ...]
    services: tuple[ServiceClause, ...]
    loads: tuple[str, ...]  # IRIs an update would fetch with LOAD
    has_dataset_clause: bool  # FROM / FROM NAMED (queries), USING (updates)
    balanced: bool  # every bracket closes: the structure can be edited safely

    @property
    def is_update(self) -> bool:
        return self.keyword in UPDATE_KEYWORDS

    @property
    def form(self) -> str | None:
        """The query form, or None for an update or a text whose form is unclear."""
        return self.keyword if self.keyword in QUERY_FORMS else None

    @property
    def result_kind(self) -> str | None:
        """``formats.SOLUTIONS`` for SELECT/ASK, ``formats.GRAPH`` for CONSTRUCT/DESCRIBE."""
        return QUERY_FORMS.get(self.keyword or "")


class _Unterminated(Exception):
    def __init__(self, position: int) -> None:
        self.position = position


def line_and_column(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character offset, as pyoxigraph counts them."""
    line = text.count("\n", 0, position) + 1
    return line, position - (text.rfind("\n", 0, position) + 1) + 1


def tokenize(text: str) -> list[Token]:
    """The significant tokens of a SPARQL text (no whitespace, no comments).

    ``<`` starts an IRI unless, inside an expression's parentheses, it follows a value: there
    it is the less-than operator (``FILTER(?a<?b)``), as in the grammar.
    """
    tokens: list[Token] = []
    brackets: list[str] = []  # "{", "[", "(expr" or "(data"
    position = 0
    length = len(text)
    while position < length:
        if text[position] == "<" and not _is_operator_position(tokens, brackets):
            iri = _IRIREF.match(text, position)
            if iri is not None:
                tokens.append(Token("iri", iri.group(), position, iri.end(), len(brackets)))
                position = iri.end()
                continue
        match = _TOKEN.match(text, position)
        assert match is not None  # the "other" branch matches any character
        kind = match.lastgroup or "other"
        if kind == "unterminated":
            raise _Unterminated(position)
        if kind not in {"ws", "comment"}:
            if kind == "pname" and match.group().endswith("."):
                # A local name cannot end with '.': that dot ends the triple.
                trimmed = match.group().rstrip(".")
                match_end = position + len(trimmed)
            else:
                match_end = match.end()
            token = Token(kind, text[position:match_end], position, match_end, len(brackets))
            _track_brackets(token, tokens, brackets)
            tokens.append(token)
            position = match_end
            continue
        position = match.end()
    return tokens


def _is_operator_position(tokens: list[Token], brackets: list[str]) -> bool:
    if not brackets or brackets[-1] != "(expr" or not tokens:
        return False
    previous = tokens[-1]
    return (
        previous.kind in _VALUE_KINDS
        or previous.text in {")", "]"}
        or (previous.kind == "word" and previous.text.lower() in {"true", "false"})
    )


def _track_brackets(token: Token, tokens: list[Token], brackets: list[str]) -> None:
    if token.kind != "punct":
        return
    if token.text in "{[":
        brackets.append(token.text)
    elif token.text == "(":
        brackets.append("(expr" if _opens_expression(tokens, brackets) else "(data")
    elif brackets:
        brackets.pop()


def _opens_expression(tokens: list[Token], brackets: list[str]) -> bool:
    """Whether a ``(`` opens an expression rather than a collection or a VALUES row."""
    if brackets and brackets[-1] == "(expr":
        return True
    if brackets and brackets[-1] == "(data":
        return False
    previous = tokens[-1] if tokens else None
    if previous is None:
        return False
    if previous.kind == "word":
        return previous.text.upper() not in {"VALUES", "A"}
    if previous.kind in {"iri", "pname"}:
        # A function call in a FILTER or ORDER BY (``FILTER <fn>(…)``), else an object list.
        before = tokens[-2] if len(tokens) > 1 else None
        return not brackets or (
            before is not None and before.kind == "word" and before.text.upper() == "FILTER"
        )
    return not brackets and previous.text != "{"


# The same text is analysed by the protocol layer and again by the store, and analysts
# resend the same queries: remembering the last few answers keeps the lexer off the hot path.
@functools.lru_cache(maxsize=256)
def analyse(text: str) -> SparqlText:
    """Read the form, SERVICE clauses, LOAD sources and dataset clauses of a SPARQL text.

    A text the lexer cannot read (an unterminated string) is handed to pyoxigraph's parser,
    which raises the syntax error with its line and column.
    """
    try:
        tokens = tokenize(text)
    except _Unterminated as failure:
        raise syntax_error(text, failure.position) from None
    prefixes: dict[str, str] = {}
    base: str | None = None
    keyword: str | None = None
    services: list[ServiceClause] = []
    loads: list[str] = []
    has_dataset_clause = False
    for index, token in enumerate(tokens):
        upper = token.text.upper() if token.kind == "word" else ""
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if upper == "BASE" and following is not None and following.kind == "iri":
            base = _resolve(_iri_value(following.text), base)
        elif upper == "PREFIX" and following is not None and following.kind == "pname":
            target = tokens[index + 2] if index + 2 < len(tokens) else None
            if target is not None and target.kind == "iri":
                prefixes[following.text[:-1]] = _resolve(_iri_value(target.text), base)
        if keyword is None and (upper in QUERY_FORMS or upper in UPDATE_KEYWORDS):
            keyword = upper
        if upper in {"FROM", "USING"} and token.depth == 0:
            has_dataset_clause = True
        elif upper == "SERVICE":
            services.append(_service_clause(text, tokens, index, prefixes, base))
        elif upper == "LOAD":
            source = _term_after(tokens, index, skip={"SILENT"})
            if source is not None and source.kind in {"iri", "pname"}:
                loads.append(_term_iri(source, prefixes, base))
    depth = 0
    for token in tokens:
        if token.kind == "punct":
            depth += 1 if token.text in "{[(" else -1
    return SparqlText(
        text=text,
        keyword=keyword,
        tokens=tuple(tokens),
        services=tuple(services),
        loads=tuple(loads),
        has_dataset_clause=has_dataset_clause,
        balanced=depth == 0,
    )


def _term_after(tokens: list[Token], index: int, skip: set[str]) -> Token | None:
    for token in tokens[index + 1 :]:
        if token.kind == "word" and token.text.upper() in skip:
            continue
        return token
    return None


def _service_clause(
    text: str, tokens: list[Token], index: int, prefixes: dict[str, str], base: str | None
) -> ServiceClause:
    line, column = line_and_column(text, tokens[index].start)
    target = _term_after(tokens, index, skip={"SILENT"})
    if target is not None and target.kind in {"iri", "pname"}:
        return ServiceClause(_term_iri(target, prefixes, base), None, line, column)
    variable = target.text if target is not None else "(nothing)"
    return ServiceClause(None, variable, line, column)


def _iri_value(iriref: str) -> str:
    return _UCHAR.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), iriref[1:-1])


def _resolve(iri: str, base: str | None) -> str:
    return urljoin(base, iri) if base else iri


def _term_iri(token: Token, prefixes: dict[str, str], base: str | None) -> str:
    if token.kind == "iri":
        return _resolve(_iri_value(token.text), base)
    prefix, _, local = token.text.partition(":")
    namespace = prefixes.get(prefix)
    if namespace is None:
        # An undeclared prefix is a syntax error pyoxigraph will report; name it as written.
        return token.text
    return namespace + _LOCAL_ESCAPE.sub(r"\1", local)


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: what the protocol layer negotiates a format for."""
    return require_query(analyse(text))


def require_query(analysis: SparqlText) -> str:
    """The query form; an update raises ``QueryNotAllowed``, anything else pyoxigraph's
    syntax error (``QuerySyntaxError``)."""
    if analysis.is_update:
        raise QueryNotAllowed(
            f"this is a SPARQL update ({analysis.keyword}); the query endpoint only answers "
            "queries (updates go to /sparql/update)"
        )
    if analysis.form is None:
        raise syntax_error(analysis.text)
    return analysis.form


def limit_solutions(analysis: SparqlText, max_solutions: int) -> str:
    """The SELECT text with a top-level ``LIMIT`` of at most ``max_solutions``.

    A smaller existing LIMIT stays, a larger one is lowered, OFFSET is left alone; a new
    LIMIT goes after the solution modifiers, before a trailing VALUES clause. Other forms, and
    texts whose brackets do not balance (pyoxigraph will reject them), come back unchanged.
    """
    if analysis.form != "SELECT" or not analysis.balanced:
        return analysis.text
    text = analysis.text
    top_level = [token for token in analysis.tokens if token.depth == 0]
    insert_at: int | None = None
    for index, token in enumerate(top_level):
        word = token.text.upper() if token.kind == "word" else ""
        if word == "LIMIT" and index + 1 < len(top_level):
            amount = top_level[index + 1]
            if amount.kind == "number" and amount.text.isdigit():
                if int(amount.text) <= max_solutions:
                    return text
                return text[: amount.start] + str(max_solutions) + text[amount.end :]
        if word == "VALUES" and insert_at is None:
            insert_at = token.start
    if insert_at is not None:
        return f"{text[:insert_at]}LIMIT {max_solutions} {text[insert_at:]}"
    end = analysis.tokens[-1].end if analysis.tokens else len(text)
    return f"{text[:end]} LIMIT {max_solutions}{text[end:]}"


def syntax_error(text: str, position: int | None = None) -> QuerySyntaxError:
    """pyoxigraph's syntax error for ``text``, as a ``QuerySyntaxError`` to raise.

    Only called for texts this module could not read; those are invalid SPARQL, so
    pyoxigraph stops at parsing. Should one parse after all, a text that mentions SERVICE
    anywhere is not handed over (a gap in this lexer must not open a way out).
    """
    where = ""
    if position is not None:
        line, column = line_and_column(text, position)
        where = f" at line {line}, column {column}"
    if re.search(r"service", text, re.IGNORECASE):
        return QuerySyntaxError(f"the query could not be read{where} (unterminated string?)")
    try:
        ox.Store().query(text)
    except SyntaxError as error:
        return QuerySyntaxError(str(error))
    return QuerySyntaxError(f"the query could not be read{where}")
