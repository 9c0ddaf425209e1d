"""The kinds of error a user of ftzkg can cause or meet, each with its HTTP status.

Every module raises these; the web layer maps them to responses in one place
(``ftzkg.web.errors``) and the CLI prints their message on one line. The message is for a
person: it says what is wrong and, where known, where (parameter, line and column).
"""

from __future__ import annotations


class FtzkgError(Exception):
    """Base of every error that is the user's to fix or the operator's to know about."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(FtzkgError):
    """A request is malformed: a missing or repeated parameter, an unknown value."""


class QuerySyntaxError(BadRequest):
    """The SPARQL text does not parse; the message carries the parser's line and column."""


class QueryNotAllowed(BadRequest):
    """The query is valid SPARQL but this endpoint will not run it (an update, a SERVICE)."""


class QueryEvaluationError(BadRequest):
    """The query parses but the engine cannot evaluate it (say, an unknown extension function)."""


class PayloadTooLarge(FtzkgError):
    status = 413


class UnsupportedMediaType(FtzkgError):
    status = 415


class NotAcceptable(FtzkgError):
    """No result format both fits the query form and the client's ``Accept``."""

    status = 406


class NotFound(FtzkgError):
    status = 404


class Unauthorized(FtzkgError):
    status = 401


class Forbidden(FtzkgError):
    status = 403


class MethodNotAllowed(FtzkgError):
    status = 405


class ValidationFailed(FtzkgError):
    """Data fails the SHACL shapes; ``report`` holds the readable validation report."""

    status = 422

    def __init__(self, message: str, report: str = "") -> None:
        super().__init__(message)
        self.report = report


class QueryTimeout(FtzkgError):
    """The query ran past its wall-clock limit and its evaluation was stopped."""

    status = 503


class Unavailable(FtzkgError):
    """The service cannot answer now (overloaded, shutting down); try again later."""

    status = 503


class UpstreamError(FtzkgError):
    """A remote store answered with an error or not at all."""

    status = 502
