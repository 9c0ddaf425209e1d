"""Repeated queries answered before Flask: the same request, the same dataset, the same bytes.

Analysts and dashboards send the same few queries again and again. The result cache already
keeps their answers, but reaching it costs a whole Flask request (routing, the protocol
parser, the lexer, negotiation, the ETag, the hooks): about a millisecond of one process's
Python per request, which caps a worker at about a thousand answers a second. This WSGI
middleware remembers, per raw request (query string and ``Accept``), the complete response
Flask gave — status line, headers, body — together with the dataset version it was computed
for, and replays it while that version is current. A write bumps the version, so a replay of
stale data is impossible; everything else about the request (errors, POST, HEAD, any
``If-None-Match`` other than the answer's own ETag, rate-limited servers) goes through Flask.

A replay keeps what operators and clients rely on: its own request id, the request log line,
the request and latency metrics, and 304 for a client that already holds the answer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from ftzkg.observability import (
    REQUEST_ID_HEADER,
    SANE_REQUEST_ID,
    Metrics,
    log_request,
    text_hash,
)
from ftzkg.result_cache import BoundedCache
from ftzkg.store import Store

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

REPLAYED_PATH = "/sparql"
MAX_ENTRIES = 4096
"""Bounded by count as well as bytes: keys are query strings, up to 8 KB each."""

_NOT_MODIFIED_HEADERS = frozenset({"etag", "cache-control", "vary", "content-location", "date"})


@dataclass(frozen=True)
class _Replay:
    version: int
    status: str
    headers: list[tuple[str, str]]  # without the request id, which is per request
    body: bytes
    quoted_etag: str

    def not_modified_headers(self) -> list[tuple[str, str]]:
        return [
            (name, value) for name, value in self.headers if name.lower() in _NOT_MODIFIED_HEADERS
        ]


class RepeatAnswers:
    """WSGI middleware in front of the Flask app: replays complete answers to repeated GETs."""

    def __init__(self, app: WSGIApp, store: Store, metrics: Metrics, max_bytes: int) -> None:
        self.app = app
        self.store = store
        self.metrics = metrics
        self._replays: BoundedCache[tuple[str, str], _Replay] = BoundedCache(max_bytes, MAX_ENTRIES)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        query_string = environ.get("QUERY_STRING", "")
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or environ.get("PATH_INFO") != REPLAYED_PATH
            or not query_string
        ):
            return self.app(environ, start_response)
        started = time.perf_counter()
        key = (query_string, environ.get("HTTP_ACCEPT", ""))
        version = self.store.version
        replay = self._replays.get(key)
        if replay is not None and replay.version == version:
            if_none_match = environ.get("HTTP_IF_NONE_MATCH")
            if if_none_match is None:
                return self._replay(environ, start_response, replay, started)
            if if_none_match == replay.quoted_etag:
                return self._replay(environ, start_response, replay, started, not_modified=True)
        return self._answer_and_remember(environ, start_response, key, version)

    def _replay(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        replay: _Replay,
        started: float,
        not_modified: bool = False,
    ) -> Iterable[bytes]:
        offered = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if SANE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        if not_modified:
            status, headers, body = "304 NOT MODIFIED", replay.not_modified_headers(), b""
        else:
            status, headers, body = replay.status, list(replay.headers), replay.body
        headers.append((REQUEST_ID_HEADER, request_id))
        start_response(status, headers)
        duration = time.perf_counter() - started
        self.metrics.requests.labels("GET", status[:3]).inc()
        self.metrics.query_latency.observe(duration)
        log_request(
            request_id,
            "GET",
            REPLAYED_PATH,
            int(status[:3]),
            duration,
            lambda: _query_hash(environ.get("QUERY_STRING", "")),
        )
        return [body]

    def _answer_and_remember(
        self,
        environ: dict[str, Any],
        start_response: Callable[..., Any],
        key: tuple[str, str],
        version: int,
    ) -> Iterable[bytes]:
        """Let Flask answer; keep the response if it is a complete, cacheable 200.

        ``version`` was read before Flask ran: an answer computed after a concurrent write is
        kept under the older version, so it is never replayed for the newer one.
        """
        seen: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"], seen["headers"] = status, headers
            return start_response(status, headers, exc_info)

        answer = self.app(environ, capture)
        headers = dict((name.lower(), value) for name, value in seen.get("headers", []))
        length = headers.get("content-length")
        if (
            not seen.get("status", "").startswith("200")
            or "etag" not in headers
            or length is None
            or int(length) > self._replays.largest
        ):
            return answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        if len(body) == int(length):
            self._remember(key, seen["status"], seen["headers"], body, version, headers["etag"])
        return [body]

    def _remember(
        self,
        key: tuple[str, str],
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
        version: int,
        quoted_etag: str,
    ) -> None:
        kept = [(name, value) for name, value in headers if name != REQUEST_ID_HEADER]
        self._replays.put(key, _Replay(version, status, kept, body, quoted_etag), len(body))


def _query_hash(query_string: str) -> str | None:
    texts = parse_qs(query_string).get("query")
    return text_hash(texts[0]) if texts else None
