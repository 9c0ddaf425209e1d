"""The one place where errors become HTTP responses.

An ``FtzkgError`` carries its status and a message for a person; a werkzeug
``HTTPException`` (unknown path, wrong method, body over the size limit) carries its own;
anything else is a bug and becomes a bare 500 whose details go to the server's log only.
The body is plain text, or JSON when the client prefers ``application/json``; it never
holds a stack trace.
"""

from __future__ import annotations

import json
import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from ftzkg.errors import FtzkgError, ValidationFailed

log = logging.getLogger("ftzkg.web")

PLAIN_TEXT = "text/plain"
JSON = "application/json"
INTERNAL_ERROR_MESSAGE = "internal server error; the details are in the server's log"


def error_response(status: int, message: str, kind: str, detail: str = "") -> Response:
    """A response for an error, in the representation the client's ``Accept`` prefers."""
    if request.accept_mimetypes.best_match([PLAIN_TEXT, JSON]) == JSON:
        document = {"error": {"status": status, "type": kind, "message": message}}
        if detail:
            document["error"]["detail"] = detail
        body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        return Response(body, status=status, content_type=f"{JSON}; charset=utf-8")
    text = f"{message}\n" if not detail else f"{message}\n\n{detail}\n"
    return Response(text, status=status, content_type=f"{PLAIN_TEXT}; charset=utf-8")


def handle_ftzkg_error(error: FtzkgError) -> Response:
    detail = error.report if isinstance(error, ValidationFailed) else ""
    return error_response(error.status, error.message, type(error).__name__, detail)


def handle_http_exception(error: HTTPException) -> Response:
    """werkzeug's own errors, keeping the headers they need (``Allow`` on a 405)."""
    status = error.code or 500
    response = error_response(status, error.description or error.name, error.name)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_unexpected_error(error: Exception) -> Response:
    """A bug: log it with its traceback for the operator, tell the client nothing more."""
    if isinstance(error, HTTPException):
        return handle_http_exception(error)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, INTERNAL_ERROR_MESSAGE, "InternalServerError")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(FtzkgError, handle_ftzkg_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)
