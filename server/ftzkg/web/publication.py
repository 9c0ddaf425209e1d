"""The dataset as a publication: its VoID/DCAT description and its dumps.

``/.well-known/void`` (RFC 5785, as the VoID note recommends) describes the dataset in
Turtle by default, or any RDF format by ``Accept``/``format=``; ``/dumps/`` lists the dumps
and ``/dumps/<file>`` serves each with ``Content-Length``, ``ETag`` and ``Last-Modified``,
answering ``304`` to a conditional request for an unchanged file.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, request
from markupsafe import Markup

from ftzkg.describe import DatasetFacts, SiteUrls, gather_facts, schema_org_dataset, void_and_dcat
from ftzkg.dumps import DumpCache, available_dumps
from ftzkg.formats import GRAPH, negotiate
from ftzkg.namespaces import all_prefixes
from ftzkg.web import resources
from ftzkg.web.html import dump_script_json, render_page

blueprint = Blueprint("publication", __name__)

DUMP_CACHE_KEY = "ftzkg.dump_cache"
FACTS_CACHE_KEY = "ftzkg.dataset_facts"


@blueprint.record_once
def create_dump_cache(state) -> None:  # type: ignore[no-untyped-def]
    state.app.extensions[DUMP_CACHE_KEY] = DumpCache()
    state.app.extensions[FACTS_CACHE_KEY] = {}


def dataset_facts() -> DatasetFacts:
    """The store's facts about itself, gathered once per dataset version.

    Two requests racing on a new version may both gather them; both get true facts.
    """
    settings, store = resources().settings, resources().store
    cache = current_app.extensions[FACTS_CACHE_KEY]
    version = store.version
    if version not in cache:
        cache.clear()
        cache[version] = gather_facts(store, settings.base_iri)
    return cache[version]


def dump_cache(app: Flask) -> DumpCache:
    return app.extensions[DUMP_CACHE_KEY]


def site_urls() -> SiteUrls:
    return SiteUrls(request.url_root)


def dump_sizes() -> dict[str, int]:
    """The size of every dump (built once per dataset version, so this is cheap after)."""
    settings, store = resources().settings, resources().store
    cache = dump_cache(current_app)
    return {
        dump.file_name: len(cache.get(store, settings, dump.file_name).data)
        for dump in available_dumps(store, settings.base_iri)
    }


@blueprint.route("/.well-known/void", methods=["GET", "HEAD"])
def void_description() -> Response:
    settings, store = resources().settings, resources().store
    rdf_format = negotiate(
        GRAPH, request.headers.get("Accept"), request.args.get("format"), default="turtle"
    )
    triples = void_and_dcat(
        dataset_facts(),
        available_dumps(store, settings.base_iri),
        dump_sizes(),
        site_urls(),
        settings.base_iri,
    )
    items = (
        [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
        if rdf_format.datasets
        else triples
    )
    body = ox.serialize(items, format=rdf_format.oxigraph, prefixes=all_prefixes(settings.base_iri))
    response = Response(body, content_type=rdf_format.content_type)
    response.vary.add("Accept")
    return response


def home_page_dataset() -> tuple[Markup, DatasetFacts]:
    """The schema.org ``Dataset`` JSON-LD of the home page (built from the store like the
    VoID), ready for a ``<script>`` element, and the facts it was built from."""
    settings, store = resources().settings, resources().store
    facts = dataset_facts()
    dataset = schema_org_dataset(facts, available_dumps(store, settings.base_iri), site_urls())
    return dump_script_json(dataset), facts


@blueprint.route("/dumps/", methods=["GET", "HEAD"])
def dump_index() -> Response:
    settings, store = resources().settings, resources().store
    return render_page("dumps.html", dumps=available_dumps(store, settings.base_iri))


@blueprint.route("/dumps/<path:file_name>", methods=["GET", "HEAD"])
def dump(file_name: str) -> Response:
    settings, store = resources().settings, resources().store
    rendered = dump_cache(current_app).get(store, settings, file_name)
    response = Response(rendered.data, content_type=rendered.dump.content_type)
    response.set_etag(rendered.etag)
    response.last_modified = rendered.last_modified
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{file_name.replace("/", "-")}"'
    )
    return response.make_conditional(request)
