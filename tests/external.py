"""The real triple stores and tools the tests drive: Oxigraph server, Virtuoso, Apache Jena.

Each server is started on 127.0.0.1 with a free port and private files, and stopped and
removed afterwards. Servers are session-scoped fixtures because Virtuoso needs a few seconds
to create its database; tests that write use graph IRIs of their own.

Test modules use these fixtures with ``pytest_plugins = ["external"]``. A missing tool is a
failure in CI and a skip elsewhere (``require_tool``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from conftest import require_tool
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

REPOSITORY = Path(__file__).resolve().parents[1]
JENA_WRAPPER = REPOSITORY.parent / "shared" / "tools" / "jena"
START_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_answering(
    url: str, process: subprocess.Popen, timeout: float = START_TIMEOUT
) -> float:
    """Poll ``url`` until it answers 200; return the seconds it took. A dead process fails."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode} at start")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return time.monotonic() - started
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop_process(process: subprocess.Popen) -> None:
    """Terminate a server we started (its whole session), killing it if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 15)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        process.wait(timeout=5)


# --- Oxigraph -----------------------------------------------------------------------------


def oxigraph_executable() -> str:
    """The ``oxigraph`` CLI of the PyPI package ``oxigraph`` (same version as pyoxigraph)."""
    beside_python = Path(sys.executable).with_name("oxigraph")
    if beside_python.exists():
        return str(beside_python)
    return require_tool("oxigraph", "pip install oxigraph==0.5.13 (the test extras)")


def oxigraph_load(location: Path, files: Sequence[Path], graph: str | None = None) -> None:
    """Bulk-load files into an on-disk Oxigraph store with ``oxigraph load``."""
    command = [oxigraph_executable(), "load", "--location", str(location)]
    if graph:
        command += ["--graph", graph]
    for path in files:
        command += ["--file", str(path)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)


@dataclass
class OxigraphServer:
    """A running ``oxigraph serve``; its SPARQL query, update and Graph Store URLs."""

    base_url: str
    process: subprocess.Popen
    start_seconds: float

    @property
    def query_url(self) -> str:
        return self.base_url + "/query"

    @property
    def update_url(self) -> str:
        return self.base_url + "/update"

    @property
    def graph_store_url(self) -> str:
        return self.base_url + "/store"


@contextlib.contextmanager
def running_oxigraph(location: Path, union_default_graph: bool = True) -> Iterator[OxigraphServer]:
    """``oxigraph serve`` on a free loopback port over ``location``, stopped on exit.

    ``--union-default-graph`` gives the same default graph as ftzkg's (the union of the
    named graphs), so answers are comparable without naming graphs in each query.
    """
    port = free_port()
    command = [oxigraph_executable(), "serve", "--location", str(location)]
    command += ["--bind", f"127.0.0.1:{port}"]
    if union_default_graph:
        command.append("--union-default-graph")
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        seconds = wait_until_answering(base_url + "/query?query=ASK%7B%7D", process)
        yield OxigraphServer(base_url, process, seconds)
    finally:
        stop_process(process)


# --- Virtuoso -----------------------------------------------------------------------------

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {folder}, {load_folder}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty_buffers}
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}
ServerThreads = 20
MaxClientConnections = 20
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
MaxQueryCostEstimationTime = 400
"""


@dataclass
class VirtuosoServer:
    """A private Virtuoso: database files in ``folder``, HTTP and SQL ports on loopback.

    ``load_folder`` is listed in ``DirsAllowed`` so the bulk loader may read files put there.
    """

    folder: Path
    load_folder: Path
    http_port: int
    sql_port: int
    process: subprocess.Popen
    start_seconds: float

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    @property
    def update_url(self) -> str:
        return self.query_url

    @property
    def graph_store_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql-graph-crud"

    def isql(self, statements: str) -> str:
        """Run SQL statements through ``isql-vt`` as the DBA; an error raises."""
        result = subprocess.run(
            [virtuoso_isql(), f"127.0.0.1:{self.sql_port}", "dba", "dba", f"exec={statements}"],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0 or "*** Error" in result.stdout + result.stderr:
            raise RuntimeError(f"isql failed: {result.stdout}\n{result.stderr}")
        return result.stdout

    def bulk_load(self, path: Path, graph: str = "urn:ftzkg:unused-default") -> None:
        """Load an RDF file with Virtuoso's bulk loader (``ld_dir`` + ``rdf_loader_run``).

        For N-Quads and TriG the file's own graphs are used; ``graph`` only receives triples
        outside any graph. The loader records errors in ``load_list`` instead of failing.
        """
        target = self.load_folder / path.name
        if path.resolve() != target.resolve():
            shutil.copyfile(path, target)
        self.isql(
            f"DELETE FROM DB.DBA.load_list WHERE ll_file LIKE '%/{path.name}';"
            f"ld_dir('{self.load_folder}', '{path.name}', '{graph}');"
            "rdf_loader_run(); checkpoint;"
        )
        errors = self.isql(
            "SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;"
        )
        if "0 Rows." not in errors:
            raise RuntimeError(f"Virtuoso's bulk loader reported errors: {errors}")

    def clear_graphs(self, graphs: Sequence[str]) -> None:
        self.isql("".join(f"SPARQL CLEAR GRAPH <{graph}>;" for graph in graphs))

    def allow_anonymous_updates(self) -> None:
        """Let the anonymous ``SPARQL`` user update, as a store used only on loopback may."""
        self.isql(
            'GRANT SPARQL_UPDATE TO "SPARQL";'
            'GRANT EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT TO "SPARQL";'
            'GRANT EXECUTE ON DB.DBA.SPARQL_DELETE_DICT_CONTENT TO "SPARQL";'
            "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 7);"
        )


def virtuoso_executable() -> str:
    return require_tool("virtuoso-t", "apt-get install virtuoso-opensource")


def virtuoso_isql() -> str:
    return require_tool("isql-vt", "apt-get install virtuoso-opensource")


@contextlib.contextmanager
def running_virtuoso(folder: Path, buffers: int = 10_000) -> Iterator[VirtuosoServer]:
    """Start ``virtuoso-t`` in the foreground on a private database in ``folder``.

    A fresh database takes about 4 s to create and answer on a 2-core machine (a restart
    on an existing one about 3 s). Both ports bind 127.0.0.1 only.
    """
    executable = virtuoso_executable()
    virtuoso_isql()
    load_folder = folder / "load"
    load_folder.mkdir(parents=True, exist_ok=True)
    http_port, sql_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(
            folder=folder,
            load_folder=load_folder,
            http_port=http_port,
            sql_port=sql_port,
            buffers=buffers,
            dirty_buffers=buffers * 3 // 4,
        )
    )
    process = subprocess.Popen(
        [executable, "+foreground", "+configfile", str(ini)],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        seconds = wait_until_answering(
            f"http://127.0.0.1:{http_port}/sparql?query=ASK%7B%7D", process
        )
        yield VirtuosoServer(folder, load_folder, http_port, sql_port, process, seconds)
    finally:
        stop_process(process)


@pytest.fixture(scope="session")
def virtuoso() -> Iterator[VirtuosoServer]:
    """One Virtuoso for the test session, in a temporary folder removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="ftzkg-virtuoso-"))
    try:
        with running_virtuoso(folder) as server:
            server.allow_anonymous_updates()
            yield server
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- Apache Jena --------------------------------------------------------------------------


def jena_executable() -> str:
    """The Jena wrapper that works around Debian's mis-packaged jar (see its header)."""
    configured = os.environ.get("FTZKG_JENA") or shutil.which("jena")
    if configured:
        return configured
    if JENA_WRAPPER.exists() and Path("/usr/share/java/jena-core.jar").exists():
        return str(JENA_WRAPPER)
    return require_tool(
        "jena",
        "apt-get install libapache-jena-java and put ../shared/tools/jena on PATH",
    )


def riot_validate(files: Sequence[Path]) -> subprocess.CompletedProcess:
    """``jena riot --validate`` over ``files``: every error and warning lands in its output.

    JSON-LD files are read with Jena's JSON-LD 1.0 reader (``--syntax=jsonld10``): Debian
    bookworm ships Jena 4.5's JSON-LD 1.1 reader (titanium) with the jakarta.json API but no
    implementation of it (``libjsonp2-java`` has only the API jar), so that reader fails on
    every document with "LOADING_DOCUMENT_FAILED". ftzkg's JSON-LD uses no 1.1 feature.
    """
    json_ld = [path for path in files if Path(path).suffix == ".jsonld"]
    others = [path for path in files if Path(path).suffix != ".jsonld"]
    runs = []
    for arguments, group in (
        (["--validate"], others),
        (["--validate", "--syntax=jsonld10"], json_ld),
    ):
        if group:
            runs.append(
                subprocess.run(
                    [jena_executable(), "riot", *arguments, *map(str, group)],
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
            )
    return subprocess.CompletedProcess(
        [jena_executable(), "riot"],
        max(run.returncode for run in runs),
        "".join(run.stdout for run in runs),
        "".join(run.stderr for run in runs),
    )


# --- Comparing answers --------------------------------------------------------------------

Row = tuple[tuple[str, object], ...]


def json_term(binding: dict) -> object:
    """A SPARQL JSON term as an rdflib term (``typed-literal`` is Virtuoso's older spelling)."""
    kind = binding["type"]
    if kind == "uri":
        return URIRef(binding["value"])
    if kind == "bnode":
        return BNode(binding["value"])
    return Literal(binding["value"], lang=binding.get("xml:lang"), datatype=binding.get("datatype"))


XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGER_SUBTYPES = frozenset(
    XSD + name
    for name in [
        "nonNegativeInteger",
        "positiveInteger",
        "nonPositiveInteger",
        "negativeInteger",
        "long",
        "int",
        "short",
        "byte",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    ]
)


def comparable(term: object) -> object:
    """A term as answers are compared: subtypes of ``xsd:integer`` as ``xsd:integer``.

    pyoxigraph 0.5.13 (so ftzkg and the Oxigraph server) stores ``"3"^^xsd:nonNegativeInteger``
    as ``"3"^^xsd:integer``, while Virtuoso 7 keeps the declared datatype; the value is the
    same, the term is not. Everything else must match exactly.
    """
    if isinstance(term, Literal) and str(term.datatype) in INTEGER_SUBTYPES:
        return Literal(str(term), datatype=URIRef(XSD + "integer"))
    return term


def solutions_from_json(document: dict) -> bool | list[dict[str, object]]:
    """ASK's boolean, or SELECT's solutions as a list of {variable: term}."""
    if "boolean" in document:
        return bool(document["boolean"])
    return [
        {name: comparable(json_term(value)) for name, value in row.items()}
        for row in document["results"]["bindings"]
    ]


def _canonical_row(row: dict[str, object], blank_names: dict[str, str] | None) -> Row:
    items = []
    for name, term in sorted(row.items()):
        if isinstance(term, BNode):
            term = blank_names.get(str(term), "?") if blank_names is not None else "_:"
        items.append((name, term))
    return tuple(items)


def same_solutions(ours: list[dict[str, object]], theirs: list[dict[str, object]]) -> bool:
    """Bag equality of solution sequences up to a renaming of blank nodes.

    Rows are first compared with every blank node made anonymous; when that matches, a
    consistent bijection between the two sides' blank nodes is searched for by backtracking
    (the answers here are small, so the search is cheap).
    """
    if len(ours) != len(theirs):
        return False
    if Counter(_canonical_row(r, None) for r in ours) != Counter(
        _canonical_row(r, None) for r in theirs
    ):
        return False
    our_blanks = sorted({str(t) for r in ours for t in r.values() if isinstance(t, BNode)})
    their_blanks = sorted({str(t) for r in theirs for t in r.values() if isinstance(t, BNode)})
    if not our_blanks and not their_blanks:
        return True
    if len(our_blanks) != len(their_blanks):
        return False
    expected = Counter(_canonical_row(r, {b: b for b in their_blanks}) for r in theirs)

    def extend(mapping: dict[str, str], remaining: list[str]) -> bool:
        if not remaining:
            return Counter(_canonical_row(r, mapping) for r in ours) == expected
        blank, rest = remaining[0], remaining[1:]
        return any(
            extend({**mapping, blank: candidate}, rest)
            for candidate in their_blanks
            if candidate not in mapping.values()
        )

    return extend({}, our_blanks)


def remote_answer(
    endpoint: str,
    query: str,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
) -> bool | list[dict[str, object]] | Graph:
    """Send ``query`` with SPARQLWrapper: solutions for SELECT/ASK, a Graph for CONSTRUCT."""
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setMethod("POST")
    for graph in default_graphs:
        client.addDefaultGraph(graph)
    for graph in named_graphs:
        client.addNamedGraph(graph)
    if client.queryType in ("CONSTRUCT", "DESCRIBE"):
        client.setReturnFormat(TURTLE)
        graph = Graph()
        graph.parse(data=client.query().convert(), format="turtle")
        return graph
    client.setReturnFormat(JSON)
    return solutions_from_json(client.query().convert())


def comparable_graph(graph: Graph) -> Graph:
    copy = Graph()
    for subject, predicate, value in graph:
        copy.add((subject, predicate, comparable(value)))
    return copy


@pytest.fixture(scope="session")
def ftzkg_store(settings):
    """ftzkg's own store over the data files, as ``ftzkg serve`` opens it by default."""
    from ftzkg.store import open_store

    store = open_store(settings)
    yield store
    store.close()


def store_answer(store, text: str) -> bool | list[dict[str, object]] | Graph:  # type: ignore[no-untyped-def]
    """An answer of ftzkg's store in the shape ``remote_answer`` gives a remote one."""
    from ftzkg import sparql_text
    from ftzkg.formats import BY_NAME, GRAPH
    from ftzkg.store import QueryRequest

    if sparql_text.analyse(text).result_kind == GRAPH:
        body = b"".join(store.query(QueryRequest(text, BY_NAME["ntriples"])).chunks)
        graph = Graph()
        graph.parse(data=body, format="nt")
        return graph
    body = b"".join(store.query(QueryRequest(text, BY_NAME["json"])).chunks)
    return solutions_from_json(json.loads(body))


def same_answer(ours: object, theirs: object) -> bool:
    """Blank-node-aware equality of two answers of the kinds ``remote_answer`` returns."""
    if isinstance(ours, Graph) and isinstance(theirs, Graph):
        return isomorphic(comparable_graph(ours), comparable_graph(theirs))
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours is theirs
    return same_solutions(ours, theirs)  # type: ignore[arg-type]
