"""Downloadable dumps of the dataset at stable URLs, generated once per dataset version.

A dump is named by its file name under ``/dumps/``: the whole dataset as gzipped N-Quads,
TriG and JSON-LD, and each named graph as Turtle at ``graph/<kind>/<slug>.ttl`` (its graph
IRI relative to the base). The bytes, their ETag (a content hash, so equal bytes give equal
tags across restarts) and their Last-Modified (when this process first built that version)
are kept until the store's version changes, so a crawler's repeated downloads cost nothing.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from ftzkg.config import Settings
from ftzkg.errors import NotFound
from ftzkg.export import write_export
from ftzkg.formats import BY_NAME, Format
from ftzkg.store import Store

DATASET_DUMP_STEM = "ftzkg"


@dataclass(frozen=True)
class Dump:
    """One file offered for download: its name, what it holds and how it is written."""

    file_name: str
    rdf_format: Format
    graph_iri: str | None = None  # None: the whole dataset
    gzipped: bool = False

    @property
    def media_type(self) -> str:
        return "application/gzip" if self.gzipped else self.rdf_format.media_type

    @property
    def content_type(self) -> str:
        return self.media_type if self.gzipped else self.rdf_format.content_type

    @property
    def encoding_format(self) -> str:
        """The media type of the RDF inside (the same as ``media_type`` unless gzipped)."""
        return self.rdf_format.media_type


@dataclass(frozen=True)
class RenderedDump:
    dump: Dump
    data: bytes
    etag: str
    last_modified: datetime


def available_dumps(store: Store, base_iri: str) -> list[Dump]:
    """Every dump of the dataset as it is now: the whole-dataset files, then one per graph."""
    dumps = [
        Dump(f"{DATASET_DUMP_STEM}.nq.gz", BY_NAME["nquads"], gzipped=True),
        Dump(f"{DATASET_DUMP_STEM}.trig", BY_NAME["trig"]),
        Dump(f"{DATASET_DUMP_STEM}.jsonld", BY_NAME["jsonld"]),
    ]
    for graph_iri in store.named_graphs():
        if graph_iri.startswith(base_iri):
            relative = graph_iri[len(base_iri) :]
            dumps.append(Dump(f"{relative}.ttl", BY_NAME["turtle"], graph_iri=graph_iri))
    return dumps


def _serialise(store: Store, dump: Dump, settings: Settings) -> bytes:
    """The dump's bytes, written by the same code as ``ftzkg export`` (skolemised, prefixed)."""
    output = io.BytesIO()
    write_export(output, settings, dump.rdf_format, dump.graph_iri, store)
    data = output.getvalue()
    if dump.gzipped:
        # mtime=0: the same data always gives the same bytes, hence the same ETag.
        data = gzip.compress(data, mtime=0)
    return data


class DumpCache:
    """Builds each dump at most once per dataset version; safe to share between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = None
        self._built_at = datetime.now(UTC)
        self._rendered: dict[str, RenderedDump] = {}

    def get(self, store: Store, settings: Settings, file_name: str) -> RenderedDump:
        """The dump named ``file_name``; ``NotFound`` if the dataset offers no such file."""
        with self._lock:
            if self._version != store.version:
                self._version = store.version
                self._built_at = datetime.now(UTC).replace(microsecond=0)
                self._rendered = {}
            if file_name in self._rendered:
                return self._rendered[file_name]
            by_name = {dump.file_name: dump for dump in available_dumps(store, settings.base_iri)}
            if file_name not in by_name:
                names = ", ".join(sorted(by_name))
                raise NotFound(f"no dump named '{file_name}'; the dumps are: {names}")
            data = _serialise(store, by_name[file_name], settings)
            rendered = RenderedDump(
                by_name[file_name],
                data,
                hashlib.sha256(data).hexdigest()[:32],
                self._built_at,
            )
            self._rendered[file_name] = rendered
            return rendered
