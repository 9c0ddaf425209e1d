"""SPARQL 1.1 Update at ``/sparql/update``, and what every write route shares.

An update arrives as ``application/sparql-update`` (the text is the body) or as a form with
``update=``; ``using-graph-uri`` and ``using-named-graph-uri`` set the dataset of its WHERE
clauses. The route reads as a straight line: writes enabled? → who is asking? → parse the
protocol request → ``GuardedWriter.apply_update`` → a JSON summary. A server without a write
token has no update service at all (404), and says how to enable it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from ftzkg.auth import BEARER_CHALLENGE, WriteAccess
from ftzkg.config import Settings
from ftzkg.errors import BadRequest, NotFound, PayloadTooLarge, UnsupportedMediaType
from ftzkg.network_guard import NetworkGuard
from ftzkg.protocol import (
    FORM_MEDIA_TYPE,
    UPDATE_MEDIA_TYPE,
    _check_charset,
    _decode_parameters,
    _graph_iris,
    _group,
)
from ftzkg.store import Store, UpdateSummary
from ftzkg.writes import AuditLog, GuardedWriter, UpdateOperation, shapes_validator

blueprint = Blueprint("update", __name__)

WRITES_KEY = "ftzkg.writes"


@dataclass(frozen=True)
class WriteResources:
    """Who may write (``access``) and the one writer; ``writer`` is None on a read-only server."""

    access: WriteAccess
    writer: GuardedWriter | None


def register_write_routes(app: Flask, settings: Settings, store: Store) -> None:
    """Install ``/sparql/update`` and the Graph Store, with writes on only if a token is set."""
    from ftzkg.web import graph_store

    access = WriteAccess.from_settings(settings)
    writer = None
    if access.writes_enabled:
        writer = GuardedWriter(
            store,
            validator=shapes_validator(settings),
            guard=NetworkGuard(settings.service_allowlist),
            audit_log=AuditLog(settings.audit_log),
        )
    app.extensions[WRITES_KEY] = WriteResources(access, writer)
    app.register_blueprint(blueprint)
    app.register_blueprint(graph_store.blueprint)


def write_resources() -> WriteResources:
    return current_app.extensions[WRITES_KEY]


def authorized_token() -> str:
    """The id of the request's valid write token; 401 or 403 otherwise."""
    return write_resources().access.authenticate(request.headers.get("Authorization"))


def summary_response(summary: UpdateSummary, status: int) -> Response:
    """What an accepted write answers: the new version and what changed."""
    response = jsonify(
        {
            "version": summary.version,
            "triples_added": summary.triples_added,
            "triples_removed": summary.triples_removed,
            "graphs": list(summary.graphs),
        }
    )
    response.status_code = status
    return response


@blueprint.route("/sparql/update", methods=["POST"])
def update_endpoint() -> Response:
    writer = write_resources().writer
    if writer is None:
        raise NotFound(
            "SPARQL Update is disabled on this server: it is read-only unless an operator "
            "sets FTZKG_WRITE_TOKEN or FTZKG_WRITE_TOKEN_FILE"
        )
    token = authorized_token()
    operation = parse_update_request(current_app.config["MAX_CONTENT_LENGTH"])
    return summary_response(writer.apply_update(operation, token), 200)


@blueprint.after_request
def challenge_for_credentials(response: Response) -> Response:
    """A 401 tells the client which scheme to use (RFC 6750)."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = BEARER_CHALLENGE
    return response


def parse_update_request(max_bytes: int) -> UpdateOperation:
    """Read the update text and its dataset parameters from the request."""
    url_parameters = _decode_parameters(request.query_string, "the URL's query string")
    media_type = request.mimetype
    _check_charset(request.mimetype_params.get("charset"), media_type or "the body")
    if media_type == FORM_MEDIA_TYPE:
        values = _group(url_parameters + _decode_parameters(request.get_data(), "the form body"))
        updates = values.get("update", [])
        if len(updates) != 1:
            raise BadRequest(
                f"the form must carry exactly one update= parameter; it has {len(updates)}"
            )
        text = updates[0]
    elif media_type == UPDATE_MEDIA_TYPE:
        values = _group(url_parameters)
        if "update" in values:
            raise BadRequest("the update is sent both as the body and as update= in the URL")
        try:
            text = request.get_data().decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadRequest(f"the update body is not valid UTF-8 (byte {error.start})") from None
    else:
        sent = f"'{media_type}'" if media_type else "no Content-Type"
        raise UnsupportedMediaType(
            f"an update POST must be {UPDATE_MEDIA_TYPE} or {FORM_MEDIA_TYPE}; "
            f"the request has {sent}"
        )
    if "query" in values:
        raise BadRequest("a query is not an update; send queries to /sparql")
    if len(text.encode("utf-8")) > max_bytes:
        raise PayloadTooLarge(f"the update is over {max_bytes} bytes (FTZKG_MAX_BODY_BYTES)")
    if not text.strip():
        raise BadRequest("the update is empty")
    return UpdateOperation(
        text=text,
        using_graph_uris=_graph_iris(values, "using-graph-uri"),
        using_named_graph_uris=_graph_iris(values, "using-named-graph-uri"),
        base_iri=request.base_url,
    )
