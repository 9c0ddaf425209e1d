"""ftzkg against its peers, on the same data and loopback, in one run: `make bench`.

For each dataset (the repository's graph, then synthetic ones from ``bench/generate.py``)
it starts every server on 127.0.0.1:

* ``ftzkg`` as ``ftzkg serve`` runs it (gunicorn), on an on-disk store: once to load it
  (load time = start until ``/health`` answers, validation included), then restarted on the
  loaded store (ready time) with result caching on; ``ftzkg-nocache`` is a copy of that
  store served with ``FTZKG_CACHE_RESULTS=false``;
* ``oxigraph`` (the Rust server of the PyPI package ``oxigraph``, same version as
  pyoxigraph): ``oxigraph load`` (load time), then ``oxigraph serve --union-default-graph``;
* ``rdflib-endpoint`` (FastAPI + rdflib, the pure-Python peer; installed into its own
  virtual environment under ~/.cache on first use) loading the N-Quads export at start;
* ``virtuoso`` when ``virtuoso-t`` is installed: bulk-loaded from the export;
* on request (``--servers …,ftzkg→oxigraph`` or ``ftzkg→virtuoso``): ``ftzkg serve`` in
  front of that server through its remote store, the scale-out setup.

Then ``wrk`` (its own process, a fixed number of connections) runs each query for a fixed
time against each server in turn, once the machine is idle, the servers' order rotating from
query to query and round to round; each server's best of ``--rounds`` runs counts. It prints
per query and server: requests/s, p50 and p99 latency, errors and the ratio to ``oxigraph``;
per dataset and server: load time, time to ready and resident memory (RSS, whole process
tree, after the queries); and the geometric-mean ratios with the issue's targets.

    python bench/run.py                          # report graph + 10k, 100k, 1M triples
    python bench/run.py --smoke                  # report graph, query mix, 1 s, ftzkg + oxigraph
    python bench/run.py --datasets report,100 --seconds 5 --connections 8

Every server gets the same queries over GET with the same Accept header; every server's
default graph is the union of the named graphs (Virtuoso's also holds its system graphs).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
REPOSITORY = BENCH.parent
sys.path.insert(0, str(REPOSITORY / "tests"))
sys.path.insert(0, str(BENCH))

import external  # noqa: E402  (the same server fixtures the tests use)
from ftzkg.config import Settings, find_data_dir  # noqa: E402
from ftzkg.export import export_format, export_to_file  # noqa: E402
from generate import generate  # noqa: E402

PEERS_VENV = Path.home() / ".cache" / "ftzkg-bench" / "peers"
RDFLIB_ENDPOINT = "rdflib-endpoint[cli]==0.6.3"
ALL_SERVERS = ("ftzkg", "ftzkg-nocache", "oxigraph", "rdflib-endpoint", "virtuoso")
SYNTHETIC_SIZES = {"10k": 10, "100k": 120, "1M": 1223}  # 816 triples a copy, 2,075 shipped
BIG_ROW_LIMIT = "100000000"  # no server may cut a result short and so do less work
# A server that needs longer than this for one answer is stopped (it would go on computing
# abandoned requests and slow the others down) and restarted when that is cheap, else left
# out for the rest of the dataset.
CHECK_SECONDS = 20.0


@dataclass
class Server:
    """A running server: where to send queries and what it cost to get it there."""

    name: str
    query_url: str
    processes: list[subprocess.Popen]
    load_seconds: float | None = None
    ready_seconds: float | None = None
    # Starts a fresh copy when this one is stuck on a query (rdflib-endpoint: cheap to restart).
    restart: Callable[[], Server] | None = None

    def rss_megabytes(self) -> float:
        return sum(tree_rss_kilobytes(process.pid) for process in self.processes) / 1024


def tree_rss_kilobytes(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry.name))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, []))
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def wait_for(url: str, process: subprocess.Popen, timeout: float = 3600) -> float:
    return external.wait_until_answering(url, process, timeout)


def start_ftzkg(environment: dict[str, str]) -> tuple[subprocess.Popen, str, float]:
    """``ftzkg serve`` on a free loopback port: its process, base URL and seconds to ready."""
    port = external.free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("ftzkg")), "serve", "--port", str(port)],
        env={
            **os.environ,
            "FTZKG_HOST": "127.0.0.1",
            "FTZKG_MAX_ROWS": BIG_ROW_LIMIT,
            "FTZKG_QUERY_TIMEOUT": "60",
            **environment,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/health", process)
    except BaseException:  # interrupted or failed while starting: do not leave it behind
        external.stop_process(process)
        raise
    return process, base, time.monotonic() - started


@contextlib.contextmanager
def ftzkg_server(
    name: str, data_dir: Path, store: Path, cache: bool, first_load: bool
) -> Iterator[Server]:
    """``ftzkg serve`` on an on-disk store; ``first_load`` times loading and validating.

    Verdicts go to a folder of this run, so the first start validates in full and the
    second is the restart an operator sees (store loaded, verdicts remembered).
    """
    environment = {
        "FTZKG_DATA_DIR": str(data_dir),
        "FTZKG_STORE": str(store),
        "FTZKG_VALIDATION_CACHE": str(store.parent / f"{store.name}-verdicts"),
        "FTZKG_CACHE_RESULTS": "true" if cache else "false",
    }
    load_seconds = None
    if first_load:
        process, _, load_seconds = start_ftzkg(environment)
        external.stop_process(process)
    process, base, ready_seconds = start_ftzkg(environment)
    try:
        yield Server(name, base + "/sparql", [process], load_seconds, ready_seconds)
    finally:
        external.stop_process(process)


@contextlib.contextmanager
def ftzkg_fronting(remote: Server, data_dir: Path) -> Iterator[Server]:
    """``ftzkg serve --store sparql+…`` in front of another server: the scale-out setup."""
    process, base, ready_seconds = start_ftzkg(
        {"FTZKG_DATA_DIR": str(data_dir), "FTZKG_STORE": "sparql+" + remote.query_url}
    )
    try:
        yield Server(f"ftzkg→{remote.name}", base + "/sparql", [process], None, ready_seconds)
    finally:
        external.stop_process(process)


@contextlib.contextmanager
def oxigraph_server(export: Path, folder: Path) -> Iterator[Server]:
    started = time.monotonic()
    external.oxigraph_load(folder / "oxigraph", [export])
    load_seconds = time.monotonic() - started
    with external.running_oxigraph(folder / "oxigraph") as running:
        yield Server(
            "oxigraph", running.query_url, [running.process], load_seconds, running.start_seconds
        )


def rdflib_endpoint_executable() -> Path:
    executable = PEERS_VENV / "bin" / "rdflib-endpoint"
    if not executable.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run(
            [str(PEERS_VENV / "bin" / "pip"), "install", "--quiet", RDFLIB_ENDPOINT], check=True
        )
    return executable


@contextlib.contextmanager
def rdflib_endpoint_server(export: Path) -> Iterator[Server]:
    port = external.free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [rdflib_endpoint_executable(), "serve", "--host", "127.0.0.1", "--port", str(port), export],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"  # its command line serves the endpoint at the root
    try:
        wait_for(url + "?query=ASK%7B%7D", process)
        yield Server("rdflib-endpoint", url, [process], None, time.monotonic() - started)
    finally:
        external.stop_process(process)


@contextlib.contextmanager
def virtuoso_server(export: Path, folder: Path) -> Iterator[Server]:
    with external.running_virtuoso(folder / "virtuoso", buffers=170_000) as running:
        started = time.monotonic()
        running.bulk_load(export)
        load_seconds = time.monotonic() - started
        yield Server(
            "virtuoso", running.query_url, [running.process], load_seconds, running.start_seconds
        )


@dataclass(frozen=True)
class Query:
    name: str
    text: str

    @property
    def accept(self) -> str:
        first_word = next(
            word
            for line in self.text.splitlines()
            if not line.lstrip().startswith(("#", "PREFIX", "prefix"))
            for word in line.split()[:1]
        )
        if first_word.upper() in ("CONSTRUCT", "DESCRIBE"):
            return "text/turtle"
        return "application/sparql-results+json"


def load_queries(folders: list[Path]) -> list[Query]:
    return [
        Query(f"{folder.parent.name}/{path.stem}", path.read_text())
        for folder in folders
        for path in sorted(folder.glob("*.rq"))
    ]


def busy_and_total_ticks() -> tuple[int, int]:
    """CPU ticks spent busy and in all, over every core, from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def wait_until_idle(limit: float = 30.0, window: float = 0.3, busy_share: float = 0.1) -> None:
    """Let every server finish what the last run left queued (a slow server goes on
    computing requests wrk abandoned), so the next one is measured on a quiet machine."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        busy_before, total_before = busy_and_total_ticks()
        time.sleep(window)
        busy_after, total_after = busy_and_total_ticks()
        if busy_after - busy_before <= busy_share * max(1, total_after - total_before):
            return


def run_wrk(server: Server, query: Query, seconds: float, connections: int) -> dict:
    """One timed run of wrk: throughput, latency and errors for one query on one server."""
    wait_until_idle()
    url = server.query_url + "?" + urllib.parse.urlencode({"query": query.text})
    result = subprocess.run(
        [
            shutil.which("wrk") or "wrk",
            "--threads",
            "1",
            "--connections",
            str(connections),
            "--duration",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "--script",
            str(BENCH / "wrk_summary.lua"),
            "--header",
            f"Accept: {query.accept}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    errors = sum(summary[key] for key in summary if key.endswith("errors") or key == "timeouts")
    return {
        "requests_per_second": summary["requests"] / (summary["duration_us"] / 1e6),
        "p50_ms": summary["p50_us"] / 1000,
        "p99_ms": summary["p99_us"] / 1000,
        "errors": errors,
        "requests": summary["requests"],
    }


def check_answer(server: Server, query: Query) -> str | None:
    """One request before timing: its status and size, or None when it took too long."""
    try:
        response = requests.get(
            server.query_url,
            params={"query": query.text},
            headers={"Accept": query.accept},
            timeout=CHECK_SECONDS,
        )
    except requests.Timeout:
        return None
    except requests.RequestException as error:
        return error.__class__.__name__
    return f"{response.status_code}/{len(response.content)}B"


def server_costs(server: Server) -> dict[str, float | None]:
    return {
        "load_seconds": server.load_seconds,
        "ready_seconds": server.ready_seconds,
        "rss_mb": server.rss_megabytes(),
    }


def prepare_dataset(name: str, work: Path) -> Path:
    if name == "report":
        return find_data_dir()
    reports = SYNTHETIC_SIZES.get(name)
    if reports is None:
        reports = int(name)
    target = work / f"data-{name}"
    generate(reports, target)
    return target


@contextlib.contextmanager
def started_servers(names: list[str], data_dir: Path, work: Path) -> Iterator[list[Server]]:
    settings = Settings.from_env({}, data_dir=data_dir)
    export = work / "export.nq"
    export_to_file(export, settings, export_format("nquads", None), plain_wkt=True)
    with contextlib.ExitStack() as stack:
        servers = []
        for name in names:
            print(f"  starting {name} …", file=sys.stderr, flush=True)
            if name == "ftzkg":
                servers.append(
                    stack.enter_context(ftzkg_server(name, data_dir, work / "store", True, True))
                )
            elif name == "ftzkg-nocache":
                shutil.copytree(work / "store", work / "store-nocache", dirs_exist_ok=True)
                servers.append(
                    stack.enter_context(
                        ftzkg_server(name, data_dir, work / "store-nocache", False, False)
                    )
                )
            elif name == "oxigraph":
                servers.append(stack.enter_context(oxigraph_server(export, work)))
            elif name == "rdflib-endpoint":

                def fresh_rdflib_endpoint() -> Server:
                    server = stack.enter_context(rdflib_endpoint_server(export))
                    server.restart = fresh_rdflib_endpoint
                    return server

                servers.append(fresh_rdflib_endpoint())
            elif name == "virtuoso":
                servers.append(stack.enter_context(virtuoso_server(export, work)))
            elif name.startswith("ftzkg→"):
                remote = next(server for server in servers if server.name == name[len("ftzkg→") :])
                servers.append(stack.enter_context(ftzkg_fronting(remote, data_dir)))
        yield servers


def available(names: list[str]) -> list[str]:
    usable = []
    for name in names:
        if name == "virtuoso" and not shutil.which("virtuoso-t"):
            print("  virtuoso-t not installed: Virtuoso left out", file=sys.stderr)
            continue
        usable.append(name)
    if "ftzkg-nocache" in usable and "ftzkg" not in usable:
        usable.insert(usable.index("ftzkg-nocache"), "ftzkg")
    for name in list(usable):  # a fronted server must run, and start first
        if name.startswith("ftzkg→"):
            remote = name[len("ftzkg→") :]
            if remote not in usable:
                usable.insert(usable.index(name), remote)
            usable.remove(name)
            usable.append(name)
    return usable


def benchmark_dataset(
    dataset: str,
    names: list[str],
    queries: list[Query],
    seconds: float,
    connections: int,
    rounds: int = 1,
) -> dict:
    """Every query on every server; with several rounds, each server's best run counts.

    The order of the servers rotates from query to query and from round to round, so none
    is always measured right after another; the best of a few runs is the usual answer to
    interference from the rest of a shared machine (seen here: one run in ten at a third of
    the others' throughput).
    """
    with tempfile.TemporaryDirectory(prefix=f"ftzkg-bench-{dataset}-") as folder:
        work = Path(folder)
        data_dir = prepare_dataset(dataset, work)
        with started_servers(names, data_dir, work) as servers:
            results: dict[str, dict[str, dict]] = {}
            answers: dict[str, dict[str, str]] = {}
            costs = {}
            running = list(servers)
            for index, query in enumerate(queries):
                measurable = []
                for server in rotated(running, index):
                    answer = check_answer(server, query)
                    answers.setdefault(query.name, {})[server.name] = answer or "too slow"
                    if answer is not None:
                        measurable.append(server)
                        continue
                    print(f"  {server.name}: over {CHECK_SECONDS:g} s, stopped", file=sys.stderr)
                    costs[server.name] = server_costs(server)
                    for process in server.processes:
                        external.stop_process(process)
                    if server.restart is None:
                        running.remove(server)
                    else:
                        fresh = server.restart()
                        fresh.ready_seconds = server.ready_seconds
                        running[running.index(server)] = fresh
                for round_number in range(rounds):
                    for server in rotated(measurable, round_number):
                        measured = run_wrk(server, query, seconds, connections)
                        print(
                            f"  {dataset} {query.name} {server.name}: "
                            f"{measured['requests_per_second']:.0f}/s",
                            file=sys.stderr,
                            flush=True,
                        )
                        per_server = results.setdefault(query.name, {})
                        best = per_server.get(server.name)
                        if (
                            best is None
                            or measured["requests_per_second"] > best["requests_per_second"]
                        ):
                            per_server[server.name] = measured
            costs.update({server.name: server_costs(server) for server in running})
    return {"dataset": dataset, "results": results, "answers": answers, "costs": costs}


def rotated(servers: list[Server], shift: int) -> list[Server]:
    if not servers:
        return []
    shift %= len(servers)
    return servers[shift:] + servers[:shift]


def number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def print_tables(run: dict, names: list[str], output=sys.stdout) -> None:  # type: ignore[no-untyped-def]
    print(f"\n### {run['dataset']}\n", file=output)
    print(
        "| query | server | req/s | p50 ms | p99 ms | errors | × oxigraph | answer |", file=output
    )
    print("|---|---|---:|---:|---:|---:|---:|---|", file=output)
    for query, per_server in run["results"].items():
        reference = per_server.get("oxigraph", {}).get("requests_per_second")
        for name in names:
            if name not in per_server:
                if name in run["answers"][query]:
                    print(f"| {query} | {name} | – | – | – | – | – | too slow |", file=output)
                continue
            measured = per_server[name]
            ratio = measured["requests_per_second"] / reference if reference else None
            print(
                f"| {query} | {name} | {number(measured['requests_per_second'])} "
                f"| {number(measured['p50_ms'], 2)} | {number(measured['p99_ms'], 2)} "
                f"| {measured['errors']} | {number(ratio, 2)} "
                f"| {run['answers'][query].get(name, '')} |",
                file=output,
            )
    print("\n| server | load s | ready s | RSS MB |", file=output)
    print("|---|---:|---:|---:|", file=output)
    for name, cost in run["costs"].items():
        print(
            f"| {name} | {number(cost['load_seconds'], 2)} | {number(cost['ready_seconds'], 2)} "
            f"| {number(cost['rss_mb'], 0)} |",
            file=output,
        )


def geometric_mean_ratio(run: dict, name: str, peer: str, prefix: str = "") -> tuple[float, int]:
    """Geometric mean of ``name``'s throughput over ``peer``'s, on the queries both answered."""
    logs = [
        math.log(per_server[name]["requests_per_second"] / per_server[peer]["requests_per_second"])
        for query, per_server in run["results"].items()
        if query.startswith(prefix)
        and name in per_server
        and peer in per_server
        and per_server[name]["requests_per_second"] > 0
        and per_server[peer]["requests_per_second"] > 0
    ]
    return (math.exp(sum(logs) / len(logs)), len(logs)) if logs else (math.nan, 0)


COMPARISONS = (  # (server, peer, query-name prefix)
    ("ftzkg", "oxigraph", "graph/"),
    ("ftzkg-nocache", "oxigraph", "graph/"),
    ("ftzkg", "oxigraph", "bench/"),
    ("ftzkg-nocache", "oxigraph", "bench/"),
    ("ftzkg", "rdflib-endpoint", ""),
    ("ftzkg", "virtuoso", ""),
    ("ftzkg→oxigraph", "oxigraph", ""),
    ("ftzkg→virtuoso", "virtuoso", ""),
)
TARGETS = {  # the targets: (server, peer, prefix, dataset) -> at least
    ("ftzkg", "oxigraph", "graph/", "report"): 1.0,
    ("ftzkg-nocache", "oxigraph", "graph/", "report"): 0.7,
    ("ftzkg", "rdflib-endpoint", "", "report"): 20.0,
    ("ftzkg", "oxigraph", "bench/", "1M"): 0.7,
}
P99_TARGET_MS = 10.0  # on the report graph, at 8 connections


def print_summary(run: dict, output=sys.stdout) -> None:  # type: ignore[no-untyped-def]
    """Geometric-mean ratios against the peers, and the issue's targets met or missed."""
    print("\n| ratio (geometric mean) | queries | measured | target |", file=output)
    print("|---|---:|---:|---|", file=output)
    for name, peer, prefix in COMPARISONS:
        ratio, count = geometric_mean_ratio(run, name, peer, prefix)
        if not count:
            continue
        target = TARGETS.get((name, peer, prefix, run["dataset"]))
        verdict = (
            "" if target is None else f"≥ {target:g}×: {'met' if ratio >= target else 'missed'}"
        )
        which = f"{prefix.rstrip('/')} queries" if prefix else "all queries"
        print(f"| {name} ÷ {peer}, {which} | {count} | {ratio:.2f}× | {verdict} |", file=output)
    worst = [
        measured["p99_ms"]
        for per_server in run["results"].values()
        for server, measured in per_server.items()
        if server == "ftzkg"
    ]
    if worst:
        spread = f"{min(worst):.1f}–{max(worst):.1f} ms"
        verdict = ""
        if run["dataset"] == "report":
            met = max(worst) < P99_TARGET_MS
            verdict = f" (target under {P99_TARGET_MS:g} ms: {'met' if met else 'missed'})"
        print(f"\nftzkg p99 over the queries: {spread}{verdict}", file=output)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // (1024 * 1024)
    return f"{os.cpu_count()} × {cpu}, {memory} GB RAM, {platform.platform()}"


def stop_on_terminate(signal_number: int, frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so every server started is stopped and removed."""
    raise SystemExit(128 + signal_number)


def main(arguments: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, stop_on_terminate)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="report,10k,100k,1M")
    parser.add_argument("--servers", default=",".join(ALL_SERVERS))
    parser.add_argument(
        "--rdflib-datasets",
        default="report,10k",
        help="datasets rdflib-endpoint runs on (it needs minutes to load and answer more)",
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="per query and server")
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs per query and server; the best one counts"
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--smoke", action="store_true", help="report graph, query mix, 1 s, ftzkg+oxigraph"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    options = parser.parse_args(arguments)
    if options.smoke:
        options.datasets, options.seconds, options.servers = "report", 1.0, "ftzkg,oxigraph"
        options.rounds = 1
    if not shutil.which("wrk"):
        print("bench: wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    names = available([name.strip() for name in options.servers.split(",") if name.strip()])
    mix = load_queries([BENCH / "queries"])
    competency = load_queries([find_data_dir() / "graph" / "queries"])
    started = datetime.now(UTC)
    print(f"# ftzkg benchmark, {started:%Y-%m-%d %H:%M} UTC")
    print(f"machine: {machine()}")
    given = arguments if arguments is not None else sys.argv[1:]
    print(f"command: python bench/run.py {' '.join(given)}")
    print(
        f"wrk: 1 thread, {options.connections} connections, {options.seconds:g} s per query, "
        f"best of {options.rounds} run(s) per query and server"
    )
    runs = []
    for dataset in options.datasets.split(","):
        queries = competency + mix if dataset == "report" and not options.smoke else mix
        rdflib_datasets = options.rdflib_datasets.split(",")
        here = [n for n in names if n != "rdflib-endpoint" or dataset in rdflib_datasets]
        run = benchmark_dataset(
            dataset, here, queries, options.seconds, options.connections, options.rounds
        )
        print_tables(run, names)
        print_summary(run)
        sys.stdout.flush()
        runs.append(run)
    if options.json:
        options.json.write_text(json.dumps({"started": started.isoformat(), "runs": runs}))
    errors = sum(
        measured["errors"]
        for run in runs
        for per_server in run["results"].values()
        for measured in per_server.values()
    )
    return 1 if errors and options.smoke else 0


if __name__ == "__main__":
    sys.exit(main())
