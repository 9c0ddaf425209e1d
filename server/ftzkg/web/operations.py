"""Endpoints for operators: ``/health`` says the process is alive and what it serves.

A load balancer or ``curl`` can poll it cheaply; the answer holds the triple count per
named graph and the dataset version, so an operator sees at once whether the expected data
is loaded and whether a write has changed it.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from ftzkg import __version__
from ftzkg.web import resources

blueprint = Blueprint("operations", __name__)


@blueprint.route("/health", methods=["GET"])
def health() -> Response:
    store = resources().store
    counts = store.graph_counts()
    response = jsonify(
        status="ok",
        software_version=__version__,
        dataset_version=store.version,
        triples=sum(counts.values()),
        graphs=counts,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
