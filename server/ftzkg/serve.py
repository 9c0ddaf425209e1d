"""``ftzkg serve``: validate the data, then serve the app under gunicorn.

Validation runs first, in a spawned child process: data that fails its shapes never gets
served; the report is printed and the command exits non-zero. The same child then loads an
on-disk store, so the process that forks the workers never holds the data itself.

The store is opened inside each gunicorn worker (``preload_app`` off), not in the arbiter,
because the store's query worker processes and their pipes belong to the process that
sends them queries; a pool created before the fork would be shared, broken, by the
children. An on-disk store is loaded once before the workers start (``prepare_store``), so
that they all open it read-only.

How many workers: each is one Python process bound by its own GIL, and on 2 cores one
gthread worker answered about 4,000 trivial requests a second where two answered about
13,000 (wrk, 8 connections). So a read-only server runs one per core (at most 4), each
with its own copy of an in-memory store, and a server that accepts writes runs exactly one,
the only copy writes can reach (``Settings.http_processes``).
"""

from __future__ import annotations

import concurrent.futures
import math
import multiprocessing
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask
from gunicorn.app.base import BaseApplication

from ftzkg.config import Settings
from ftzkg.errors import ValidationFailed
from ftzkg.observability import send_logs_to_stderr
from ftzkg.store import prepare_store
from ftzkg.web import EXTENSION_KEY, create_app

# gunicorn's largest bounded request line: a GET query up to about 8 KB once
# percent-encoded; longer queries are sent with POST (up to FTZKG_MAX_QUERY_BYTES).
REQUEST_LINE_LIMIT = 8190
Result = TypeVar("Result")

if TYPE_CHECKING:
    from ftzkg.validation import ValidationResult


class FtzkgServer(BaseApplication):
    """gunicorn driven from code: options from ``Settings``, the app built in the worker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for name, value in gunicorn_options(self.settings).items():
            self.cfg.set(name, value)

    def load(self) -> Flask:
        send_logs_to_stderr(self.settings)
        return create_app(self.settings)


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """The gunicorn configuration for ``settings``; graceful stop waits for running queries."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return {
        "bind": [f"{host}:{settings.port}"],
        "worker_class": "gthread",
        "workers": settings.http_processes,
        "threads": settings.http_threads,
        "preload_app": False,
        "graceful_timeout": math.ceil(settings.query_timeout) + 5,
        "timeout": 30,
        "keepalive": 5,
        "limit_request_line": REQUEST_LINE_LIMIT,
        "proc_name": "ftzkg",
        # gunicorn's runtime control socket could change the worker count under us, and
        # two servers of one user would fight over its default path.
        "control_socket_disable": True,
        "errorlog": "-",
        "loglevel": "info",
        "worker_exit": close_worker_store,
    }


def close_worker_store(server: Any, worker: Any) -> None:
    """Stop the store's query processes when a gunicorn worker exits."""
    app = getattr(worker, "wsgi", None)
    if isinstance(app, Flask) and EXTENSION_KEY in app.extensions:
        app.extensions[EXTENSION_KEY].store.close()


def serve(settings: Settings) -> None:
    """Validate the data and serve it until gunicorn is told to stop (SIGTERM, SIGINT)."""
    validation, worker_settings = call_in_fresh_process(check_and_prepare, settings)
    sys.stderr.write(validation.text + "\n")
    if not validation.conforms:
        raise ValidationFailed(
            "the data does not conform to its shapes (report above); the server was not started",
            validation.text,
        )
    FtzkgServer(worker_settings).run()


def check_and_prepare(settings: Settings) -> tuple[ValidationResult, Settings]:
    """Validate the data, then load an on-disk store; the settings the workers get."""
    from ftzkg.validation import validate_dataset  # rdflib, pyshacl: only in this child

    validation = validate_dataset(settings)
    if not validation.conforms:
        return validation, settings
    return validation, prepare_store(settings)


def call_in_fresh_process(function: Callable[..., Result], *arguments: Any) -> Result:
    """``function(*arguments)`` in a spawned interpreter: its result, or its exception.

    The process that forks the gunicorn workers stays small and untouched: validating a
    million triples left 800 MB in it that every forked worker then carried, and a store
    opened in it breaks the workers' writes (see ``prepare_store``).
    """
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as child:
        return child.submit(function, *arguments).result()
