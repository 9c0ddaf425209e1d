"""The analyst's query page: YASGUI over this endpoint, with the competency queries as examples.

``GET /`` serves it, and so does a browser's ``GET /sparql`` without a query: this module
registers its view with the SPARQL blueprint (``register_query_page``), which decides when
a request wants the page. YASGUI is served from the package's own static files (vendored,
see ``static/yasgui/VERSION``), so the page works offline and under a strict CSP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, url_for

from ftzkg.dataset import QUERIES_DIR
from ftzkg.describe import DatasetFacts
from ftzkg.namespaces import all_prefixes, sparql_prologue
from ftzkg.web import resources
from ftzkg.web.html import dump_script_json, render_page
from ftzkg.web.publication import home_page_dataset
from ftzkg.web.sparql import register_query_page

blueprint = Blueprint("ui", __name__)

HEADER_LINE = re.compile(r"^#\s*(title|question)\s*:\s*(.+?)\s*$", re.IGNORECASE)
FIRST_QUERY = """SELECT ?area ?label WHERE {
  ?area a ftz:FreeTradeZoneArea ;
    rdfs:label ?label .
} ORDER BY ?area ?label
"""


@dataclass(frozen=True)
class ExampleQuery:
    """A competency query of ``graph/queries/``: its file name, title, question and text."""

    name: str
    title: str
    question: str
    text: str


def read_example_queries(queries_dir: Path) -> list[ExampleQuery]:
    """The ``.rq`` files in name order, titled by their ``# title:`` and ``# question:`` lines."""
    examples = []
    for path in sorted(queries_dir.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        header: dict[str, str] = {}
        for line in text.splitlines():
            match = HEADER_LINE.match(line)
            if match:
                header.setdefault(match.group(1).lower(), match.group(2))
        examples.append(
            ExampleQuery(
                name=path.stem,
                title=header.get("title", path.stem),
                question=header.get("question", ""),
                text=text,
            )
        )
    return examples


ALWAYS_DECLARED = ("ftzr", "rdf", "rdfs", "xsd")


def graph_prefixes(facts: DatasetFacts, base_iri: str) -> dict[str, str]:
    """The prefixes of the vocabularies the graph uses (from the store), and the basics."""
    used_terms = (*facts.classes, *facts.properties)
    return {
        name: namespace
        for name, namespace in all_prefixes(base_iri).items()
        if name in ALWAYS_DECLARED or any(term.startswith(namespace) for term in used_terms)
    }


@blueprint.record_once
def register_with_sparql_endpoint(state) -> None:  # type: ignore[no-untyped-def]
    register_query_page(state.app, query_page)


@blueprint.route("/", methods=["GET", "HEAD"])
def home() -> Response:
    return query_page()


def query_page() -> Response:
    settings = resources().settings
    examples = read_example_queries(settings.data_dir / QUERIES_DIR)
    dataset_jsonld, facts = home_page_dataset()
    prefixes = graph_prefixes(facts, settings.base_iri)
    endpoint = url_for("sparql.query_endpoint", _external=True)
    config = {
        "endpoint": endpoint,
        "initialQuery": sparql_prologue(prefixes) + "\n" + FIRST_QUERY,
        "prefixes": prefixes,
        "examples": [
            {"name": example.name, "title": example.title, "query": example.text}
            for example in examples
        ],
    }
    summary = (
        f"The graph holds {facts.triples} triples about {facts.distinct_subjects} subjects "
        f"in {len(facts.graphs)} named graphs."
    )
    return render_page(
        "query.html",
        examples=examples,
        page_config=dump_script_json(config),
        dataset_jsonld=dataset_jsonld,
        endpoint=endpoint,
        summary=summary,
    )
