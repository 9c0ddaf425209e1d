"""Content negotiation over raw HTTP (``http.client``) against a real server on 127.0.0.1.

The Flask-client suite checks the same rules; this one proves them on the wire, where
headers such as ``Vary``, ``Location`` and ``Content-Length`` are what a crawler sees.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from ftzkg.formats import GRAPH, formats_for
from linked_data_server import running_app

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def server(settings):
    with running_app(settings) as (url, _store):
        yield urlsplit(url).netloc


def raw_get(netloc: str, path: str, accept: str | None = None) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(netloc, timeout=30)
    try:
        headers = {"Accept": accept} if accept else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("rdf_format", formats_for(GRAPH), ids=lambda entry: entry.name)
def test_each_rdf_media_type_is_negotiated_on_the_wire(server, rdf_format):
    status, headers, _ = raw_get(server, "/id/city/heihe", rdf_format.media_type)
    assert status == 303
    assert "accept" in headers["vary"].lower()
    location = headers["location"]
    assert location.endswith(f"/data/id/city/heihe.{rdf_format.extension}")
    status, headers, body = raw_get(server, urlsplit(location).path)
    assert status == 200
    assert headers["content-type"] == rdf_format.content_type
    assert int(headers["content-length"]) == len(body)
    assert list(ox.parse(body, format=rdf_format.oxigraph))


def test_a_browser_is_sent_to_the_html_page(server):
    status, headers, _ = raw_get(server, "/id/city/heihe", BROWSER_ACCEPT)
    assert status == 303
    status, headers, body = raw_get(server, urlsplit(headers["location"]).path, BROWSER_ACCEPT)
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["x-content-type-options"] == "nosniff"
    assert "default-src 'self'" in headers["content-security-policy"]
    assert "Хэйхэ".encode() in body


@pytest.mark.parametrize("path", ["/id/city/atlantis", "/page/id/city/atlantis", "/graph/nothing"])
def test_unknown_iris_are_404_on_the_wire(server, path):
    status, headers, _ = raw_get(server, path, BROWSER_ACCEPT)
    assert status == 404
    assert headers["content-type"] == "text/html; charset=utf-8"


def test_dump_headers_on_the_wire(server):
    status, headers, body = raw_get(server, "/dumps/ftzkg.nq.gz")
    assert status == 200
    assert int(headers["content-length"]) == len(body)
    assert headers["etag"]
    assert headers["last-modified"].endswith("GMT")
