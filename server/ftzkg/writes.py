"""SHACL-guarded writes: a change reaches the store only if the graphs it touches stay valid.

Every write (a SPARQL Update, a Graph Store PUT/POST/DELETE) goes the same way:

1. copy the graphs it may touch into an in-memory staging store;
2. apply the change there (pyoxigraph evaluates the update, so its semantics are the engine's);
3. diff staging against the copy: the graphs whose triples changed are the affected graphs;
4. validate each affected graph with the shapes (``ftzkg.validation``); any violation rejects
   the whole write with ``ValidationFailed`` (422) and the report, and the store is untouched;
5. commit the affected graphs with ``Store.replace_graphs`` (atomic: all or nothing), which
   bumps the dataset version, then append one line to the audit log.

Writes are serialised by a lock, so two writers never validate against the same old state.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ftzkg.config import Settings
from ftzkg.errors import BadRequest, QuerySyntaxError, ValidationFailed
from ftzkg.network_guard import NetworkGuard
from ftzkg.store import Store, UpdateSummary
from ftzkg.update_text import fetched_iris, with_using_clauses
from ftzkg.validation import Validator

GraphName = ox.NamedNode | ox.DefaultGraph
GraphValidator = Callable[[Store, ox.Store, Sequence[GraphName]], None]
"""Validates graphs of a staging store (with the store for context); raises ``ValidationFailed``."""

audit_logger = logging.getLogger("ftzkg.audit")


def graph_key(graph: GraphName) -> str:
    """How a graph is named in summaries, the audit log and ``replace_graphs``: its IRI, or ''."""
    return graph.value if isinstance(graph, ox.NamedNode) else ""


def graph_name(key: str | None) -> GraphName:
    """The inverse of ``graph_key``: '' or None is the default graph."""
    return ox.NamedNode(key) if key else ox.DefaultGraph()


class AuditLog:
    """Append-only record of accepted writes, one JSON object per line.

    With a path, each entry is written and fsynced before the client hears of success; without
    one, entries go to the ``ftzkg.audit`` logger (and so to the server's log stream).
    """

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()

    def append(self, entry: dict[str, object]) -> None:
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True)
        if self.path is None:
            audit_logger.info(line)
            return
        with self._lock, self.path.open("a", encoding="utf-8") as log:
            log.write(line + "\n")
            log.flush()
            os.fsync(log.fileno())

    def entries(self) -> list[dict[str, object]]:
        """Every entry so far (for tests and operators' tools); empty without a file."""
        if self.path is None or not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


@dataclass(frozen=True)
class UpdateOperation:
    """A SPARQL Update as the protocol delivers it: text and the protocol's dataset."""

    text: str
    using_graph_uris: tuple[str, ...] = ()
    using_named_graph_uris: tuple[str, ...] = ()
    base_iri: str | None = None  # relative IRIs resolve against it (the endpoint's URL)


@dataclass(frozen=True)
class StagedChange:
    """The result of applying a change to staging: which graphs changed, and how much."""

    staging: ox.Store
    affected: tuple[GraphName, ...]
    added: int
    removed: int


class GuardedWriter:
    """The only path by which the HTTP layer changes the store."""

    def __init__(
        self,
        store: Store,
        validator: GraphValidator,
        guard: NetworkGuard | None = None,
        audit_log: AuditLog | None = None,
    ) -> None:
        self.store = store
        self.validator = validator
        self.guard = guard or NetworkGuard()
        self.audit_log = audit_log or AuditLog()
        self._lock = threading.Lock()

    # -- the three kinds of write -------------------------------------------------------------

    def apply_update(self, operation: UpdateOperation, token: str) -> UpdateSummary:
        """Run a SPARQL Update under the shapes, after checking every URL it would fetch."""
        for purpose, iri in fetched_iris(operation.text, operation.base_iri or ""):
            if iri is None:
                self.guard.refuse_variable_endpoint(purpose)
            else:
                self.guard.check_url(iri, purpose)
        text = with_using_clauses(
            operation.text, operation.using_graph_uris, operation.using_named_graph_uris
        )

        def run_update(staging: ox.Store) -> None:
            try:
                staging.update(text, base_iri=operation.base_iri)
            except SyntaxError as error:
                raise QuerySyntaxError(
                    f"the update does not parse: {with_line_and_column(error)}"
                ) from None
            except (OSError, ValueError, RuntimeError) as error:
                raise BadRequest(f"the update failed: {error}") from None

        return self._write(None, run_update, token, {"operation": "update", "update": text})

    def replace_graph(
        self, graph: GraphName, quads: Sequence[ox.Quad], token: str
    ) -> tuple[UpdateSummary, bool]:
        """Graph Store PUT: the graph's triples become exactly ``quads``; True if it is new."""
        created = not self.graph_exists(graph)

        def replace(staging: ox.Store) -> None:
            staging.remove_graph(graph) if isinstance(graph, ox.NamedNode) else staging.clear_graph(
                graph
            )
            staging.extend(_into_graph(quads, graph))

        entry = {"operation": "put", "graph": graph_key(graph), "triples_sent": len(quads)}
        return self._write([graph], replace, token, entry), created

    def merge_graph(
        self, graph: GraphName, quads: Sequence[ox.Quad], token: str
    ) -> tuple[UpdateSummary, bool]:
        """Graph Store POST: add ``quads`` to the graph; True if the graph is new."""
        created = not self.graph_exists(graph)

        def merge(staging: ox.Store) -> None:
            staging.extend(_into_graph(quads, graph))

        entry = {"operation": "post", "graph": graph_key(graph), "triples_sent": len(quads)}
        return self._write([graph], merge, token, entry), created

    def delete_graph(self, graph: GraphName, token: str) -> UpdateSummary:
        """Graph Store DELETE: remove every triple of the graph."""

        def delete(staging: ox.Store) -> None:
            staging.clear_graph(graph)

        return self._write(
            [graph], delete, token, {"operation": "delete", "graph": graph_key(graph)}
        )

    def graph_exists(self, graph: GraphName) -> bool:
        if isinstance(graph, ox.DefaultGraph):
            return True
        return graph.value in self.store.named_graphs()

    # -- the common path ----------------------------------------------------------------------

    def _write(
        self,
        graphs: Sequence[GraphName] | None,
        change: Callable[[ox.Store], None],
        token: str,
        audit_entry: dict[str, object],
    ) -> UpdateSummary:
        with self._lock:
            staged = self._stage(graphs, change)
            if not staged.affected:
                return UpdateSummary(version=self.store.version)
            try:
                self.validator(self.store, staged.staging, staged.affected)
            except ValidationFailed as rejection:
                audit_logger.warning(
                    "write rejected by the shapes: %s", json.dumps({"token": token, **audit_entry})
                )
                raise rejection
            summary = self.store.replace_graphs(
                {
                    graph_key(graph): list(
                        staged.staging.quads_for_pattern(None, None, None, graph)
                    )
                    for graph in staged.affected
                }
            )
            summary = UpdateSummary(
                version=summary.version,
                triples_added=staged.added,
                triples_removed=staged.removed,
                graphs=tuple(graph_key(graph) for graph in staged.affected),
            )
            self.audit_log.append(
                {
                    "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "token": token,
                    **audit_entry,
                    "graphs": list(summary.graphs),
                    "triples_added": summary.triples_added,
                    "triples_removed": summary.triples_removed,
                    "version": summary.version,
                }
            )
            return summary

    def _stage(
        self, graphs: Sequence[GraphName] | None, change: Callable[[ox.Store], None]
    ) -> StagedChange:
        """Copy the graphs (all when None) into memory, apply ``change``, and diff."""
        staging = ox.Store()
        if graphs is None:
            before = set(self.store.quads())
        else:
            before = set()
            for graph in graphs:
                if isinstance(graph, ox.DefaultGraph) or self.graph_exists(graph):
                    before.update(self.store.quads(graph_key(graph) or None))
        staging.extend(before)
        change(staging)
        after = set(staging)
        added = after - before
        removed = before - after
        affected = {quad.graph_name for quad in added} | {quad.graph_name for quad in removed}
        ordered = sorted(affected, key=graph_key)
        return StagedChange(staging, tuple(ordered), len(added), len(removed))


def _into_graph(quads: Iterable[ox.Quad], graph: GraphName) -> Iterable[ox.Quad]:
    for quad in quads:
        yield ox.Quad(quad.subject, quad.predicate, quad.object, graph)


def shapes_validator(settings: Settings) -> GraphValidator:
    """Check changed graphs as start-up checks the data: shapes and OWL RL, with context.

    The changed graphs are validated together with every report and link-set graph the
    store already holds, because a link set's statements rely on the report it links.
    """
    validator = Validator.from_settings(settings)
    data_prefixes = (f"{settings.base_iri}graph/report/", f"{settings.base_iri}graph/links/")

    def validate(store: Store, staging: ox.Store, graphs: Sequence[GraphName]) -> None:
        changed = {graph_key(graph) for graph in graphs}
        context = [
            quad
            for iri in store.named_graphs()
            if iri.startswith(data_prefixes) and iri not in changed
            for quad in store.quads(iri)
        ]
        staged = [
            quad for graph in graphs for quad in staging.quads_for_pattern(None, None, None, graph)
        ]
        result = validator.check_quads(staged, context)
        if not result.conforms:
            raise ValidationFailed(
                "the write was rejected: the data would not conform to the shapes; "
                "nothing was changed",
                result.text,
            )

    return validate


def with_line_and_column(error: SyntaxError) -> str:
    """pyoxigraph's "error at 3:14: …" as "error at line 3, column 14: …"."""
    return re.sub(r"\bat (\d+):(\d+)", r"at line \1, column \2", str(error), count=1)
