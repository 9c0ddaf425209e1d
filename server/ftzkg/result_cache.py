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
from typing import Generic, TypeVar

from ftzkg.store import QueryAnswer, QueryRequest

LARGEST_SHARE = 16
"""An answer larger than 1/16 of the cache is streamed, not kept: it would evict too much."""
Key = TypeVar("Key")
Entry = TypeVar("Entry")


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


class BoundedCache(Generic[Key, Entry]):
    """Least-recently-used entries up to ``max_bytes`` of bodies (and ``max_entries``), safe
    across threads: the answer cache and the replay layer in front of Flask both keep bodies
    this way. An entry bigger than ``largest`` (1/16 of the cache) should not be offered."""

    def __init__(self, max_bytes: int, max_entries: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._entries: OrderedDict[Key, tuple[Entry, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    @property
    def largest(self) -> int:
        return self.max_bytes // LARGEST_SHARE

    def get(self, key: Key) -> Entry | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            self._entries.move_to_end(key)
        return found[0]

    def put(self, key: Key, entry: Entry, size: int) -> None:
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._size -= previous[1]
            self._entries[key] = (entry, size)
            self._size += size
            while self._entries and (
                self._size > self.max_bytes
                or (self.max_entries is not None and len(self._entries) > self.max_entries)
            ):
                _, (_, evicted_size) = self._entries.popitem(last=False)
                self._size -= evicted_size


@dataclass(frozen=True)
class _CachedAnswer:
    body: bytes
    truncated: bool
    row_limit: int | None


class ResultCache:
    """Serialised answers by ``answer_key``, least recently used out first."""

    def __init__(self, max_bytes: int) -> None:
        self._entries: BoundedCache[str, _CachedAnswer] = BoundedCache(max_bytes)

    def lookup(self, key: str, request: QueryRequest) -> QueryAnswer | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
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
        limit = self._entries.largest
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
        self._entries.put(key, _CachedAnswer(body, answer.truncated, answer.row_limit), len(body))
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
