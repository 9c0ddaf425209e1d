"""Endpoints for operators: ``/health`` says the process is alive and what it serves.

A load balancer or ``curl`` can poll it cheaply; the answer holds the triple count per
named graph and the dataset version, so an operator sees at once whether the expected data
is loaded and whether a write has changed it.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify

from ftzkg import __version__
from ftzkg.errors import Unavailable
from ftzkg.web import resources

log = logging.getLogger("ftzkg.web")
blueprint = Blueprint("operations", __name__)


@blueprint.route("/health", methods=["GET"])
def health() -> Response:
    store = resources().store
    try:
        counts = store.graph_counts()
    except Exception as error:
        # A store that cannot count its graphs cannot serve queries either: report the
        # process unhealthy (503) so a load balancer stops sending it traffic.
        log.exception("health check: the store does not answer")
        raise Unavailable("the store does not answer; see the server's log") from error
    response = jsonify(
        status="ok",
        software_version=__version__,
        dataset_version=store.version,
        triples=sum(counts.values()),
        graphs=counts,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
