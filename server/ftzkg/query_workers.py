"""Query evaluation inside killable worker processes.

pyoxigraph cannot cancel a running query and releases the GIL while it evaluates, so a query
that runs too long can only be stopped by ending the process that runs it. Each worker of the
pool holds the store (a forked copy of the parent's in-memory store, or the on-disk store
opened read-only) and turns one request into serialised bytes with pyoxigraph alone: the
results are written as TSV lines (solutions) or N-Triples lines (triples), counted per chunk
so that the row limit is enforced without Python per row, and converted to the requested
format only when another one was asked for. Big answers go to a file the parent streams.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from dataclasses import dataclass

import pyoxigraph as ox

from ftzkg.errors import BadRequest, QueryEvaluationError, QuerySyntaxError
from ftzkg.formats import BY_NAME, GRAPH, SOLUTIONS

_snapshot: ox.Store | None = None
"""The store this worker answers from, set once by ``start_worker``."""


def start_worker(store: ox.Store | str) -> None:
    """Pool initializer: take the forked store, or open the on-disk one read-only.

    pebble's workers stop on SIGTERM through a Python handler, which cannot run while
    pyoxigraph evaluates; the default action ends the process at once, freeing its CPU.
    """
    global _snapshot
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _snapshot = ox.Store.read_only(store) if isinstance(store, str) else store


def ping() -> int:
    """A no-op task: starts the pool's processes and measures a round trip."""
    return os.getpid()


@dataclass(frozen=True)
class EvaluationTask:
    """Everything a worker needs, in plain picklable values."""

    text: str  # the query as evaluated (with the row limit applied)
    original_text: str  # as the client sent it, to report syntax errors where they are
    format_name: str
    # The query's dataset: None keeps the store's (or the query's FROM); "" is the default graph.
    default_graphs: tuple[str, ...] | None
    named_graphs: tuple[str, ...] | None
    default_graph_as_union: bool
    max_rows: int
    spool_dir: str
    spool_threshold: int
    # Resolves relative IRIs in queries (the protocol leaves the base to the service): the
    # dataset's base, so <id/area/harbin> names the Harbin area.
    base_iri: str


@dataclass(frozen=True)
class Evaluation:
    """A serialised answer: in ``body`` when small, else in the file at ``path``."""

    body: bytes | None
    path: str | None
    length: int
    rows: int | None  # solutions or triples written; None for ASK
    truncated: bool


class _LineLimitReached(Exception):
    """Raised inside pyoxigraph's serialiser to stop evaluation at the row limit."""


class LineSpool:
    """A binary sink for pyoxigraph's serialisers that keeps at most ``max_lines`` lines.

    Lines are counted per chunk (``bytes.count``); the chunk that goes past the limit is cut
    after the last line allowed and evaluation is stopped by raising from ``write``. Up to
    ``threshold`` bytes stay in memory, beyond that the content moves to a file.
    """

    def __init__(self, max_lines: int, directory: str, threshold: int) -> None:
        self.max_lines = max_lines
        self.directory = directory
        self.threshold = threshold
        self.lines = 0
        self.truncated = False
        self.length = 0
        self._buffer = bytearray()
        self._file = None

    def write(self, chunk: bytes) -> int:
        newlines = chunk.count(b"\n")
        if self.lines + newlines > self.max_lines:
            cut = -1
            for _ in range(self.max_lines - self.lines):
                cut = chunk.index(b"\n", cut + 1)
            self._append(chunk[: cut + 1])
            self.lines = self.max_lines
            self.truncated = True
            raise _LineLimitReached
        self.lines += newlines
        self._append(chunk)
        return len(chunk)

    def flush(self) -> None:
        """pyoxigraph flushes its writer; the content is kept until ``close``."""

    def _append(self, chunk: bytes) -> None:
        self.length += len(chunk)
        if self._file is None and len(self._buffer) + len(chunk) > self.threshold:
            self._file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (handed to the parent)
                dir=self.directory, prefix="answer-", delete=False
            )
            self._file.write(self._buffer)
            self._buffer = bytearray()
        if self._file is not None:
            self._file.write(chunk)
        else:
            self._buffer += chunk

    def close(self) -> tuple[bytes | None, str | None]:
        """The content: bytes, or the path of the file holding it."""
        if self._file is None:
            return bytes(self._buffer), None
        self._file.close()
        return None, self._file.name


def evaluate(task: EvaluationTask) -> Evaluation:
    """Evaluate one query over this worker's store and serialise it in the asked format."""
    try:
        return _evaluate(task)
    except SyntaxError as error:
        raise QuerySyntaxError(_syntax_message(task, error)) from None
    except RuntimeError as error:
        # pyoxigraph's evaluation errors on valid SPARQL, e.g. an unsupported extension function
        raise QueryEvaluationError(f"the query cannot be evaluated: {error}") from None


def _evaluate(task: EvaluationTask) -> Evaluation:
    assert _snapshot is not None, "start_worker() was not run in this process"
    result_format = BY_NAME[task.format_name]
    results = _snapshot.query(task.text, base_iri=task.base_iri, **_dataset_arguments(task))
    if isinstance(results, ox.QueryBoolean):
        _check_kind(result_format.kind, SOLUTIONS, "ASK")
        body = results.serialize(format=result_format.oxigraph)
        return Evaluation(body, None, len(body), None, False)
    if isinstance(results, ox.QuerySolutions):
        _check_kind(result_format.kind, SOLUTIONS, "SELECT")
        lines_format = ox.QueryResultsFormat.TSV
        header_lines = 1
    else:
        _check_kind(result_format.kind, GRAPH, "CONSTRUCT and DESCRIBE")
        lines_format = ox.RdfFormat.N_TRIPLES
        header_lines = 0
    spool = LineSpool(task.max_rows + header_lines, task.spool_dir, task.spool_threshold)
    with contextlib.suppress(_LineLimitReached):
        results.serialize(output=spool, format=lines_format)
    body, path = spool.close()
    rows = spool.lines - header_lines
    if result_format.oxigraph == lines_format:
        return Evaluation(body, path, spool.length, rows, spool.truncated)
    body, path, length = _convert(body, path, lines_format, result_format.oxigraph, task.spool_dir)
    return Evaluation(body, path, length, rows, spool.truncated)


def _dataset_arguments(task: EvaluationTask) -> dict[str, object]:
    arguments: dict[str, object] = {}
    if task.default_graphs is not None:
        arguments["default_graph"] = [
            ox.NamedNode(iri) if iri else ox.DefaultGraph() for iri in task.default_graphs
        ]
    if task.named_graphs is not None:
        arguments["named_graphs"] = [ox.NamedNode(iri) for iri in task.named_graphs]
    if task.default_graph_as_union:
        arguments["use_default_graph_as_union"] = True
    return arguments


def _syntax_message(task: EvaluationTask, error: SyntaxError) -> str:
    """The parser's message with positions in the client's text, not in the limited one."""
    if task.text == task.original_text:
        return str(error)
    try:
        ox.Store().query(task.original_text, base_iri=task.base_iri)
    except SyntaxError as original_error:
        return str(original_error)
    return str(error)


def _check_kind(format_kind: str, answer_kind: str, form: str) -> None:
    if format_kind != answer_kind:
        raise BadRequest(f"{form} results cannot be written in the requested format")


def _convert(
    body: bytes | None,
    path: str | None,
    lines_format: ox.QueryResultsFormat | ox.RdfFormat,
    target: ox.QueryResultsFormat | ox.RdfFormat,
    spool_dir: str,
) -> tuple[bytes | None, str | None, int]:
    """Re-serialise TSV solutions or N-Triples in ``target``, all inside pyoxigraph."""
    source = {"input": body} if body is not None else {"path": path}
    output: str | None = None
    if path is not None:
        handle, output = tempfile.mkstemp(dir=spool_dir, prefix="answer-")
        os.close(handle)
    if isinstance(lines_format, ox.QueryResultsFormat):
        written = ox.parse_query_results(format=lines_format, **source).serialize(
            output=output, format=target
        )
    else:
        triples = ox.parse(format=lines_format, **source)
        written = ox.serialize(triples, output=output, format=target)
    if path is not None:
        os.unlink(path)
        assert output is not None
        return None, output, os.path.getsize(output)
    assert isinstance(written, bytes)
    return written, None, len(written)
