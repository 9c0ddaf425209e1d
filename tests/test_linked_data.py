"""Dereferenceable IRIs, resource and document pages, VoID/DCAT, dumps: through the real app.

Each test builds its expectation from the store (by SPARQL, as any client would) or from
the data files, never from a hard-coded copy of the answer.
"""

from __future__ import annotations

import gzip
import json
import re
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import data_dir_with_hostile_label
from ftzkg.config import Settings
from ftzkg.formats import GRAPH, formats_for
from ftzkg.store import open_store
from ftzkg.store_reading import select
from ftzkg.web import create_app

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
XSS_LABEL = "</script><script>alert('xss')</script><b>bold</b>"


@pytest.fixture(scope="module")
def base(settings) -> str:
    return settings.base_iri


def iri_path(iri: str, base: str) -> str:
    assert iri.startswith(base)
    return "/" + iri[len(base) :]


def follow(client, path: str, accept: str, **query: str):  # type: ignore[no-untyped-def]
    """GET ``path``, expect a 303 with ``Vary: Accept``, and GET where it points."""
    response = client.get(path, headers={"Accept": accept}, query_string=query)
    assert response.status_code == 303, response.data[:300]
    assert "Accept" in response.headers.get("Vary", "")
    return response.headers["Location"], client.get(response.headers["Location"])


# --- the 303 pattern and content negotiation -------------------------------------------------


def test_resource_iri_sends_a_browser_to_its_page(client):
    location, page = follow(client, "/id/area/harbin", BROWSER_ACCEPT)
    assert location == "/page/id/area/harbin"
    assert page.status_code == 200
    assert page.content_type == "text/html; charset=utf-8"


def test_resource_iri_without_accept_gets_the_page(client):
    response = client.get("/id/area/harbin")
    assert response.status_code == 303
    assert response.headers["Location"] == "/page/id/area/harbin"


@pytest.mark.parametrize("rdf_format", formats_for(GRAPH), ids=lambda entry: entry.name)
def test_resource_iri_sends_an_rdf_client_to_data_in_its_format(client, base, rdf_format):
    location, data = follow(client, "/id/area/harbin", rdf_format.media_type)
    assert location == f"/data/id/area/harbin.{rdf_format.extension}"
    assert data.status_code == 200
    assert data.headers["Content-Type"] == rdf_format.content_type
    quads = list(ox.parse(data.data, format=rdf_format.oxigraph))
    statement = (
        ox.NamedNode(base + "id/area/harbin"),
        ox.NamedNode(base + "ontology#locatedInCity"),
        ox.NamedNode(base + "id/city/harbin"),
    )
    assert statement in {(quad.subject, quad.predicate, quad.object) for quad in quads}
    if rdf_format.datasets:
        graphs = {quad.graph_name.value for quad in quads}
        assert base + "graph/report/2021-08-18-heilongjiang-ftz-three-areas" in graphs


@pytest.mark.parametrize("rdf_format", formats_for(GRAPH), ids=lambda entry: entry.name)
def test_format_parameter_overrides_a_browsers_accept(client, rdf_format):
    location, _ = follow(client, "/id/area/harbin", BROWSER_ACCEPT, format=rdf_format.name)
    assert location == f"/data/id/area/harbin.{rdf_format.extension}"


def test_format_html_overrides_an_rdf_accept(client):
    location, _ = follow(client, "/id/area/harbin", "text/turtle", format="html")
    assert location == "/page/id/area/harbin"


def test_highest_q_value_wins(client):
    location, _ = follow(
        client, "/id/area/harbin", "text/html;q=0.3, text/turtle;q=0.5, application/ld+json"
    )
    assert location == "/data/id/area/harbin.jsonld"


def test_unacceptable_accept_gives_406(client):
    response = client.get("/id/area/harbin", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_data(as_text=True)


def test_data_documents_say_which_resource_they_describe(client, base):
    response = client.get("/data/id/area/harbin.ttl")
    assert response.headers["Link"] == f'<{base}id/area/harbin>; rel="describes"'


def test_page_and_data_of_every_resource_in_the_store_answer(client, store, base):
    subjects = select(
        store,
        "SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } "
        f'FILTER(STRSTARTS(STR(?s), "{base}id/") && !CONTAINS(STR(?s), "#")) }}',
    )
    assert len(subjects) > 50
    for row in subjects:
        path = iri_path(row["s"].value, base)
        assert client.get(path).status_code == 303
        assert client.get("/page" + path).status_code == 200, path
        assert client.get("/data" + path + ".ttl").status_code == 200, path


# --- 404s ------------------------------------------------------------------------------------


def test_unknown_resource_gives_a_404_page_to_browsers(client, base):
    response = client.get("/id/area/atlantis", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 404
    assert response.content_type == "text/html; charset=utf-8"
    assert f"{base}id/area/atlantis" in response.get_data(as_text=True)


def test_unknown_resource_gives_a_plain_404_to_rdf_clients(client):
    response = client.get("/id/area/atlantis", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert response.content_type.startswith("text/plain")


@pytest.mark.parametrize(
    "path",
    [
        "/page/id/area/atlantis",
        "/data/id/area/atlantis.ttl",
        "/data/id/area/harbin.png",
        "/data/id/area/harbin",
        "/graph/report/no-such-report",
        "/ontology/9.9.9",
        "/page/somewhere-else",
        "/id/",
    ],
)
def test_unknown_things_give_404_not_500(client, path):
    assert client.get(path, headers={"Accept": BROWSER_ACCEPT}).status_code == 404


# --- resource pages --------------------------------------------------------------------------


class PageParser(HTMLParser):
    """Collects links, element ids, JSON-LD blocks and the text of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.jsonld: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self.text: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "script":
            self.scripts.append(attributes)
            self._in_jsonld = attributes.get("type") == "application/ld+json"
            if self._in_jsonld:
                self.jsonld.append("")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "script":
            self._in_jsonld = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in_jsonld:
            self.jsonld[-1] += data
        else:
            self.text.append(data)


def parse_page(response) -> PageParser:  # type: ignore[no-untyped-def]
    parser = PageParser()
    parser.feed(response.get_data(as_text=True))
    return parser


def test_resource_page_shows_labels_in_english_chinese_and_russian(client, store, base):
    page = client.get("/page/id/city/harbin").get_data(as_text=True)
    labels = select(
        store, f"SELECT ?label WHERE {{ <{base}id/city/harbin> <{RDFS_LABEL.value}> ?label }}"
    )
    languages = {row["label"].language for row in labels}
    assert {"en", "zh", "ru"} <= languages
    for row in labels:
        assert f'lang="{row["label"].language}">{row["label"].value}<' in page


def test_resource_page_links_every_statement_in_both_directions(client, store, base):
    page = parse_page(client.get("/page/id/city/harbin"))
    subject = f"<{base}id/city/harbin>"
    rows = select(
        store,
        f"SELECT DISTINCT ?other WHERE {{ {{ {subject} ?p ?other }} UNION {{ ?other ?p {subject} }}"
        " FILTER(isIRI(?other)) }",
    )
    assert rows
    for row in rows:
        other = row["other"].value
        expected = iri_path(other, base) if other.startswith(base) else other
        assert expected in page.links, other


def test_resource_page_links_external_identifiers_outbound(client):
    page = parse_page(client.get("/page/id/city/harbin"))
    assert "http://www.wikidata.org/entity/Q42956" in page.links
    assert "https://sws.geonames.org/2037013/" in page.links
    assert "http://dbpedia.org/resource/Harbin" in page.links


def test_resource_page_quotes_each_source_sentence_with_its_paragraph(client, store, base):
    rows = select(
        store,
        "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX oa: <http://www.w3.org/ns/oa#> "
        "PREFIX dcterms: <http://purl.org/dc/terms/> "
        f"SELECT ?sentence ?paragraph WHERE {{ <{base}id/area/harbin> prov:wasDerivedFrom ?s . "
        "?s oa:hasSelector/oa:exact ?sentence ; dcterms:isPartOf ?p . "
        "?p oa:hasSelector/oa:exact ?paragraph }",
    )
    assert rows
    page = client.get("/page/id/area/harbin").get_data(as_text=True)
    for row in rows:
        assert f'<blockquote class="quote">{row["sentence"].value}</blockquote>' in page
        if row["paragraph"].value != row["sentence"].value:
            assert f'<blockquote class="paragraph">{row["paragraph"].value}</blockquote>' in page


def test_embedded_json_ld_holds_the_resources_statements(client, base):
    page = parse_page(client.get("/page/id/city/harbin"))
    assert len(page.jsonld) == 1
    embedded = {quad.triple for quad in ox.parse(page.jsonld[0], format=ox.RdfFormat.JSON_LD)}
    turtle = client.get("/data/id/city/harbin.nt").data
    outgoing = {
        quad.triple
        for quad in ox.parse(turtle, format=ox.RdfFormat.N_TRIPLES)
        if quad.subject == ox.NamedNode(base + "id/city/harbin")
    }
    assert embedded == outgoing


def test_pages_carry_a_content_security_policy_and_nosniff(client):
    for path in ("/", "/page/id/area/harbin", "/page/ontology", "/page/shapes", "/dumps/"):
        response = client.get(path)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"], path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


# --- XSS: data is text, never markup ---------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_client(tmp_path_factory, data_dir, settings):
    """An app over a copy of the data plus a graph whose label holds markup and a script."""
    copy = data_dir_with_hostile_label(data_dir, tmp_path_factory.mktemp("hostile-data"), XSS_LABEL)
    hostile_settings = settings.with_changes(data_dir=copy)
    hostile_store = open_store(hostile_settings)
    yield create_app(hostile_settings, hostile_store).test_client()
    hostile_store.close()


@pytest.mark.parametrize("path", ["/page/id/test/hostile", "/page/id/city/harbin"])
def test_a_label_holding_a_script_is_shown_as_text(hostile_client, path):
    response = hostile_client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert(" not in page
    assert "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(" in page
    parsed = parse_page(response)
    assert XSS_LABEL in "".join(parsed.text)
    assert all(
        script.get("type") == "application/ld+json" or script.get("src")
        for script in parsed.scripts
    )


def test_a_label_holding_a_script_survives_in_the_json_ld_embed(hostile_client):
    parsed = parse_page(hostile_client.get("/page/id/test/hostile"))
    assert "</script" not in parsed.jsonld[0]
    labels = {
        quad.object.value
        for quad in ox.parse(parsed.jsonld[0], format=ox.RdfFormat.JSON_LD)
        if quad.predicate == RDFS_LABEL
    }
    assert labels == {XSS_LABEL}


# --- ontology, shapes, named graphs ----------------------------------------------------------


def test_ontology_iri_sends_browsers_to_its_documentation_and_clients_to_turtle(client, base):
    location, _ = follow(client, "/ontology", BROWSER_ACCEPT)
    assert location == "/page/ontology"
    location, data = follow(client, "/ontology", "text/turtle")
    assert location == "/data/ontology.ttl"
    triples = {quad.triple for quad in ox.parse(data.data, format=ox.RdfFormat.TURTLE)}
    assert (
        ox.Triple(ox.NamedNode(base + "ontology"), RDF_TYPE, ox.NamedNode(OWL + "Ontology"))
        in triples
    )


def test_ontology_documentation_has_an_entry_for_every_class_and_property(client, store, base):
    terms = select(
        store,
        f"SELECT ?term WHERE {{ GRAPH <{base}graph/ontology> {{ ?term a ?kind }} "
        f"VALUES ?kind {{ <{OWL}Class> <{OWL}ObjectProperty> <{OWL}DatatypeProperty> }} "
        f'FILTER(STRSTARTS(STR(?term), "{base}ontology#")) }}',
    )
    assert len(terms) > 20
    page = parse_page(client.get("/page/ontology"))
    for row in terms:
        assert row["term"].value.rpartition("#")[2] in page.ids, row["term"].value


def test_a_term_iri_lands_on_its_entry(client, base):
    _, page = follow(client, "/ontology", BROWSER_ACCEPT)
    assert "FreeTradeZoneArea" in parse_page(page).ids


def test_ontology_version_iri_dereferences(client, store, base):
    version = select(store, f"SELECT ?v WHERE {{ <{base}ontology> <{OWL}versionIRI> ?v }}")[0][
        "v"
    ].value
    _, page = follow(client, iri_path(version, base), BROWSER_ACCEPT)
    assert page.status_code == 200


def test_shapes_iri_documents_every_node_shape(client, store, base):
    shapes = select(
        store,
        f"SELECT ?shape WHERE {{ GRAPH <{base}graph/shapes> {{ ?shape a "
        "<http://www.w3.org/ns/shacl#NodeShape> } FILTER(isIRI(?shape)) }",
    )
    assert shapes
    location, page = follow(client, "/shapes", BROWSER_ACCEPT)
    ids = parse_page(page).ids
    for row in shapes:
        assert row["shape"].value.rpartition("#")[2] in ids
    location, data = follow(client, "/shapes", "text/turtle")
    assert location == "/data/shapes.ttl"
    assert data.status_code == 200


def test_every_named_graph_dereferences_to_its_triples(client, store, base):
    counts = store.graph_counts()
    for graph_iri, count in counts.items():
        _, data = follow(client, iri_path(graph_iri, base), "application/n-triples")
        assert data.status_code == 200
        triples = set(ox.parse(data.data, format=ox.RdfFormat.N_TRIPLES))
        assert len(triples) == count, graph_iri
        _, page = follow(client, iri_path(graph_iri, base), BROWSER_ACCEPT)
        assert page.status_code == 200


# --- VoID, DCAT, schema.org ------------------------------------------------------------------


@pytest.fixture(scope="module")
def void_store(app) -> ox.Store:
    response = app.test_client().get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.content_type == "text/turtle; charset=utf-8"
    described = ox.Store()
    described.load(response.data, format=ox.RdfFormat.TURTLE)
    return described


def void_value(described: ox.Store, query: str) -> list:
    return [
        row
        for row in described.query(
            f"PREFIX void: <{VOID}> PREFIX dcat: <{DCAT}> "
            f"PREFIX dcterms: <http://purl.org/dc/terms/> {query}"
        )
    ]


def test_void_counts_match_the_store(void_store, store):
    expected = select(
        store,
        "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?s) AS ?subjects) WHERE "
        "{ SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }",
    )[0]
    rows = void_value(
        void_store,
        "SELECT ?triples ?subjects WHERE { ?d a void:Dataset, dcat:Dataset ; "
        "void:triples ?triples ; void:distinctSubjects ?subjects }",
    )
    assert len(rows) == 1
    assert int(rows[0]["triples"].value) == int(expected["n"].value)
    assert int(rows[0]["subjects"].value) == int(expected["subjects"].value)


def test_void_has_the_required_properties(void_store):
    for required in (
        "void:sparqlEndpoint",
        "void:dataDump",
        "void:exampleResource",
        "void:uriSpace",
        "void:classPartition",
        "void:propertyPartition",
        "dcterms:title",
        "dcterms:license",
        "dcat:distribution",
    ):
        rows = void_value(
            void_store, f"SELECT ?v WHERE {{ ?d a void:Dataset, dcat:Dataset ; {required} ?v }}"
        )
        assert rows, required


def test_void_class_partitions_count_the_entities_of_each_class(void_store, store):
    expected = {
        row["class"].value: int(row["n"].value)
        for row in select(
            store,
            "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?class } } "
            "GROUP BY ?class",
        )
    }
    described = {
        row["class"].value: int(row["n"].value)
        for row in void_value(
            void_store,
            "SELECT ?class ?n WHERE "
            "{ ?d void:classPartition [ void:class ?class ; void:entities ?n ] }",
        )
    }
    assert described == expected


def test_each_link_set_is_a_void_linkset_with_its_count(void_store, store, base):
    expected = {}
    for graph in ("wikidata", "geonames", "dbpedia"):
        rows = select(
            store,
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{base}graph/links/{graph}> "
            f"{{ ?s <{OWL}sameAs> ?o }} }}",
        )
        expected[f"{base}graph/links/{graph}"] = int(rows[0]["n"].value)
    described = {
        row["graph"].value: int(row["n"].value)
        for row in void_value(
            void_store,
            f"SELECT ?graph ?n WHERE {{ ?set a void:Linkset ; void:linkPredicate <{OWL}sameAs> ;"
            " void:triples ?n ; void:objectsTarget ?target ; void:subjectsTarget ?us ;"
            " dcterms:isPartOf ?graph }",
        )
    }
    assert described == expected


def test_every_example_resource_and_distribution_is_served(void_store, client):
    for row in void_value(void_store, "SELECT ?r WHERE { ?d void:exampleResource ?r }"):
        assert client.get(row["r"].value.replace("https://w3id.org/ftzkg", "")).status_code == 303
    distributions = void_value(
        void_store,
        "SELECT ?url ?type ?size WHERE { ?d dcat:distribution [ dcat:downloadURL ?url ;"
        " dcat:mediaType ?type ; dcat:byteSize ?size ] }",
    )
    assert len(distributions) >= 4
    for row in distributions:
        path = "/" + row["url"].value.split("/", 3)[3]
        response = client.get(path)
        assert response.status_code == 200, path
        assert row["type"].value.endswith("/" + response.content_type.split(";")[0])
        assert int(row["size"].value) == len(response.data)


def test_void_is_served_in_other_rdf_formats_by_negotiation(client):
    response = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert response.content_type.startswith("application/ld+json")
    assert list(ox.parse(response.data, format=ox.RdfFormat.JSON_LD))


def test_home_page_carries_a_schema_org_dataset(client, store):
    page = parse_page(client.get("/", headers={"Accept": BROWSER_ACCEPT}))
    datasets = [json.loads(block) for block in page.jsonld]
    assert len(datasets) == 1
    dataset = datasets[0]
    assert dataset["@context"] == "https://schema.org/"
    assert dataset["@type"] == "Dataset"
    for required in ("name", "description", "url", "license", "distribution"):
        assert dataset[required], required
    places = {place["name"] for place in dataset["spatialCoverage"]}
    assert places == {"Harbin", "Heihe", "Suifenhe"}
    assert "/.well-known/void" in page.links


# --- dumps -----------------------------------------------------------------------------------


def test_the_gzipped_n_quads_dump_holds_every_quad(client, store):
    response = client.get("/dumps/ftzkg.nq.gz")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(response.data))
    quads = list(ox.parse(gzip.decompress(response.data), format=ox.RdfFormat.N_QUADS))
    assert len(quads) == sum(store.graph_counts().values())


@pytest.mark.parametrize("file_name", ["ftzkg.nq.gz", "ftzkg.trig", "ftzkg.jsonld"])
def test_dumps_carry_validators_and_answer_conditional_requests(client, file_name):
    first = client.get(f"/dumps/{file_name}")
    assert first.status_code == 200
    assert first.headers["ETag"]
    assert parsedate_to_datetime(first.headers["Last-Modified"])
    assert int(first.headers["Content-Length"]) == len(first.data)
    again = client.get(f"/dumps/{file_name}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    second = client.get(f"/dumps/{file_name}")
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]


def test_each_named_graph_has_a_turtle_dump(client, store, base):
    for graph_iri, count in store.graph_counts().items():
        response = client.get(f"/dumps/{graph_iri[len(base) :]}.ttl")
        assert response.status_code == 200, graph_iri
        assert response.content_type == "text/turtle; charset=utf-8"
        assert len(list(ox.parse(response.data, format=ox.RdfFormat.TURTLE))) == count


def test_unknown_dump_is_404_naming_the_dumps(client):
    response = client.get("/dumps/everything.zip")
    assert response.status_code == 404
    assert "ftzkg.nq.gz" in response.get_data(as_text=True)


# --- the query page --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/sparql"])
def test_browsers_get_the_query_page(client, path):
    response = client.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    page = parse_page(response)
    sources = {script.get("src") for script in page.scripts}
    assert "/static/yasgui/yasgui.min.js" in sources


def test_rdf_clients_still_get_the_service_description_at_sparql(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.content_type.startswith("text/turtle")


def test_query_page_lists_every_competency_query(client, data_dir):
    page = client.get("/").get_data(as_text=True)
    queries = sorted((Path(data_dir) / "graph" / "queries").glob("*.rq"))
    assert queries
    for path in queries:
        title = re.search(r"^#\s*title:\s*(.+)$", path.read_text(), re.MULTILINE)
        assert title, path
        assert f'<span class="title">{title.group(1).strip()}</span>' in page.replace("&#39;", "'")


def test_query_page_declares_the_graph_prefixes(client, base):
    page = parse_page(client.get("/"))
    config_block = re.search(
        r'<script type="application/json" id="ftzkg-query-page-config">(.*?)</script>',
        client.get("/").get_data(as_text=True),
        re.DOTALL,
    )
    assert page.ids
    config = json.loads(config_block.group(1))
    assert f"PREFIX ftz: <{base}ontology#>" in config["initialQuery"]
    assert f"PREFIX ftzr: <{base}id/>" in config["initialQuery"]


def test_yasgui_is_served_from_the_package_with_its_licence(client):
    script = client.get("/static/yasgui/yasgui.min.js")
    assert script.status_code == 200
    assert len(script.data) > 500_000
    licence = Path(__file__).parents[1] / "server/ftzkg/web/static/yasgui/LICENSE"
    assert "MIT" in licence.read_text()


def test_a_settings_base_iri_is_followed_by_the_pages(tmp_path, data_dir):
    """A server rebased to its own address mints local IRIs and dereferences them."""
    local = Settings.from_env({}, data_dir=data_dir, base_iri="http://localhost/", workers=1)
    rebased_store = open_store(local)
    try:
        client = create_app(local, rebased_store).test_client()
        response = client.get("/id/area/harbin", headers={"Accept": "text/turtle"})
        assert response.status_code == 303
        data = client.get(response.headers["Location"]).data
        subjects = {quad.subject.value for quad in ox.parse(data, format=ox.RdfFormat.TURTLE)}
        assert "http://localhost/id/area/harbin" in subjects
    finally:
        rebased_store.close()
