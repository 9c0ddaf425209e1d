"""The server never becomes a proxy into its network: SERVICE, LOAD and FROM are checked first.

A real TCP listener on 127.0.0.1 counts every connection it receives. Refused queries and
updates must leave it at zero; a control test shows that the engine does connect to it when
nothing stands in between, so a zero is meaningful. The allowed path runs a real
``oxigraph serve`` on loopback, allows exactly its endpoint, and joins it with our graph.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from external import oxigraph_load, running_oxigraph
from ftzkg.errors import QueryNotAllowed
from ftzkg.network_guard import NetworkGuard, is_public_address

pytest_plugins = ["external"]

WRITE_TOKEN = "ssrf-test-token-0123456789"


class ConnectionCounter:
    """A loopback listener that accepts, counts and closes every connection."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.server.close()


@pytest.fixture()
def listener() -> Iterator[ConnectionCounter]:
    counter = ConnectionCounter()
    yield counter
    counter.close()


def make_client(settings, **changes):  # type: ignore[no-untyped-def]
    from ftzkg.web import create_app

    app = create_app(settings.with_changes(**changes))
    return app.test_client()


# --- the rule itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.100.100.200",
        "0.0.0.0",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "224.0.0.1",
    ],
)
def test_non_public_addresses_are_not_public(address):
    assert not is_public_address(ipaddress.ip_address(address))


def test_a_global_address_is_public():
    assert is_public_address(ipaddress.ip_address("193.0.6.139"))


def test_empty_allowlist_refuses_every_endpoint_saying_federation_is_off():
    with pytest.raises(QueryNotAllowed, match="federated queries are disabled"):
        NetworkGuard().check_url("https://query.wikidata.org/sparql")


def test_an_endpoint_missing_from_the_allowlist_is_refused():
    guard = NetworkGuard(("https://query.wikidata.org/sparql",))
    with pytest.raises(QueryNotAllowed, match="not in the server's allowlist"):
        guard.check_url("https://query.wikidata.org/sparql/other")


def test_an_allowed_name_that_resolves_to_loopback_is_refused():
    guard = NetworkGuard(("http://localhost:9/sparql",))
    with pytest.raises(QueryNotAllowed, match="loopback, private, link-local or metadata"):
        guard.check_url("http://localhost:9/sparql")


def test_an_allowed_ip_literal_is_the_operators_explicit_choice():
    NetworkGuard(("http://127.0.0.1:9/sparql",)).check_url("HTTP://127.0.0.1:9/sparql")


def test_an_allowed_non_http_scheme_is_refused():
    guard = NetworkGuard(("file:///etc/passwd",))
    with pytest.raises(QueryNotAllowed, match="only http"):
        guard.check_url("file:///etc/passwd")


# --- the listener proves it: refused text never connects ------------------------------------


def test_control_the_engine_connects_when_nothing_checks(listener):
    """Without the guard pyoxigraph does connect: a zero below is therefore a real zero."""
    with pytest.raises(OSError):
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"))
    assert listener.connections >= 1


def refused_queries(url: str, port: int) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SeRvIcE\n#comment\n<{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX x: <http://127.0.0.1:{port}/> "
        "SELECT * WHERE { SERVICE x:sparql { ?s ?p ?o } }",
        f"BASE <http://127.0.0.1:{port}/> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
        f"ASK {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    ]


@pytest.mark.parametrize("allowlist", [(), ("http://192.0.2.1/sparql",)])
def test_refused_service_queries_never_reach_the_listener(settings, listener, allowlist):
    client = make_client(settings, service_allowlist=allowlist)
    for query in refused_queries(listener.url, listener.port):
        response = client.post("/sparql", data={"query": query})
        assert response.status_code == 400, (query, response.text)
        assert "SERVICE" in response.text
    assert listener.connections == 0


def test_an_allowed_name_resolving_to_loopback_never_reaches_the_listener(settings, listener):
    url = f"http://localhost:{listener.port}/sparql"
    client = make_client(settings, service_allowlist=(url,))
    response = client.get("/sparql", query_string={"query": f"ASK {{ SERVICE <{url}> {{}} }}"})
    assert response.status_code == 400
    assert "loopback" in response.text
    assert listener.connections == 0


def test_from_never_fetches_its_iri(settings, listener):
    client = make_client(settings)
    query = f"SELECT * FROM <{listener.url}> WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code in {200, 400}
    assert listener.connections == 0


def refused_updates(url: str, port: int) -> list[str]:
    return [
        f"LOAD <{url}>",
        f"LOAD SILENT <{url}> INTO GRAPH <http://example.org/g>",
        f"load\n<{url}>",
        f"PREFIX x: <http://127.0.0.1:{port}/> LOAD x:sparql",
        f"BASE <http://127.0.0.1:{port}/> LOAD <sparql>",
        "INSERT { ?s ?p ?o } WHERE { SERVICE <" + url + "> { ?s ?p ?o } }",
        "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 } ; LOAD <" + url + ">",
    ]


def test_refused_updates_never_reach_the_listener(settings, listener):
    client = make_client(settings, write_token=WRITE_TOKEN)
    headers = {"Authorization": f"Bearer {WRITE_TOKEN}"}
    for update in refused_updates(listener.url, listener.port):
        response = client.post("/sparql/update", data={"update": update}, headers=headers)
        assert response.status_code == 400, (update, response.text)
    assert listener.connections == 0


def test_updates_without_a_token_never_reach_the_listener(settings, listener):
    client = make_client(settings, write_token=WRITE_TOKEN)
    response = client.post("/sparql/update", data={"update": f"LOAD <{listener.url}>"})
    assert response.status_code == 401
    assert listener.connections == 0


# --- the allowed path ------------------------------------------------------------------------

AREA_MARK = "http://example.org/test#mark"


@pytest.fixture(scope="module")
def remote_endpoint(tmp_path_factory) -> Iterator[str]:
    """``oxigraph serve`` on loopback holding marks for two of our IRIs and one foreign IRI."""
    folder: Path = tmp_path_factory.mktemp("remote")
    data = folder / "marks.nt"
    data.write_text(
        f'<https://w3id.org/ftzkg/graph/ontology> <{AREA_MARK}> "ontology graph" .\n'
        f'<https://w3id.org/ftzkg/ontology> <{AREA_MARK}> "ontology" .\n'
        f'<http://example.org/not-ours> <{AREA_MARK}> "foreign" .\n',
        encoding="utf-8",
    )
    oxigraph_load(folder / "db", [data])
    with running_oxigraph(folder / "db") as server:
        yield server.query_url


def test_an_allowed_loopback_endpoint_joins_with_our_graph(settings, remote_endpoint):
    client = make_client(settings, service_allowlist=(remote_endpoint,))
    query = f"""
        SELECT ?thing ?mark WHERE {{
          {{ SELECT DISTINCT ?thing WHERE {{ ?thing a <http://www.w3.org/2002/07/owl#Ontology> }} }}
          SERVICE <{remote_endpoint}> {{ ?thing <{AREA_MARK}> ?mark }}
        }}"""
    response = client.post(
        "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.text
    rows = {
        (row["thing"]["value"], row["mark"]["value"])
        for row in response.get_json()["results"]["bindings"]
    }
    assert rows == {("https://w3id.org/ftzkg/ontology", "ontology")}
