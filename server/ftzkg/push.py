"""Replace the project's named graphs in a remote SPARQL 1.1 store, then check them.

Each graph is sent as the export writes it (blank nodes skolemised, so pushing twice leaves
the same triples), in batches of N-Triples, through either

* SPARQL 1.1 Update: the batches go into a staging graph with ``INSERT DATA`` and one
  ``MOVE`` puts it in place, so readers see the old graph or the new one, never a half; or
* the SPARQL 1.1 Graph Store Protocol: ``PUT`` of the first batch replaces the graph and
  ``POST`` appends the others (readers may see a partial graph while it runs).

Afterwards the triples of every pushed graph are counted through the query endpoint and
compared with what was sent; a difference is an error.

HTTP goes through ``requests`` (one pooled session): SPARQLWrapper speaks neither the Graph
Store Protocol nor lets a caller send a prepared N-Triples body.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
import requests
from tqdm import tqdm

from ftzkg.config import Settings
from ftzkg.errors import BadRequest, Forbidden, Unauthorized, UpstreamError
from ftzkg.export import skolemised_quads
from ftzkg.progress import progress_wanted
from ftzkg.store import Store

DEFAULT_BATCH_TRIPLES = 2_000


@dataclass(frozen=True)
class RemoteEndpoints:
    """Where a remote store answers: queries, and updates or graph-store writes."""

    query_url: str
    update_url: str | None = None
    graph_store_url: str | None = None
    token: str | None = None
    timeout: float = 120.0

    def check(self) -> None:
        for name, url in (
            ("--endpoint", self.query_url),
            ("--update", self.update_url),
            ("--graph-store", self.graph_store_url),
        ):
            if url is not None and not url.startswith(("http://", "https://")):
                raise BadRequest(f"{name} must be an http(s) URL, not '{url}'")
        if self.update_url and self.graph_store_url:
            raise BadRequest("give --update or --graph-store, not both")


def http_session(token: str | None) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "ftzkg"
    if token:
        session.headers["Authorization"] = f"Bearer {token}"
    return session


def raise_for_remote(response: requests.Response, what: str) -> None:
    """Turn a remote store's refusal into ftzkg's error with the store's own words."""
    if response.status_code < 300:
        return
    detail = " ".join(response.text.split())[:300]
    message = f"{what}: the remote store answered {response.status_code}: {detail}"
    if response.status_code == 401:
        raise Unauthorized(message)
    if response.status_code == 403:
        raise Forbidden(message)
    raise UpstreamError(message)


def post_to_remote(
    session: requests.Session, what: str, url: str, **arguments
) -> requests.Response:  # type: ignore[no-untyped-def]
    """One request to the remote store; network failures become ``UpstreamError``."""
    method = arguments.pop("method", "POST")
    try:
        response = session.request(method, url, **arguments)
    except requests.Timeout:
        raise UpstreamError(f"{what}: {url} did not answer in time") from None
    except requests.RequestException as error:
        raise UpstreamError(f"{what}: cannot reach {url}: {error.__class__.__name__}") from None
    raise_for_remote(response, what)
    return response


def remote_triple_count(session: requests.Session, endpoints: RemoteEndpoints, graph: str) -> int:
    """The number of triples a remote store holds in ``graph``, asked through SPARQL."""
    query = f"SELECT (COUNT(*) AS ?triples) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    response = post_to_remote(
        session,
        f"counting <{graph}>",
        endpoints.query_url,
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=endpoints.timeout,
    )
    try:
        (binding,) = response.json()["results"]["bindings"]
        return int(binding["triples"]["value"])
    except (ValueError, KeyError, TypeError) as error:
        raise UpstreamError(f"counting <{graph}>: unexpected answer ({error})") from None


def ntriples_batches(triples: list[ox.Triple], batch_size: int) -> Iterator[tuple[int, bytes]]:
    for start in range(0, len(triples), batch_size):
        batch = triples[start : start + batch_size]
        yield len(batch), ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)


def staging_graph(graph: str) -> str:
    """A graph name of its own for the batches of ``graph`` before they are moved in place."""
    return "urn:ftzkg:push-staging:" + hashlib.sha256(graph.encode()).hexdigest()[:32]


def _replace_by_update(
    session: requests.Session,
    endpoints: RemoteEndpoints,
    graph: str,
    batches: Iterable[tuple[int, bytes]],
    progress: tqdm,
) -> None:
    url = endpoints.update_url or endpoints.query_url
    staging = staging_graph(graph)

    def update(text: str, what: str) -> None:
        post_to_remote(
            session,
            what,
            url,
            data={"update": text},
            timeout=endpoints.timeout,
        )

    update(f"DROP SILENT GRAPH <{staging}>", f"preparing <{graph}>")
    sent = 0
    for count, body in batches:
        update(
            f"INSERT DATA {{ GRAPH <{staging}> {{\n{body.decode()}}} }}",
            f"sending <{graph}>",
        )
        sent += count
        progress.update(count)
    if sent:
        update(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph}>", f"replacing <{graph}>")
    else:  # nothing was staged, and MOVE from a graph that does not exist changes nothing
        update(f"DROP SILENT GRAPH <{graph}>", f"emptying <{graph}>")


def _replace_by_graph_store(
    session: requests.Session,
    endpoints: RemoteEndpoints,
    graph: str,
    batches: Iterable[tuple[int, bytes]],
    progress: tqdm,
) -> None:
    assert endpoints.graph_store_url is not None
    first = True
    for count, body in batches:
        post_to_remote(
            session,
            f"sending <{graph}>",
            endpoints.graph_store_url,
            method="PUT" if first else "POST",
            params={"graph": graph},
            data=body,
            headers={"Content-Type": "application/n-triples"},
            timeout=endpoints.timeout,
        )
        first = False
        progress.update(count)
    if first:  # an empty graph: make it empty remotely too
        response = session.delete(
            endpoints.graph_store_url, params={"graph": graph}, timeout=endpoints.timeout
        )
        if response.status_code != 404:
            raise_for_remote(response, f"emptying <{graph}>")


def replace_remote_graph(
    session: requests.Session,
    endpoints: RemoteEndpoints,
    graph: str,
    triples: list[ox.Triple],
    batch_size: int = DEFAULT_BATCH_TRIPLES,
    progress: tqdm | None = None,
) -> None:
    """Replace one remote graph with ``triples``, by Update or the Graph Store Protocol."""
    replace = _replace_by_graph_store if endpoints.graph_store_url else _replace_by_update
    bar = progress if progress is not None else tqdm(disable=True)
    replace(session, endpoints, graph, ntriples_batches(triples, batch_size), bar)


def push_dataset(
    settings: Settings,
    endpoints: RemoteEndpoints,
    graph_iri: str | None = None,
    batch_size: int = DEFAULT_BATCH_TRIPLES,
    plain_wkt: bool = False,
    store: Store | None = None,
    progress: bool | None = None,
) -> dict[str, int]:
    """Replace each named graph (or the one given) remotely; return its verified triple count.

    Raises ``UpstreamError`` naming the graph when the remote count differs from the number
    of distinct triples sent.
    """
    endpoints.check()
    if batch_size < 1:
        raise BadRequest("--batch-size must be at least 1")
    show = progress_wanted() if progress is None else progress
    verified: dict[str, int] = {}
    with (
        http_session(endpoints.token) as session,
        tqdm(desc="push", unit=" triples", disable=not show, file=sys.stderr) as bar,
    ):
        for graph, quads in skolemised_quads(settings, graph_iri, store, plain_wkt):
            triples = list(dict.fromkeys(quad.triple for quad in quads))
            bar.total = (bar.total or 0) + len(triples)
            bar.set_postfix_str(graph.rsplit("/", 1)[-1])
            replace_remote_graph(session, endpoints, graph, triples, batch_size, bar)
            remote = remote_triple_count(session, endpoints, graph)
            if remote != len(triples):
                raise UpstreamError(
                    f"<{graph}>: sent {len(triples)} triples but the remote store holds {remote}"
                )
            verified[graph] = remote
    return verified
