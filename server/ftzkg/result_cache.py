"""A bounded in-process cache of serialised query answers, and their HTTP validators.

The data changes only through accepted writes, each of which bumps the dataset version, so
an answer is fully identified by (version, query text, dataset parameters, format): the key
of both the cache and the strong ETag. Entries of an older version are never hit again and
age out of the LRU; nothing has to be invalidated explicitly.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ftzkg.store import QueryAnswer, QueryRequest

LARGEST_SHARE = 16
"""An answer larger than 1/16 of the cache is streamed, not kept: it would evict too much."""


def answer_key(version: int, request: QueryRequest) -> str:
    """A digest naming one answer: also its strong ETag."""
    digest = hashlib.sha256()
    for part in (
        str(version),
        request.result_format.name,
        request.text,
        *request.default_graph_uris,
        "\x00",
        *request.named_graph_uris,
    ):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:40]


@dataclass(frozen=True)
class _CachedAnswer:
    body: bytes
    truncated: bool
    row_limit: int | None


class ResultCache:
    """Least-recently-used answers up to ``max_bytes`` of bodies; safe across threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, _CachedAnswer] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def lookup(self, key: str, request: QueryRequest) -> QueryAnswer | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
        return QueryAnswer(
            request.result_format,
            (entry.body,),
            entry.truncated,
            entry.row_limit,
            length=len(entry.body),
        )

    def remember(self, key: str, answer: QueryAnswer) -> QueryAnswer:
        """Keep a small answer (read whole, once) and hand back an answer over its bytes.

        An answer of unknown size (a remote store streams without a length) is read until it
        ends or outgrows the share one answer may take; one that outgrows it, or is known to
        be large, is streamed on untouched.
        """
        limit = self.max_bytes // LARGEST_SHARE
        if answer.length is not None and answer.length > limit:
            return answer
        chunks = iter(answer.chunks)
        taken: list[bytes] = []
        size = 0
        for chunk in chunks:
            taken.append(chunk)
            size += len(chunk)
            if size > limit:
                answer.chunks = _continued(taken, chunks, answer.chunks)
                return answer
        body = b"".join(taken)
        with self._lock:
            if key not in self._entries:
                self._entries[key] = _CachedAnswer(body, answer.truncated, answer.row_limit)
                self._size += len(body)
                while self._size > self.max_bytes and self._entries:
                    _, evicted = self._entries.popitem(last=False)
                    self._size -= len(evicted.body)
        return QueryAnswer(
            answer.result_format, (body,), answer.truncated, answer.row_limit, length=len(body)
        )


def _continued(
    taken: list[bytes], rest: Iterator[bytes], source: Iterable[bytes]
) -> Iterator[bytes]:
    """The chunks already read, then the rest; closing it closes the source (its file or
    connection), whether or not it was read to the end."""
    try:
        yield from taken
        yield from rest
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
