"""What every HTML page of ftzkg shares: how terms are shown and linked, and its headers.

Pages are Jinja templates with autoescaping on, so data is always text, never markup. The
one place data goes into a ``<script>`` element (the JSON-LD and configuration blocks) uses
``script_json``, which escapes ``<``, ``>`` and ``&`` so no value can close the element.
Every page carries a Content-Security-Policy that allows scripts and connections only to
this server: the query page works offline and an injected script could not run anyway.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Response, make_response, render_template, request
from markupsafe import Markup

from ftzkg.formats import GRAPH, formats_for
from ftzkg.namespaces import compact

HTML = "text/html"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    # YASGUI (CodeMirror, DataTables) positions its widgets with inline style attributes.
    "style-src 'self' 'unsafe-inline'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def render_page(template: str, status: int = 200, **context: object) -> Response:
    """Render an HTML page with the security headers every page carries."""
    response = make_response(render_template(template, **context), status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def script_json(text: str) -> Markup:
    """JSON text made safe inside ``<script>``: ``<``, ``>``, ``&`` become ``\\u`` escapes.

    These characters only occur inside JSON strings, where the escapes mean the same
    characters, so the JSON parses to the same value and ``</script>`` cannot appear.
    """
    escaped = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(escaped)


def dump_script_json(value: object) -> Markup:
    return script_json(json.dumps(value, ensure_ascii=False, indent=1))


def prefers_html() -> bool:
    """Whether the client wants HTML rather than RDF (ties and a missing ``Accept``: HTML).

    Browsers list ``text/html`` first; a client that sends no ``Accept`` (or ``*/*``) gets
    HTML too, as on DBpedia and Wikidata; an RDF client names its RDF types.
    """
    if not request.headers.get("Accept"):
        return True
    rdf_types = [entry.media_type for entry in formats_for(GRAPH)]
    return request.accept_mimetypes.best_match([HTML, *rdf_types]) == HTML


@dataclass(frozen=True)
class TermView:
    """An RDF term as a page shows it: its text, where it links to, its language or type."""

    kind: str  # "iri", "literal" or "bnode"
    value: str
    display: str
    href: str = ""
    external: bool = False
    language: str = ""
    datatype_display: str = ""


class TermRenderer:
    """Turns terms into ``TermView`` with the labels known to a page and the site's links.

    IRIs minted under the base link to this server (so the site can be browsed locally
    whatever its public base is); other IRIs are outbound links.
    """

    def __init__(self, base_iri: str, prefixes: dict[str, str], labels: dict[str, str]):
        self.base_iri = base_iri
        self.prefixes = prefixes
        self.labels = labels

    def href(self, iri: str) -> tuple[str, bool]:
        if iri.startswith(self.base_iri):
            return request.script_root + "/" + iri[len(self.base_iri) :], False
        return iri, True

    def view(self, term: ox.NamedNode | ox.BlankNode | ox.Literal) -> TermView:
        if isinstance(term, ox.NamedNode):
            href, external = self.href(term.value)
            display = self.labels.get(term.value) or compact(term.value, self.prefixes)
            if display == term.value and term.value.startswith(self.base_iri):
                display = term.value[len(self.base_iri) :]
            return TermView("iri", term.value, display, href, external)
        if isinstance(term, ox.Literal):
            datatype = term.datatype.value
            shown_type = (
                ""
                if datatype in (XSD_STRING, RDF_LANG_STRING)
                else compact(datatype, self.prefixes)
            )
            return TermView(
                "literal",
                term.value,
                term.value,
                language=term.language or "",
                datatype_display=shown_type,
            )
        return TermView("bnode", term.value, f"_:{term.value}")
