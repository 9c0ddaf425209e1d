"""Dereferenceable IRIs: every IRI minted under the base answers, for people and for machines.

One pattern, the 303 pattern of the W3C note "Cool URIs for the Semantic Web", for every
IRI the graph mints: the resources under ``id/``, the ontology (whose terms are hash IRIs
``ontology#Term``), its version IRI, the shapes (``shapes#Shape``) and the named graphs
(``graph/…``). A GET of such an IRI answers ``303 See Other`` (with ``Vary: Accept``) to

* ``/page/<path>`` when the client prefers HTML (browsers, and clients that do not say), or
* ``/data/<path>.<ext>`` for RDF (``ttl``, ``nt``, ``rdf``, ``jsonld``; ``nq`` and ``trig``
  keep the named graph of each statement), chosen by ``Accept`` or by ``format=``.

The page and data URLs are documents and answer ``200`` directly. An IRI the graph does not
hold answers ``404`` (an HTML page for browsers). All data comes from the store by SPARQL.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, request, url_for

from ftzkg.errors import FtzkgError, NotFound
from ftzkg.formats import GRAPH, Format, formats_for, negotiate
from ftzkg.namespaces import all_prefixes
from ftzkg.store import Store
from ftzkg.store_reading import ask, iri, select
from ftzkg.web import resources
from ftzkg.web.errors import handle_ftzkg_error
from ftzkg.web.html import TermRenderer, TermView, prefers_html, render_page, script_json

blueprint = Blueprint("linked_data", __name__)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
LABEL_PREDICATES = (RDFS_LABEL, SKOS_PREF_LABEL)
EXTERNAL_LINK_PREDICATES = (
    "http://www.w3.org/2002/07/owl#sameAs",
    "http://www.w3.org/2004/02/skos/core#exactMatch",
    "http://www.w3.org/2004/02/skos/core#closeMatch",
    "http://www.w3.org/2000/01/rdf-schema#seeAlso",
)
PAGE_LANGUAGES = ("en", "zh", "ru")
HTML_FORMAT_NAME = "html"


@dataclass(frozen=True)
class Thing:
    """An IRI minted under the base, and the named graph that documents it (if it is one)."""

    path: str  # relative to the base, e.g. "id/area/harbin" or "ontology"
    iri: str
    document_graph: str | None = None  # ontology, shapes, named graphs: their whole graph


def resolve_thing(path: str, store: Store, base_iri: str) -> Thing:
    """The thing at ``path`` if the graph holds it; ``NotFound`` otherwise."""
    thing_iri = base_iri + path
    missing = NotFound(f"the graph holds nothing named <{thing_iri}>")
    if path.startswith("id/") and len(path) > 3:
        named = iri(thing_iri)
        exists = ask(
            store, f"ASK {{ GRAPH ?g {{ {{ {named} ?p ?o }} UNION {{ ?s ?p {named} }} }} }}"
        )
        if not exists:
            raise missing
        return Thing(path, thing_iri)
    if path == "ontology" or path.startswith("ontology/"):
        graph = f"{base_iri}graph/ontology"
        if path != "ontology" and not ask(
            store,
            f"ASK {{ GRAPH {iri(graph)} {{ ?ontology "
            f"<http://www.w3.org/2002/07/owl#versionIRI> {iri(thing_iri)} }} }}",
        ):
            raise missing
        if graph not in store.named_graphs():
            raise missing
        return Thing(path, thing_iri, graph)
    if path == "shapes":
        graph = f"{base_iri}graph/shapes"
        if graph not in store.named_graphs():
            raise missing
        return Thing(path, thing_iri, graph)
    if path.startswith("graph/") and thing_iri in store.named_graphs():
        return Thing(path, thing_iri, thing_iri)
    raise missing


def _thing_from_request(path: str) -> Thing:
    settings, store = resources().settings, resources().store
    return resolve_thing(path, store, settings.base_iri)


# --- the IRIs themselves: 303 to a page or to data ------------------------------------------


@blueprint.route("/id/<path:rest>", methods=["GET", "HEAD"])
def resource_iri(rest: str) -> Response:
    return see_other(f"id/{rest}")


@blueprint.route("/ontology", methods=["GET", "HEAD"])
@blueprint.route("/ontology/<path:version>", methods=["GET", "HEAD"])
def ontology_iri(version: str | None = None) -> Response:
    return see_other("ontology" if version is None else f"ontology/{version}")


@blueprint.route("/shapes", methods=["GET", "HEAD"])
def shapes_iri() -> Response:
    return see_other("shapes")


@blueprint.route("/graph/<path:rest>", methods=["GET", "HEAD"])
def graph_iri(rest: str) -> Response:
    return see_other(f"graph/{rest}")


def see_other(path: str) -> Response:
    """303 to the page or the data of ``path``, by ``format=`` or ``Accept``."""
    _thing_from_request(path)
    format_name = request.args.get("format")
    if format_name == HTML_FORMAT_NAME or (not format_name and prefers_html()):
        target = url_for("linked_data.page", thing=path)
    else:
        chosen = negotiate(GRAPH, request.headers.get("Accept"), format_name, default="turtle")
        target = url_for("linked_data.data", thing=f"{path}.{chosen.extension}")
    response = redirect(target, code=303)
    response.vary.add("Accept")
    return response


# --- data: one document per format -----------------------------------------------------------


def _format_by_extension(extension: str) -> Format:
    for entry in formats_for(GRAPH):
        if entry.extension == extension:
            return entry
    raise NotFound(
        f"no RDF format has the extension '.{extension}'; use one of "
        + ", ".join("." + entry.extension for entry in formats_for(GRAPH))
    )


@blueprint.route("/data/<path:thing>", methods=["GET", "HEAD"])
def data(thing: str) -> Response:
    path, dot, extension = thing.rpartition(".")
    if not dot or not path:
        raise NotFound(f"a data URL ends with a format extension: /data/{thing}.ttl")
    rdf_format = _format_by_extension(extension)
    resolved = _thing_from_request(path)
    settings, store = resources().settings, resources().store
    quads = thing_quads(resolved, store)
    # Triple formats cannot name graphs: a statement made in two graphs is written once.
    items = quads if rdf_format.datasets else list(dict.fromkeys(quad.triple for quad in quads))
    body = ox.serialize(items, format=rdf_format.oxigraph, prefixes=all_prefixes(settings.base_iri))
    response = Response(body, content_type=rdf_format.content_type)
    response.headers["Link"] = f'<{resolved.iri}>; rel="describes"'
    return response


def thing_quads(thing: Thing, store: Store) -> list[ox.Quad]:
    """What the graph says about a thing: a resource's statements in both directions, or the
    whole named graph that a document IRI (ontology, shapes, graph) stands for."""
    if thing.document_graph is not None:
        # A whole graph is exported, not queried: the row limit must not cut a document.
        output = io.BytesIO()
        store.export(output, ox.RdfFormat.N_QUADS, thing.document_graph)
        graph = ox.NamedNode(thing.document_graph)
        return [
            ox.Quad(quad.subject, quad.predicate, quad.object, graph)
            for quad in ox.parse(output.getvalue(), format=ox.RdfFormat.N_QUADS)
        ]
    subject = iri(thing.iri)
    rows = select(
        store,
        f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ {{ {subject} ?p ?o BIND({subject} AS ?s) }} "
        f"UNION {{ ?s ?p {subject} BIND({subject} AS ?o) }} }} }}",
    )
    return [ox.Quad(row["s"], row["p"], row["o"], row["g"]) for row in rows]


# --- pages -----------------------------------------------------------------------------------


@blueprint.route("/page/<path:thing>", methods=["GET", "HEAD"])
def page(thing: str) -> Response:
    resolved = _thing_from_request(thing)
    settings, store = resources().settings, resources().store
    formats = formats_for(GRAPH)
    data_url = url_for("linked_data.data", thing=resolved.path)
    if resolved.document_graph is not None:
        document = build_document_view(resolved, store, settings.base_iri, data_url)
        return render_page("document.html", document=document, formats=formats)
    resource = build_resource_view(resolved, store, settings.base_iri, data_url)
    return render_page("resource.html", resource=resource, formats=formats)


@blueprint.errorhandler(NotFound)
def not_found(error: NotFound) -> Response:
    """Unknown IRIs: a 404 page for browsers, the plain message for other clients."""
    if prefers_html():
        return render_page("not_found.html", status=404, message=error.message)
    return handle_ftzkg_error(error)


@blueprint.errorhandler(FtzkgError)
def other_error(error: FtzkgError) -> Response:
    return handle_ftzkg_error(error)


def fetch_labels(store: Store, iris: set[str]) -> dict[str, str]:
    """One display label per IRI: English first, then untagged, then any language."""
    if not iris:
        return {}
    values = " ".join(iri(value) for value in sorted(iris))
    predicates = " ".join(iri(value) for value in LABEL_PREDICATES)
    rows = select(
        store,
        f"SELECT ?x ?label WHERE {{ VALUES ?x {{ {values} }} VALUES ?p {{ {predicates} }} "
        "?x ?p ?label }",
    )
    return choose_labels((row["x"].value, row["label"]) for row in rows)


def choose_labels(pairs) -> dict[str, str]:  # type: ignore[no-untyped-def]
    ranked: dict[str, tuple[int, str]] = {}
    for subject, label in pairs:
        if not isinstance(label, ox.Literal):
            continue
        rank = 0 if label.language == "en" else 1 if not label.language else 2
        if subject not in ranked or (rank, label.value) < ranked[subject]:
            ranked[subject] = (rank, label.value)
    return {subject: value for subject, (_, value) in ranked.items()}


@dataclass
class StatementRow:
    predicate: TermView
    other: TermView
    graph: TermView
    sources: list[int] = field(default_factory=list)


@dataclass
class SourceQuote:
    segment: TermView
    quote: str = ""
    document: TermView | None = None
    paragraph_number: str = ""
    paragraph_text: str = ""
    start: int | None = None
    end: int | None = None


@dataclass
class ExternalLink:
    predicate: TermView
    target: TermView


@dataclass
class ResourceView:
    iri: str
    title: str
    data_url: str
    jsonld: str
    labels: list[tuple[str, list[str]]]
    types: list[TermView]
    outgoing: list[StatementRow]
    incoming: list[StatementRow]
    external_links: list[ExternalLink]
    sources: list[SourceQuote]


PROVENANCE_QUERY = """
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX ftz: <{ontology}>
SELECT ?thing ?segment ?exact ?start ?end ?document ?paragraphNumber ?paragraphText WHERE {{
  VALUES ?thing {{ {things} }}
  {{ ?thing prov:wasDerivedFrom ?segment }} UNION {{ ?thing dcterms:source ?segment }}
  OPTIONAL {{ ?segment oa:hasSelector ?quoteSelector . ?quoteSelector oa:exact ?exact }}
  OPTIONAL {{ ?segment oa:hasSelector ?positionSelector .
             ?positionSelector oa:start ?start ; oa:end ?end }}
  OPTIONAL {{ ?segment oa:hasSource ?document }}
  OPTIONAL {{
    {{ ?segment dcterms:isPartOf ?paragraph . ?paragraph a ftz:Paragraph }}
    UNION {{ ?segment a ftz:Paragraph BIND(?segment AS ?paragraph) }}
    OPTIONAL {{ ?paragraph ftz:paragraphNumber ?paragraphNumber }}
    OPTIONAL {{ ?paragraph oa:hasSelector ?paragraphSelector .
               ?paragraphSelector oa:exact ?paragraphText }}
  }}
}}
"""


def fetch_sources(
    store: Store, things: set[str], base_iri: str
) -> dict[str, list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]]:
    """The text segments (or external sources) each thing is derived from, with their words."""
    if not things:
        return {}
    text = PROVENANCE_QUERY.format(
        ontology=f"{base_iri}ontology#", things=" ".join(iri(value) for value in sorted(things))
    )
    by_thing: dict[str, list] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for row in select(store, text):
        key = (row["thing"].value, row["segment"].value)
        if key not in seen:
            seen.add(key)
            by_thing[key[0]].append(row)
    return by_thing


def build_resource_view(thing: Thing, store: Store, base_iri: str, data_url: str) -> ResourceView:
    quads = thing_quads(thing, store)
    mentioned = {thing.iri}
    for quad in quads:
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode):
                mentioned.add(term.value)
    renderer = TermRenderer(base_iri, all_prefixes(base_iri), fetch_labels(store, mentioned))
    # A report statement's source is what its subject was derived from (the model records
    # provenance per resource, to the sentence).
    subjects = {quad.subject.value for quad in quads if isinstance(quad.subject, ox.NamedNode)}
    sources_by_subject = fetch_sources(store, subjects, base_iri)
    sources: list[SourceQuote] = []
    numbers: dict[str, int] = {}

    def number_sources(subject: str) -> list[int]:
        result = []
        for row in sources_by_subject.get(subject, []):
            segment = row["segment"].value
            if segment not in numbers:
                sources.append(_source_quote(row, renderer))
                numbers[segment] = len(sources)
            result.append(numbers[segment])
        return result

    own_sources = number_sources(thing.iri)
    report_graphs = f"{base_iri}graph/report/"

    def from_report(quad: ox.Quad) -> bool:
        """Report statements cite sentences; a link set's statements cite the link set."""
        return quad.graph_name.value.startswith(report_graphs)

    labels: dict[str, list[str]] = defaultdict(list)
    types: list[TermView] = []
    outgoing: list[StatementRow] = []
    incoming: list[StatementRow] = []
    external: list[ExternalLink] = []
    for quad in sorted(quads, key=_quad_order):
        predicate = renderer.view(quad.predicate)
        graph = renderer.view(quad.graph_name)
        if quad.subject == ox.NamedNode(thing.iri):
            if quad.predicate.value in LABEL_PREDICATES and isinstance(quad.object, ox.Literal):
                language = quad.object.language or ""
                if quad.object.value not in labels[language]:
                    labels[language].append(quad.object.value)
            if quad.predicate.value == RDF_TYPE:
                types.append(renderer.view(quad.object))
            target = renderer.view(quad.object)
            if quad.predicate.value in EXTERNAL_LINK_PREDICATES and target.external:
                external.append(ExternalLink(predicate, target))
            outgoing.append(
                StatementRow(predicate, target, graph, own_sources if from_report(quad) else [])
            )
        else:
            incoming.append(
                StatementRow(
                    predicate,
                    renderer.view(quad.subject),
                    graph,
                    number_sources(quad.subject.value) if from_report(quad) else [],
                )
            )
    ordered_labels = [
        (language, labels[language]) for language in PAGE_LANGUAGES if language in labels
    ]
    ordered_labels += [
        (language, values)
        for language, values in sorted(labels.items())
        if language not in PAGE_LANGUAGES
    ]
    title = renderer.labels.get(thing.iri) or thing.iri
    triples = list(
        dict.fromkeys(quad.triple for quad in quads if quad.subject == ox.NamedNode(thing.iri))
    )
    jsonld = ox.serialize(
        triples, format=ox.RdfFormat.JSON_LD, prefixes=all_prefixes(base_iri)
    ).decode("utf-8")
    return ResourceView(
        iri=thing.iri,
        title=title,
        data_url=data_url,
        jsonld=script_json(jsonld),
        labels=ordered_labels,
        types=types,
        outgoing=outgoing,
        incoming=incoming,
        external_links=external,
        sources=sources,
    )


def _quad_order(quad: ox.Quad) -> tuple[str, str, str]:
    return (quad.predicate.value, str(quad.subject), str(quad.object))


def _source_quote(row: dict, renderer: TermRenderer) -> SourceQuote:
    def text(name: str) -> str:
        return row[name].value if name in row else ""

    return SourceQuote(
        segment=renderer.view(row["segment"]),
        quote=text("exact"),
        document=renderer.view(row["document"]) if "document" in row else None,
        paragraph_number=text("paragraphNumber"),
        paragraph_text=text("paragraphText"),
        start=int(row["start"].value) if "start" in row else None,
        end=int(row["end"].value) if "end" in row else None,
    )


# --- documents: the ontology, the shapes, a named graph --------------------------------------


@dataclass
class ValueView:
    term: TermView
    nested: NodeView | None = None


@dataclass
class NodeView:
    properties: list[tuple[TermView, list[ValueView]]]


@dataclass
class Entry:
    iri: str
    title: str
    anchor: str
    node: NodeView


@dataclass
class Group:
    title: str
    entries: list[Entry]


@dataclass
class DocumentView:
    iri: str
    title: str
    data_url: str
    triples: int | None
    header: NodeView | None
    groups: list[Group]


def build_document_view(thing: Thing, store: Store, base_iri: str, data_url: str) -> DocumentView:
    """Every described IRI of the document's graph, grouped by type, blank nodes nested.

    The same view documents the ontology (classes, properties, concepts), the shapes and
    any named graph; an ontology term's anchor is its fragment, so ``ontology#Area`` lands
    on the entry of ``ftz:Area``.
    """
    triples = [quad.triple for quad in thing_quads(thing, store)]
    by_subject: dict[ox.NamedNode | ox.BlankNode, list[ox.Triple]] = defaultdict(list)
    mentioned: set[str] = set()
    for triple in triples:
        by_subject[triple.subject].append(triple)
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                mentioned.add(term.value)
    local_labels = choose_labels(
        (triple.subject.value, triple.object)
        for triple in triples
        if triple.predicate.value in LABEL_PREDICATES and isinstance(triple.subject, ox.NamedNode)
    )
    outside = mentioned - set(local_labels)
    labels = {**fetch_labels(store, outside), **local_labels}
    renderer = TermRenderer(base_iri, all_prefixes(base_iri), labels)

    def node_view(subject: ox.NamedNode | ox.BlankNode, visiting: frozenset) -> NodeView:
        grouped: dict[str, list[ValueView]] = defaultdict(list)
        predicates: dict[str, TermView] = {}
        for triple in sorted(
            by_subject.get(subject, []), key=lambda t: (t.predicate.value, str(t.object))
        ):
            predicates.setdefault(triple.predicate.value, renderer.view(triple.predicate))
            value = triple.object
            nested = None
            if isinstance(value, ox.BlankNode) and value in by_subject and value not in visiting:
                nested = node_view(value, visiting | {value})
            grouped[triple.predicate.value].append(ValueView(renderer.view(value), nested))
        return NodeView([(predicates[key], grouped[key]) for key in grouped])

    document_iri = ox.NamedNode(thing.iri)
    groups: dict[str, list[Entry]] = defaultdict(list)
    for subject in by_subject:
        if not isinstance(subject, ox.NamedNode) or subject == document_iri:
            continue
        types = sorted(
            renderer.view(triple.object).display
            for triple in by_subject[subject]
            if triple.predicate.value == RDF_TYPE
        )
        group_title = types[0] if types else "other"
        anchor = subject.value.rpartition("#")[2] if "#" in subject.value else subject.value
        groups[group_title].append(
            Entry(
                subject.value,
                labels.get(subject.value) or renderer.view(subject).display,
                anchor,
                node_view(subject, frozenset({subject})),
            )
        )
    header = (
        node_view(document_iri, frozenset({document_iri})) if document_iri in by_subject else None
    )
    return DocumentView(
        iri=thing.iri,
        title=labels.get(thing.iri) or _document_title(thing),
        data_url=data_url,
        triples=len(triples),
        header=header,
        groups=[
            Group(title, sorted(entries, key=lambda entry: entry.title.lower()))
            for title, entries in sorted(groups.items())
        ],
    )


def _document_title(thing: Thing) -> str:
    if thing.path.startswith("ontology"):
        return "The ftzkg ontology"
    if thing.path == "shapes":
        return "The ftzkg SHACL shapes"
    return f"Named graph {thing.path}"
