"""What operators see: one log line per request, a request id, Prometheus metrics, rate limits.

* Every request gets an id (the client's ``X-Request-Id`` when it is a sane token, else a
  new one), echoed in the response's ``X-Request-Id`` and in its log line, so a complaint can
  be matched to the log.
* The log line is one JSON object on the ``ftzkg.requests`` logger: id, method, path, status,
  duration, and a hash of the query or update text (never the text: it may be large, and the
  audit log already keeps accepted updates).
* ``/metrics`` serves Prometheus text: requests by status, query latency, timeouts, rejected
  writes. Each app has its own registry, so several apps in one process (tests) do not mix.
  With several gunicorn worker processes each reports its own counters.
* Per-client rate limiting (flask-limiter, in memory) exists but is off unless the operator
  sets ``FTZKG_RATE_LIMIT`` (e.g. ``120/minute``); ``/health`` and ``/metrics`` are exempt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from ftzkg.config import Settings
from ftzkg.errors import QueryTimeout
from ftzkg.web.errors import handle_ftzkg_error

REQUEST_ID_HEADER = "X-Request-Id"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._\-]{1,64}")
QUERY_PATHS = frozenset({"/sparql"})
WRITE_PATHS = frozenset({"/sparql/update", "/rdf-graphs/service"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
METRICS_KEY = "ftzkg.metrics"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

request_log = logging.getLogger("ftzkg.requests")
blueprint = Blueprint("observability", __name__)


class Metrics:
    """The app's Prometheus collectors, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ftzkg_http_requests",
            "HTTP requests answered, by method and status",
            ["method", "status"],
            registry=self.registry,
        )
        self.query_latency = Histogram(
            "ftzkg_query_duration_seconds",
            "Time to answer a SPARQL query request (until the response starts)",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.timeouts = Counter(
            "ftzkg_query_timeouts",
            "Queries stopped at the wall-clock limit",
            registry=self.registry,
        )
        self.rejected_writes = Counter(
            "ftzkg_rejected_writes",
            "Write requests refused (401, 403, 404/405 when read-only, 400, 422 invalid data)",
            ["status"],
            registry=self.registry,
        )
        self.accepted_writes = Counter(
            "ftzkg_accepted_writes",
            "Write requests that changed (or could have changed) the store",
            registry=self.registry,
        )


def send_logs_to_stderr(settings: Settings) -> None:
    """Write ftzkg's INFO records (audit entries, request lines) to stderr, one per line.

    gunicorn configures only its own loggers; without this, records below WARNING on the
    ``ftzkg`` loggers would be dropped by Python's default configuration.
    """
    logger = logging.getLogger("ftzkg")
    if not any(getattr(handler, "ftzkg_stderr", False) for handler in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.ftzkg_stderr = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    request_log.setLevel(logging.INFO if settings.request_log else logging.WARNING)


def register_observability(app: Flask, settings: Settings) -> None:
    """Install request ids, the request log, ``/metrics`` and (if configured) rate limits."""
    metrics = Metrics()
    app.extensions[METRICS_KEY] = metrics
    app.before_request(start_request)
    app.after_request(finish_request)

    def count_timeout(error: QueryTimeout) -> Response:
        metrics.timeouts.inc()
        return handle_ftzkg_error(error)

    app.register_error_handler(QueryTimeout, count_timeout)
    app.register_blueprint(blueprint)
    if settings.rate_limit:
        install_rate_limits(app, settings.rate_limit)


def install_rate_limits(app: Flask, limits: str) -> None:
    """Per client address, in this process's memory; 429 with a message beyond the limit."""
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(
        get_remote_address,
        app=app,
        default_limits=[limits],
        storage_uri="memory://",
        headers_enabled=True,
    )
    limiter.exempt(blueprint)
    for name in ("operations",):
        if name in app.blueprints:
            limiter.exempt(app.blueprints[name])


def start_request() -> None:
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if SANE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def finish_request(response: Response) -> Response:
    from flask import current_app

    metrics: Metrics = current_app.extensions[METRICS_KEY]
    duration = time.perf_counter() - g.get("request_started", time.perf_counter())
    request_id = g.get("request_id") or uuid.uuid4().hex
    response.headers[REQUEST_ID_HEADER] = request_id
    status = response.status_code
    metrics.requests.labels(request.method, str(status)).inc()
    if request.path in QUERY_PATHS and request.method in {"GET", "POST"}:
        metrics.query_latency.observe(duration)
    if request.path in WRITE_PATHS and request.method not in READ_METHODS:
        if status >= 400:
            metrics.rejected_writes.labels(str(status)).inc()
        else:
            metrics.accepted_writes.inc()
    log_request(request_id, request.method, request.path, status, duration, operation_hash)
    return response


def log_request(
    request_id: str,
    method: str,
    path: str,
    status: int,
    duration: float,
    query_hash: Callable[[], str | None],
) -> None:
    """Write the request's JSON log line; the hash is only computed when the line is kept."""
    if not request_log.isEnabledFor(logging.INFO):
        return
    request_log.info(
        json.dumps(
            {
                "id": request_id,
                "method": method,
                "path": path,
                "status": status,
                "duration_ms": round(duration * 1000, 2),
                "query_hash": query_hash(),
            },
            separators=(",", ":"),
        )
    )


def text_hash(text: str) -> str:
    """A short hash of a query or update text, to group log lines by operation."""
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


def operation_hash() -> str | None:
    """A short hash of the query or update text, to group log lines by operation."""
    text = request.args.get("query") or request.args.get("update")
    if text is None and request.method == "POST" and request.path in QUERY_PATHS | WRITE_PATHS:
        try:
            body = request.get_data(cache=True)
        except Exception:  # the body was refused (too large): there is nothing to hash
            return None
        if request.mimetype == "application/x-www-form-urlencoded":
            text = request.form.get("query") or request.form.get("update")
        else:
            text = body.decode("utf-8", "replace") if body else None
    return text_hash(text) if text else None


@blueprint.route("/metrics")
def metrics_endpoint() -> Response:
    from flask import current_app

    metrics: Metrics = current_app.extensions[METRICS_KEY]
    return Response(generate_latest(metrics.registry), content_type=CONTENT_TYPE_LATEST)
