"""Headers every response carries: ``nosniff`` always, CORS unless the operator turns it off.

CORS is on by default because a public SPARQL endpoint is meant to be queried from other
sites' pages (YASGUI instances, notebooks in the browser); the endpoint needs no cookies,
so ``*`` is safe. The CORS handling is a few lines for simple and preflight requests,
which is all a read-only endpoint needs, rather than a dependency.
"""

from __future__ import annotations

from flask import Flask, Response, request

from ftzkg.config import Settings

TRUNCATION_HEADER = "X-SPARQL-MaxRows"
"""Present when the row limit cut a result; its value is the limit (Virtuoso's convention)."""

CORS_ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
CORS_ALLOWED_HEADERS = "Accept, Content-Type"
CORS_EXPOSED_HEADERS = TRUNCATION_HEADER
CORS_PREFLIGHT_MAX_AGE = "86400"


def register_response_headers(app: Flask, settings: Settings) -> None:
    """Install the hook that adds the security and (if enabled) CORS headers."""

    def add_headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        if settings.cors:
            _add_cors_headers(response)
        return response

    app.after_request(add_headers)


def _add_cors_headers(response: Response) -> None:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = CORS_ALLOWED_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = CORS_PREFLIGHT_MAX_AGE
