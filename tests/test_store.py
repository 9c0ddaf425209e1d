"""The embedded store: real pyoxigraph, real worker processes, small data made here.

Each test builds its data folder (an ontology file and two report graphs holding blank nodes,
language tags, datatypes and multi-line literals) so the store's behaviour is checked
against answers computed independently by pyoxigraph over the same files.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from ftzkg.config import Settings
from ftzkg.errors import BadRequest, QueryNotAllowed, QuerySyntaxError, QueryTimeout
from ftzkg.formats import BY_NAME, FORMATS, GRAPH, SOLUTIONS
from ftzkg.store import EmbeddedStore, QueryRequest, SpooledAnswer, open_on_disk, open_store
from ftzkg.store_metadata import LEGACY_METADATA_GRAPH, METADATA_FILE, read_metadata

BASE = "https://w3id.org/ftzkg/"
ONTOLOGY_GRAPH = BASE + "graph/ontology"
ALPHA_GRAPH = BASE + "graph/report/alpha"
BETA_GRAPH = BASE + "graph/report/beta"
EX = "http://example.org/"

ONTOLOGY = f"""
@prefix owl: <http://www.w3.org/2002/07/owl#> .
<{BASE}ontology> a owl:Ontology .
<{EX}Area> a owl:Class .
"""
ALPHA = f"""
@prefix ex: <{EX}> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:harbin a ex:Area ; ex:label "Harbin"@en , "哈尔滨"@zh ; ex:size "79.86"^^xsd:decimal ;
  ex:note \"\"\"two
lines\twith "quotes" \\\\ and a tab\"\"\" ;
  ex:partner [ ex:label "anonymous partner" ] .
"""
BETA = f"""
@prefix ex: <{EX}> .
ex:heihe a ex:Area ; ex:label "Heihe"@en ; ex:rank 2 ; ex:flag true ; ex:ratio 1.5e0 .
"""


def write_data(folder: Path, alpha: str = ALPHA) -> Path:
    (folder / "ontology").mkdir(parents=True, exist_ok=True)
    (folder / "graph" / "reports").mkdir(parents=True, exist_ok=True)
    (folder / "ontology" / "ftz.ttl").write_text(ONTOLOGY, encoding="utf-8")
    (folder / "graph" / "reports" / "alpha.ttl").write_text(alpha, encoding="utf-8")
    (folder / "graph" / "reports" / "beta.ttl").write_text(BETA, encoding="utf-8")
    return folder


def make_settings(folder: Path, **changes: object) -> Settings:
    values: dict[str, object] = {"workers": 2, "query_timeout": 5.0, "max_rows": 1000}
    values.update(changes)
    return Settings.from_env({}, data_dir=folder, **values)


def reference_store(folder: Path) -> ox.Store:
    """The same files loaded straight into pyoxigraph, for independent expected answers."""
    store = ox.Store()
    for graph, path in (
        (ONTOLOGY_GRAPH, folder / "ontology" / "ftz.ttl"),
        (ALPHA_GRAPH, folder / "graph" / "reports" / "alpha.ttl"),
        (BETA_GRAPH, folder / "graph" / "reports" / "beta.ttl"),
    ):
        store.load(path=path, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph))
    return store


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory) -> Path:
    return write_data(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def store(data_folder):
    opened = open_store(make_settings(data_folder))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def reference(data_folder) -> ox.Store:
    return reference_store(data_folder)


def ask(store, text: str, format_name: str, **dataset: tuple[str, ...]) -> bytes:
    answer = store.query(QueryRequest(text, BY_NAME[format_name], **dataset))
    return b"".join(answer.chunks)


def solution_set(data: bytes, format_name: str) -> set[tuple[str, ...]]:
    parsed = ox.parse_query_results(data, format=BY_NAME[format_name].oxigraph)
    names = [variable.value for variable in parsed.variables]
    return {
        tuple(str(solution[name]) if solution[name] is not None else "" for name in names)
        for solution in parsed
    }


def canonical(quads) -> ox.Dataset:  # type: ignore[no-untyped-def]
    dataset = ox.Dataset(
        ox.Quad(quad.subject, quad.predicate, quad.object, ox.DefaultGraph()) for quad in quads
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return dataset


# --- query forms and formats -----------------------------------------------------------------

SELECT_ALL = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) }"


def test_open_store_gives_an_embedded_store_for_no_store_setting(store):
    assert isinstance(store, EmbeddedStore)
    assert store.version == 1


@pytest.mark.parametrize("format_name", ["json", "xml", "tsv"])
def test_select_answers_equal_pyoxigraph_in_every_parseable_format(store, reference, format_name):
    expected = reference.query(SELECT_ALL, use_default_graph_as_union=True).serialize(
        format=ox.QueryResultsFormat.JSON
    )
    got = ask(store, SELECT_ALL, format_name)
    assert solution_set(got, format_name) == solution_set(expected, "json")


def test_select_as_csv_has_a_header_and_one_line_per_row(store, reference):
    expected_rows = len(list(reference.query(SELECT_ALL, use_default_graph_as_union=True)))
    lines = ask(store, SELECT_ALL, "csv").decode().split("\r\n")
    assert lines[0] == "s,p,o"
    # The multi-line literal is quoted in CSV, so count records with the csv module.
    import csv
    import io

    records = list(csv.reader(io.StringIO(ask(store, SELECT_ALL, "csv").decode())))
    assert len(records) == expected_rows + 1


def test_blank_nodes_languages_and_datatypes_survive_the_tsv_path(store):
    text = (
        f"SELECT ?partner ?label ?size ?note WHERE {{ <{EX}harbin> <{EX}partner> ?partner ; "
        f"<{EX}size> ?size ; <{EX}note> ?note . ?partner <{EX}label> ?label }}"
    )
    (row,) = ox.parse_query_results(ask(store, text, "json"), format=ox.QueryResultsFormat.JSON)
    assert isinstance(row["partner"], ox.BlankNode)
    assert row["label"] == ox.Literal("anonymous partner")
    assert row["size"] == ox.Literal(
        "79.86", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    )
    assert row["note"].value == 'two\nlines\twith "quotes" \\ and a tab'
    labels = ask(store, f"SELECT ?l WHERE {{ <{EX}harbin> <{EX}label> ?l }}", "xml")
    assert solution_set(labels, "xml") == {('"Harbin"@en',), ('"哈尔滨"@zh',)}


@pytest.mark.parametrize(("text", "expected"), [("ASK { ?s ?p ?o }", True), ("ASK { }", True)])
def test_ask_in_json_and_xml(store, text, expected):
    for format_name in ("json", "xml"):
        parsed = ox.parse_query_results(
            ask(store, text, format_name), format=BY_NAME[format_name].oxigraph
        )
        assert bool(parsed) is expected


def test_ask_false(store):
    parsed = ox.parse_query_results(
        ask(store, f"ASK {{ <{EX}nothing> ?p ?o }}", "json"), format=ox.QueryResultsFormat.JSON
    )
    assert bool(parsed) is False


GRAPH_FORMATS = [entry for entry in FORMATS if entry.kind == GRAPH]


@pytest.mark.parametrize("result_format", GRAPH_FORMATS, ids=lambda entry: entry.name)
def test_construct_in_every_graph_format_is_the_same_graph(store, reference, result_format):
    text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ALPHA_GRAPH}> {{ ?s ?p ?o }} }}"
    expected = canonical(reference.quads_for_pattern(None, None, None, ox.NamedNode(ALPHA_GRAPH)))
    got = ask(store, text, result_format.name)
    assert canonical(ox.parse(got, format=result_format.oxigraph)) == expected


def test_describe_returns_the_resource_triples(store):
    got = ask(store, f"DESCRIBE <{EX}heihe>", "ntriples")
    subjects = {quad.subject for quad in ox.parse(got, format=ox.RdfFormat.N_TRIPLES)}
    assert subjects == {ox.NamedNode(f"{EX}heihe")}
    assert len(got.splitlines()) == 5


def test_a_format_of_the_wrong_kind_is_a_bad_request(store):
    with pytest.raises(BadRequest, match="cannot be written"):
        ask(store, "SELECT * { ?s ?p ?o }", "turtle")
    with pytest.raises(BadRequest, match="cannot be written"):
        ask(store, "CONSTRUCT WHERE { ?s ?p ?o }", "json")


# --- the dataset -------------------------------------------------------------------------------

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
COUNT_NAMED = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def count(store, text: str = COUNT, **dataset: tuple[str, ...]) -> int:
    (row,) = ox.parse_query_results(
        ask(store, text, "json", **dataset), format=ox.QueryResultsFormat.JSON
    )
    return int(row["n"].value)


def test_default_graph_is_the_union_of_the_named_graphs(store):
    assert count(store) == sum(store.graph_counts().values())


def test_default_graph_uri_makes_the_default_graph_and_no_named_graphs(store):
    counts = store.graph_counts()
    assert count(store, default_graph_uris=(BETA_GRAPH,)) == counts[BETA_GRAPH]
    assert count(store, COUNT_NAMED, default_graph_uris=(BETA_GRAPH,)) == 0


def test_named_graph_uri_alone_leaves_an_empty_default_graph(store):
    counts = store.graph_counts()
    assert count(store, named_graph_uris=(ALPHA_GRAPH,)) == 0
    assert count(store, COUNT_NAMED, named_graph_uris=(ALPHA_GRAPH,)) == counts[ALPHA_GRAPH]


def test_from_in_the_query_is_its_dataset_despite_the_union_default(store):
    counts = store.graph_counts()
    assert (
        count(store, f"SELECT (COUNT(*) AS ?n) FROM <{BETA_GRAPH}> {{ ?s ?p ?o }}")
        == (counts[BETA_GRAPH])
    )


def test_without_union_the_default_graph_is_the_stores_own(data_folder):
    opened = open_store(make_settings(data_folder, default_graph_as_union=False, workers=1))
    try:
        assert count(opened) == 0
        assert count(opened, COUNT_NAMED) == sum(opened.graph_counts().values())
    finally:
        opened.close()


def test_an_invalid_graph_iri_is_a_bad_request(store):
    with pytest.raises(BadRequest, match="not valid"):
        count(store, default_graph_uris=("not an iri",))


def test_named_graphs_and_counts(store, reference):
    assert store.named_graphs() == sorted([ONTOLOGY_GRAPH, ALPHA_GRAPH, BETA_GRAPH])
    assert store.graph_counts() == {
        graph: len(list(reference.quads_for_pattern(None, None, None, ox.NamedNode(graph))))
        for graph in store.named_graphs()
    }


def test_export_one_graph_and_the_dataset(store, reference):
    import io

    output = io.BytesIO()
    store.export(output, ox.RdfFormat.N_QUADS)
    assert canonical(ox.parse(output.getvalue(), format=ox.RdfFormat.N_QUADS)) == canonical(
        reference
    )
    one = io.BytesIO()
    store.export(one, ox.RdfFormat.TURTLE, BETA_GRAPH)
    assert (
        len(list(ox.parse(one.getvalue(), format=ox.RdfFormat.TURTLE)))
        == (store.graph_counts()[BETA_GRAPH])
    )
    with pytest.raises(BadRequest, match="one graph"):
        store.export(io.BytesIO(), ox.RdfFormat.TURTLE)


# --- the row limit -----------------------------------------------------------------------------


def rows_store(folder: Path, rows: int, max_rows: int) -> EmbeddedStore:
    lines = "\n".join(f'<{EX}s{i}> <{EX}p> "{i}" .' for i in range(rows))
    write_data(folder, alpha=lines)
    return EmbeddedStore(make_settings(folder, max_rows=max_rows, workers=1))


ALPHA_ROWS = f"SELECT ?s ?o WHERE {{ GRAPH <{ALPHA_GRAPH}> {{ ?s ?p ?o }} }}"
ALPHA_TRIPLES = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ALPHA_GRAPH}> {{ ?s ?p ?o }} }}"


@pytest.mark.parametrize(("rows", "truncated"), [(10, False), (11, True), (50, True)])
@pytest.mark.parametrize("format_name", ["json", "csv", "tsv", "xml"])
def test_truncation_flag_is_exact_at_the_row_limit(tmp_path, rows, truncated, format_name):
    opened = rows_store(tmp_path, rows, max_rows=10)
    try:
        answer = opened.query(QueryRequest(ALPHA_ROWS, BY_NAME[format_name]))
        body = b"".join(answer.chunks)
        assert answer.truncated is truncated
        assert answer.row_limit == 10
        assert answer.length == len(body)
        if format_name == "csv":
            assert len(body.decode().split("\r\n")) - 2 == min(rows, 10)
        else:
            assert len(solution_set(body, format_name)) == min(rows, 10)
    finally:
        opened.close()


@pytest.mark.parametrize(("rows", "truncated"), [(10, False), (11, True)])
@pytest.mark.parametrize("format_name", ["ntriples", "turtle", "jsonld"])
def test_graph_results_are_cut_at_the_row_limit_in_triples(tmp_path, rows, truncated, format_name):
    opened = rows_store(tmp_path, rows, max_rows=10)
    try:
        answer = opened.query(QueryRequest(ALPHA_TRIPLES, BY_NAME[format_name]))
        body = b"".join(answer.chunks)
        assert answer.truncated is truncated
        triples = list(ox.parse(body, format=BY_NAME[format_name].oxigraph))
        assert len(triples) == min(rows, 10)
    finally:
        opened.close()


def test_a_smaller_limit_in_the_query_is_kept(tmp_path):
    opened = rows_store(tmp_path, 50, max_rows=10)
    try:
        answer = opened.query(QueryRequest(ALPHA_ROWS + " LIMIT 3", BY_NAME["tsv"]))
        assert not answer.truncated
        assert len(b"".join(answer.chunks).splitlines()) == 4
    finally:
        opened.close()


def test_a_large_answer_streams_from_a_file_that_is_deleted_after_reading(tmp_path):
    big = "x" * 300_000
    lines = "\n".join(f'<{EX}s{i}> <{EX}p> "{big}{i}" .' for i in range(8))
    write_data(tmp_path, alpha=lines)
    opened = EmbeddedStore(make_settings(tmp_path, workers=1))
    try:
        answer = opened.query(QueryRequest(ALPHA_ROWS, BY_NAME["json"]))
        assert isinstance(answer.chunks, SpooledAnswer)
        path = answer.chunks.path
        assert os.path.exists(path)
        chunks = list(answer.chunks)
        assert len(chunks) > 1
        assert not os.path.exists(path)
        assert len(solution_set(b"".join(chunks), "json")) == 8
        unread = opened.query(QueryRequest(ALPHA_ROWS, BY_NAME["tsv"]))
        unread.chunks.close()  # type: ignore[union-attr]
        assert not os.path.exists(unread.chunks.path)  # type: ignore[union-attr]
    finally:
        opened.close()


# --- refusals and errors -----------------------------------------------------------------------


def test_syntax_error_carries_line_and_column(store):
    with pytest.raises(QuerySyntaxError, match=r"error at 3:\d+"):
        ask(store, "SELECT *\nWHERE {\n  ?s ?p ?o . FILTER(?s = ) }", "json")


def test_syntax_error_positions_refer_to_the_text_as_sent(store):
    # The row limit lowers LIMIT 100000 to 1001: the error after it keeps its own column.
    text = "SELECT * WHERE { ?s ?p ?o } LIMIT 100000 OFFSET x"
    column = text.index("x") + 1
    with pytest.raises(QuerySyntaxError, match=rf"error at 1:{column}\b"):
        ask(store, text, "json")


def test_an_update_sent_as_a_query_is_refused(store):
    with pytest.raises(QueryNotAllowed, match="update"):
        ask(store, f"INSERT DATA {{ <{EX}a> <{EX}b> <{EX}c> }}", "json")
    assert store.version == 1


class Listener:
    """A TCP listener on 127.0.0.1 that records whether anything connected."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.3)
        self.port = self.socket.getsockname()[1]

    def received_a_connection(self) -> bool:
        try:
            connection, _ = self.socket.accept()
        except TimeoutError:
            return False
        connection.close()
        return True


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        "ASK {{ SERVICE SILENT <{url}> {{ }} }}",
        "CONSTRUCT WHERE {{ {{ SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    ],
)
def test_service_is_refused_before_any_connection(data_folder, template):
    listener = Listener()
    url = f"http://127.0.0.1:{listener.port}/sparql"
    elsewhere = make_settings(data_folder, workers=1, service_allowlist=("http://192.0.2.1/x",))
    opened = open_store(elsewhere)
    try:
        text = template.format(url=url)
        kind = SOLUTIONS if text.startswith(("SELECT", "ASK")) else GRAPH
        format_name = "json" if kind == SOLUTIONS else "ntriples"
        with pytest.raises(QueryNotAllowed, match="SERVICE"):
            ask(opened, text, format_name)
        assert not listener.received_a_connection()
    finally:
        opened.close()
        listener.socket.close()


def test_service_is_refused_with_federation_off(store):
    with pytest.raises(QueryNotAllowed, match="federated queries are disabled"):
        ask(store, "SELECT * { SERVICE <http://192.0.2.1/sparql> { ?s ?p ?o } }", "json")


# --- timeouts ----------------------------------------------------------------------------------

# Eight independent triple patterns: about 20^8 solutions over the test data, hours of work.
EXPLOSIVE = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . "
    "?m ?n ?o . ?p ?q ?r . ?s ?t ?u . ?v ?w ?x }"
)


def child_pids() -> set[int]:
    pids: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        children = (task / "children").read_text().split()
        pids.update(int(pid) for pid in children)
    return pids


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_a_timed_out_query_is_stopped_its_cpu_freed_and_others_answered(data_folder):
    timeout = 1.0
    opened = EmbeddedStore(make_settings(data_folder, query_timeout=timeout, workers=2))
    try:
        answered: list[float] = []

        def other_client() -> None:
            time.sleep(0.2)
            started = time.monotonic()
            assert count(opened) > 0
            answered.append(time.monotonic() - started)

        neighbour = threading.Thread(target=other_client)
        neighbour.start()
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="stopped"):
            ask(opened, EXPLOSIVE, "json")
        elapsed = time.monotonic() - started
        neighbour.join()
        assert timeout <= elapsed < timeout + 1.0, elapsed
        assert answered and answered[0] < 0.5, answered
        time.sleep(0.3)  # let the pool replace the killed worker
        before = {pid: cpu_seconds(pid) for pid in child_pids()}
        time.sleep(1.0)
        burnt = {pid: cpu_seconds(pid) - seconds for pid, seconds in before.items()}
        assert all(seconds < 0.1 for seconds in burnt.values()), burnt
        assert count(opened) > 0  # the pool still answers
    finally:
        opened.close()


# --- on disk -------------------------------------------------------------------------------------


def test_on_disk_store_restarts_without_reloading_or_duplicating(tmp_path):
    folder = write_data(tmp_path / "data")
    location = tmp_path / "db"
    settings = make_settings(folder, store=str(location), workers=1)
    first = open_store(settings)
    counts, version = first.graph_counts(), first.version
    first.close()
    (folder / "graph" / "reports" / "beta.ttl").write_text(
        BETA + f"<{EX}extra> <{EX}p> 1 .\n", encoding="utf-8"
    )
    again = EmbeddedStore(settings)
    try:
        assert again.graph_counts() == counts
        assert again.version == version
        assert again.changed_sources() == [BETA_GRAPH]
        assert count(again) == sum(counts.values())
    finally:
        again.close()
    reloaded = EmbeddedStore(settings.with_changes(reload_data=True))
    try:
        assert reloaded.graph_counts()[BETA_GRAPH] == counts[BETA_GRAPH] + 1
        assert reloaded.graph_counts()[ALPHA_GRAPH] == counts[ALPHA_GRAPH]
        assert reloaded.version == version + 1
        assert reloaded.changed_sources() == []
    finally:
        reloaded.close()


def test_replace_graphs_is_seen_by_the_next_query_and_survives_a_restart(tmp_path):
    folder = write_data(tmp_path / "data")
    settings = make_settings(folder, store=str(tmp_path / "db"), workers=1)
    opened = EmbeddedStore(settings)
    new_graph = BASE + "graph/report/gamma"
    quads = [
        ox.Quad(ox.NamedNode(f"{EX}g{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(i)) for i in range(5)
    ]
    try:
        summary = opened.replace_graphs({new_graph: quads, BETA_GRAPH: []})
        assert summary.version == opened.version == 2
        assert (summary.triples_added, summary.graphs) == (5, (new_graph, BETA_GRAPH))
        assert count(opened, default_graph_uris=(new_graph,)) == 5
        assert BETA_GRAPH not in opened.named_graphs()
        assert not [graph for graph in opened.named_graphs() if graph.startswith("urn:ftzkg")]
        graphs = ask(opened, "SELECT DISTINCT ?g { GRAPH ?g { } }", "json")
        assert "urn:ftzkg" not in graphs.decode()
        # The union default graph holds the data and nothing of the store's bookkeeping.
        assert count(opened) == sum(opened.graph_counts().values())
        assert read_metadata(tmp_path / "db").version == 2
    finally:
        opened.close()
    restarted = EmbeddedStore(settings)
    try:
        assert restarted.version == 2
        assert restarted.graph_counts()[new_graph] == 5
        assert BETA_GRAPH not in restarted.named_graphs()
    finally:
        restarted.close()


def test_a_refused_write_changes_nothing(store):
    before = (store.version, store.graph_counts())
    with pytest.raises(BadRequest):
        store.replace_graphs({BETA_GRAPH: [], "not an iri": []})
    assert (store.version, store.graph_counts()) == before


def test_a_store_with_the_older_metadata_graph_is_reloaded_and_loses_it(tmp_path):
    folder = write_data(tmp_path / "data")
    settings = make_settings(folder, store=str(tmp_path / "db"), workers=1)
    EmbeddedStore(settings).close()
    (tmp_path / "db" / METADATA_FILE).unlink()  # as an older ftzkg left it: a graph instead
    older = ox.Store(str(tmp_path / "db"))
    bookkeeping = ox.NamedNode(LEGACY_METADATA_GRAPH)
    older.add(
        ox.Quad(
            ox.NamedNode("urn:ftzkg:store"),
            ox.NamedNode("urn:ftzkg:version"),
            ox.Literal(7),
            bookkeeping,
        )
    )
    older.flush()
    del older
    reopened = EmbeddedStore(settings)
    try:
        assert reopened.version == 8
        assert LEGACY_METADATA_GRAPH not in reopened.named_graphs()
        assert count(reopened) == sum(reopened.graph_counts().values())
        assert read_metadata(tmp_path / "db").loaded
    finally:
        reopened.close()


def _hold_store_open(path: str, seconds: float) -> None:
    held = ox.Store(path)
    time.sleep(seconds)
    del held


def test_loading_waits_for_a_process_still_holding_the_store(tmp_path):
    """A restart right after a kill may find the old loader still dying with the lock."""
    folder = write_data(tmp_path / "data")
    settings = make_settings(folder, store=str(tmp_path / "db"), workers=1, reload_data=True)
    ox.Store(str(tmp_path / "db")).flush()
    holder = multiprocessing.get_context("spawn").Process(
        target=_hold_store_open, args=(str(tmp_path / "db"), 1.5)
    )
    holder.start()
    try:
        time.sleep(0.5)  # the holder has it now
        started = time.monotonic()
        version = open_on_disk(tmp_path / "db", settings)
        assert version == 1 and time.monotonic() - started > 0.5
        assert read_metadata(tmp_path / "db").loaded
    finally:
        holder.join()
