"""The query page and the resource pages in headless Chromium, against a real HTTP server.

Debian's ``chromium`` is driven by Playwright for Python (no browser download: Playwright is
pointed at ``/usr/bin/chromium``). The server is the real app on a real socket on
127.0.0.1. Screenshots of every page go to ``tests/artifacts/`` for a person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import data_dir_with_hostile_label, require_tool
from ftzkg.store_reading import select
from ftzkg.web.ui import read_example_queries
from linked_data_server import running_app

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
HOSTILE_LABEL = "<img src=x onerror=alert('xss')><script>alert('xss')</script>"
SYNTAX_ERROR_QUERY = "SELECT ?s WHERE ?s"
MAX_ROWS = 500  # above what any page asks for, below the 2000-odd triples of the graph
QUERY_TIMEOUT = 2.0
# A four-way cross product of every triple: only the timeout can stop it.
EXPLOSIVE_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def chromium():
    require_tool(CHROMIUM, "apt-get install chromium (Debian's package)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def hostile_settings(tmp_path_factory, data_dir, settings):
    """The real data plus one resource whose label is markup, linked to Harbin."""
    target = tmp_path_factory.mktemp("browser-data")
    copy = data_dir_with_hostile_label(data_dir, target, HOSTILE_LABEL)
    return settings.with_changes(data_dir=copy, max_rows=MAX_ROWS, query_timeout=QUERY_TIMEOUT)


@pytest.fixture(scope="module")
def server(hostile_settings):
    with running_app(hostile_settings) as (url, store):
        yield url, store


@pytest.fixture()
def page(chromium, request):
    """A fresh page that records console errors and dialogs, and screenshots itself at the end."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    browser_page = context.new_page()
    browser_page.problems = []  # type: ignore[attr-defined]
    browser_page.on(
        "console",
        lambda message: (
            message.type == "error" and browser_page.problems.append(f"console: {message.text}")
        ),  # type: ignore[attr-defined]
    )
    browser_page.on("pageerror", lambda error: browser_page.problems.append(f"error: {error}"))  # type: ignore[attr-defined]
    browser_page.on(
        "dialog", lambda dialog: browser_page.problems.append(f"dialog: {dialog.message}")
    )  # type: ignore[attr-defined]
    yield browser_page
    ARTIFACTS.mkdir(exist_ok=True)
    file_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    browser_page.screenshot(path=str(ARTIFACTS / f"{file_name}.png"), full_page=True)
    context.close()


def test_clicking_an_example_runs_it_and_shows_its_rows(page, server, data_dir):
    url, store = server
    example = read_example_queries(Path(data_dir) / "graph" / "queries")[0]
    expected = select(store, example.text)
    assert 0 < len(expected) <= MAX_ROWS, "pick an example whose answer fits the row limit"
    page.goto(url + "/")
    page.get_by_role("button", name=example.title).click()
    table = page.locator(".yasr table.dataTable tbody tr")
    table.first.wait_for(timeout=15_000)
    assert table.count() == len(expected)
    shown = page.locator(".yasr table.dataTable tbody").inner_text()
    for row in expected:
        for term in row.values():
            assert term.value in shown
    assert page.locator("#query-status").is_hidden()
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_syntax_error_is_shown_with_its_line_and_column(page, server):
    url, _ = server
    page.goto(url + "/")
    editor = page.locator(".yasqe .CodeMirror")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(SYNTAX_ERROR_QUERY)
    page.locator(".yasqe_queryButton").click()
    status = page.locator("#query-status")
    status.wait_for(state="visible", timeout=15_000)
    text = status.inner_text()
    assert "The query is not valid SPARQL (line 1, column" in text
    assert page.locator("#query-status .status-detail").inner_text().strip()


def test_a_result_cut_by_the_row_limit_is_announced(page, server):
    url, _ = server
    page.goto(url + "/")
    page.evaluate(
        "query => { const tab = window.ftzkgYasgui.getTab(); tab.setQuery(query); tab.query(); }",
        "SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
    )
    status = page.locator("#query-status")
    status.wait_for(state="visible", timeout=15_000)
    assert f"Only the first {MAX_ROWS} rows are shown" in status.inner_text()


def test_a_query_stopped_by_the_timeout_is_explained(page, server):
    url, _ = server
    page.goto(url + "/")
    page.evaluate(
        "query => { const tab = window.ftzkgYasgui.getTab(); tab.setQuery(query); tab.query(); }",
        EXPLOSIVE_QUERY,
    )
    status = page.locator("#query-status")
    status.wait_for(state="visible", timeout=(QUERY_TIMEOUT + 15) * 1000)
    assert "The query took too long and was stopped (503)." in status.inner_text()


def test_a_construct_result_is_shown_as_turtle(page, server):
    url, _ = server
    page.goto(url + "/")
    page.evaluate(
        "query => { const tab = window.ftzkgYasgui.getTab(); tab.setQuery(query); tab.query(); }",
        "CONSTRUCT { ?a <http://example.org/in> ?c } WHERE { "
        "?a <https://w3id.org/ftzkg/ontology#locatedInCity> ?c } LIMIT 1",
    )
    raw = page.locator(".yasr .CodeMirror")
    raw.first.wait_for(timeout=15_000)
    assert "<http://example.org/in>" in raw.first.inner_text()


def test_resource_page_renders_with_its_labels_and_sources(page, server):
    url, _ = server
    page.goto(url + "/id/area/harbin")
    assert page.url == url + "/page/id/area/harbin"
    assert page.locator("h1").inner_text() == "Harbin Area"
    assert page.locator(".sources blockquote.quote").count() >= 1
    assert page.locator('script[type="application/ld+json"]').count() == 1
    assert page.problems == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/page/id/test/hostile", "/page/id/city/harbin"])
def test_a_hostile_label_runs_no_script(page, server, path):
    url, _ = server
    page.goto(url + path)
    page.wait_for_timeout(300)
    assert page.problems == []  # type: ignore[attr-defined]
    assert HOSTILE_LABEL in page.locator("main").inner_text()


def test_ontology_documentation_renders(page, server):
    url, _ = server
    page.goto(url + "/ontology#FreeTradeZoneArea")
    assert page.url.endswith("/page/ontology#FreeTradeZoneArea")
    assert page.locator("#FreeTradeZoneArea").is_visible()
    assert page.problems == []  # type: ignore[attr-defined]
