"""The ``ftzkg`` command: validate, serve, query, export and the operator's tools.

Each command parses its options into ``Settings`` and calls one module; errors the user can
fix are printed on one line with a non-zero exit, never as a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ftzkg import __version__
from ftzkg.config import ConfigurationError
from ftzkg.errors import BadRequest, FtzkgError


class FtzkgGroup(click.Group):
    """Turns the errors a user can fix into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except (FtzkgError, ConfigurationError) as error:
            click.echo(f"ftzkg: {error}", err=True)
            sys.exit(2)


@click.group(cls=FtzkgGroup)
@click.version_option(__version__, prog_name="ftzkg")
def main() -> None:
    """A knowledge graph of the China (Heilongjiang) Pilot Free Trade Zone report."""


@main.command("validate")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The folder holding ontology/, shapes/ and graph/. [FTZKG_DATA_DIR]",
)
def validate_command(data_dir: Path | None) -> None:
    """Check the ontology and every graph against the shapes and OWL RL; exit 1 on a violation."""
    from ftzkg.config import Settings
    from ftzkg.validation import validate_dataset

    result = validate_dataset(Settings.from_env(data_dir=data_dir))
    click.echo(result.text)
    if not result.conforms:
        sys.exit(1)


@main.command("export")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["nquads", "trig", "turtle", "ntriples", "jsonld"]),
    help="Default: from the output file's suffix, else nquads.",
)
@click.option("--graph", "graph_iri", help="Export only this named graph.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (gzip when it ends .gz) instead of stdout.",
)
@click.option("--store", help="Export from this store instead of the data files.")
@click.option(
    "--plain-wkt",
    is_flag=True,
    help="Write CRS84 geometries without their CRS IRI (the default CRS), for Virtuoso 7.",
)
def export_command(
    format_name: str | None,
    graph_iri: str | None,
    output: Path | None,
    store: str | None,
    plain_wkt: bool,
) -> None:
    """Write the dataset or one graph, blank nodes skolemised, for loading elsewhere."""
    from ftzkg.config import Settings
    from ftzkg.export import export_format, export_to_file

    settings = Settings.from_env(store=store)
    rdf_format = export_format(format_name, output)
    if settings.store is None:
        export_to_file(output, settings, rdf_format, graph_iri, plain_wkt=plain_wkt)
        return
    from ftzkg.store import open_store

    opened = open_store(settings)
    try:
        export_to_file(output, settings, rdf_format, graph_iri, opened, plain_wkt)
    finally:
        opened.close()


@main.command("serve")
@click.option("--host", help="Address to listen on. [FTZKG_HOST, default 127.0.0.1]")
@click.option("--port", type=int, help="Port to listen on. [FTZKG_PORT, default 8000]")
@click.option("--store", help="On-disk store directory; default in memory. [FTZKG_STORE]")
@click.option(
    "--reload-data",
    is_flag=True,
    default=None,
    help="Replace the store's graphs with the data files. [FTZKG_RELOAD_DATA]",
)
@click.option(
    "--query-timeout", type=float, help="Seconds per query. [FTZKG_QUERY_TIMEOUT, default 10]"
)
@click.option("--max-rows", type=int, help="Result row limit. [FTZKG_MAX_ROWS, default 10000]")
@click.option(
    "--max-query-bytes",
    type=int,
    help="Largest query text. [FTZKG_MAX_QUERY_BYTES, default 100000]",
)
@click.option("--workers", type=int, help="Query worker processes. [FTZKG_WORKERS, default 2]")
@click.option("--http-threads", type=int, help="Request threads. [FTZKG_HTTP_THREADS, default 16]")
@click.option(
    "--no-cors",
    "cors",
    flag_value=False,
    default=None,
    help="Send no CORS headers. [FTZKG_CORS=false]",
)
@click.option("--base-iri", help="Serve the IRIs under this base. [FTZKG_BASE_IRI]")
def serve_command(**options: object) -> None:
    """Validate the data, then serve the SPARQL endpoint and Linked Data with gunicorn."""
    from ftzkg.config import Settings
    from ftzkg.serve import serve

    serve(Settings.from_env(**options))


@main.command("query")
@click.argument("query")
@click.option(
    "--format",
    "format_name",
    help="Result format (json, xml, csv, tsv, turtle, ntriples, rdfxml, jsonld, nquads, trig);"
    " default json for SELECT/ASK, turtle for CONSTRUCT/DESCRIBE.",
)
@click.option("--store", help="Query this store instead of the data files. [FTZKG_STORE]")
@click.option("--query-timeout", type=float, help="Seconds. [FTZKG_QUERY_TIMEOUT, default 10]")
@click.option("--max-rows", type=int, help="Row limit. [FTZKG_MAX_ROWS, default 10000]")
def query_command(
    query: str,
    format_name: str | None,
    store: str | None,
    query_timeout: float | None,
    max_rows: int | None,
) -> None:
    """Run QUERY (a .rq file or the query text) over the dataset and print the result."""
    from ftzkg import sparql_text
    from ftzkg.config import Settings
    from ftzkg.formats import GRAPH, negotiate
    from ftzkg.store import QueryRequest, open_store

    text = query
    if query.endswith(".rq"):
        try:
            text = Path(query).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise BadRequest(f"cannot read {query}: {error}") from None
    settings = Settings.from_env(
        store=store, query_timeout=query_timeout, max_rows=max_rows, workers=1
    )
    kind = sparql_text.QUERY_FORMS[sparql_text.query_form(text)]
    default = "turtle" if kind == GRAPH else "json"
    result_format = negotiate(kind, None, format_name or default)
    opened = open_store(settings)
    try:
        answer = opened.query(QueryRequest(text, result_format))
        for chunk in answer.chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
    finally:
        opened.close()
    if answer.truncated:
        click.echo(f"ftzkg: result cut at {answer.row_limit} rows (--max-rows)", err=True)


@main.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.option("--store", help="The on-disk store to back up. [FTZKG_STORE]")
def backup_command(target: Path, store: str | None) -> None:
    """Write a consistent copy of the on-disk store into the new directory TARGET."""
    from ftzkg.backup import backup_store
    from ftzkg.config import Settings

    settings = Settings.from_env(store=store)
    if settings.store is None:
        raise click.UsageError("backup needs an on-disk store: --store PATH or FTZKG_STORE")
    quads = backup_store(Path(settings.store), target)
    click.echo(f"backed up {quads} quads from {settings.store} to {target}")


@main.command("restore")
@click.argument("source", type=click.Path(file_okay=False, path_type=Path))
@click.option("--store", help="The on-disk store to replace (server stopped). [FTZKG_STORE]")
def restore_command(source: Path, store: str | None) -> None:
    """Replace the on-disk store with the backup in SOURCE (stop the server first)."""
    from ftzkg.backup import restore_store
    from ftzkg.config import Settings

    settings = Settings.from_env(store=store)
    if settings.store is None:
        raise click.UsageError("restore needs an on-disk store: --store PATH or FTZKG_STORE")
    quads = restore_store(source, Path(settings.store))
    click.echo(f"restored {quads} quads from {source} into {settings.store}")


@main.command("push")
@click.option("--endpoint", required=True, help="The remote store's SPARQL query URL.")
@click.option("--update", "update_url", help="Its SPARQL Update URL (default: --endpoint).")
@click.option("--graph-store", "graph_store_url", help="Write through this Graph Store URL.")
@click.option("--token", envvar="FTZKG_PUSH_TOKEN", help="Bearer token for the remote store.")
@click.option("--graph", "graph_iri", help="Push only this named graph.")
@click.option("--batch-size", default=2_000, show_default=True, help="Triples per request.")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds per request.")
@click.option("--plain-wkt", is_flag=True, help="CRS84 geometries without their CRS IRI.")
def push_command(
    endpoint: str,
    update_url: str | None,
    graph_store_url: str | None,
    token: str | None,
    graph_iri: str | None,
    batch_size: int,
    timeout: float,
    plain_wkt: bool,
) -> None:
    """Replace the project's named graphs in a remote store and verify their triple counts."""
    from ftzkg.config import Settings
    from ftzkg.push import RemoteEndpoints, push_dataset

    endpoints = RemoteEndpoints(endpoint, update_url, graph_store_url, token, timeout)
    verified = push_dataset(Settings.from_env(), endpoints, graph_iri, batch_size, plain_wkt)
    for graph, triples in verified.items():
        click.echo(f"{triples}\t{graph}")
