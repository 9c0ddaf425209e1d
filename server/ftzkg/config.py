"""Settings for every entry point, from command-line flags and ``FTZKG_*`` variables.

One frozen dataclass is passed down from the CLI (or a test) to the app factory, the store
and the validator, so no module reads the environment on its own.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

CANONICAL_BASE_IRI = "https://w3id.org/ftzkg/"
"""The base under which the data files mint their IRIs (the persistent-URL namespace)."""


class ConfigurationError(ValueError):
    """A setting has a value that cannot be used; the message names the setting."""


def find_data_dir() -> Path:
    """Locate the data folders: the repository when run from a checkout, else the wheel's copy.

    The repository is recognised by ``ontology/ftz.ttl`` two levels above this package
    (``server/ftzkg``); an installed wheel carries the same tree under ``<prefix>/share/ftzkg``.
    """
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology" / "ftz.ttl").is_file():
        return checkout
    installed = Path(sys.prefix) / "share" / "ftzkg"
    if (installed / "ontology" / "ftz.ttl").is_file():
        return installed
    raise ConfigurationError(
        "cannot find the data folders (ontology/ftz.ttl): set FTZKG_DATA_DIR to the repository"
    )


@dataclass(frozen=True)
class Settings:
    """Everything an ftzkg process can be told; defaults are safe for a public endpoint."""

    data_dir: Path = field(default_factory=find_data_dir)
    base_iri: str = CANONICAL_BASE_IRI
    # None: an in-memory store; a filesystem path: an on-disk store;
    # sparql+http(s)://…: a remote SPARQL 1.1 store fronted by this server.
    store: str | None = None
    # For a remote store: its SPARQL Update and Graph Store URLs (default: none, read-only
    # unless one is given) and the bearer token ftzkg sends it.
    store_update_url: str | None = None
    store_graph_store_url: str | None = None
    store_token: str | None = None
    reload_data: bool = False
    # Where verdicts on unchanged data files are remembered (None: ~/.cache/ftzkg/validated);
    # "off" as FTZKG_VALIDATION_CACHE validates in full at every start.
    validation_cache: str | None = None
    # The default graph of a query that names no graphs: the union of the named graphs (the
    # product), or the store's own default graph (the W3C test suites need that).
    default_graph_as_union: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    query_timeout: float = 10.0
    max_rows: int = 10_000
    max_query_bytes: int = 100_000
    max_body_bytes: int = 10_000_000
    workers: int = 2
    # gunicorn worker processes; 0 chooses: one per core (at most 4) while writes are off,
    # else 1 (each process holds its own copy of an in-memory store, so only one may write).
    http_workers: int = 0
    http_threads: int = 16
    cors: bool = True
    # Answers are cached in process and validated by a strong ETag (304 on If-None-Match),
    # both keyed by the dataset version; Cache-Control tells clients how long to reuse them.
    cache_results: bool = True
    cache_max_bytes: int = 64_000_000
    cache_control: str = "public, max-age=0, must-revalidate"
    write_token: str | None = None
    # A file holding write tokens, one per line (for secrets mounted as files).
    write_token_file: Path | None = None
    # Where accepted writes are appended as JSON lines; None: the "ftzkg.audit" logger.
    audit_log: Path | None = None
    # One JSON line per request on stderr (``ftzkg serve``). Off by default, like gunicorn's
    # access log: measured on 2 cores, replayed answers fell from 7,000-8,000 to 2,000-5,000
    # a second with it on (each line is a write from one of many threads sharing a GIL).
    request_log: bool = False
    # flask-limiter limits per client address, e.g. "120/minute;2000/hour"; None: off.
    rate_limit: str | None = None
    service_allowlist: tuple[str, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Build settings from ``FTZKG_<FIELD>`` variables, then apply explicit overrides.

        Overrides whose value is ``None`` are ignored, so CLI options that were not given
        leave the environment's value in place.
        """
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for setting in fields(cls):
            raw = environ.get("FTZKG_" + setting.name.upper())
            if raw is not None and raw != "":
                values[setting.name] = _parse_setting(setting.name, setting.type, raw)
        values.update({key: value for key, value in overrides.items() if value is not None})
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    def with_changes(self, **changes: object) -> Settings:
        changed = replace(self, **changes)  # type: ignore[arg-type]
        changed.check()
        return changed

    def check(self) -> None:
        """Reject values that would make the server unsafe or unable to run."""
        if not self.base_iri.endswith(("/", "#")):
            raise ConfigurationError(f"FTZKG_BASE_IRI must end with '/' or '#': {self.base_iri}")
        for name in ("query_timeout",):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"FTZKG_{name.upper()} must be positive")
        for name in ("max_rows", "max_query_bytes", "max_body_bytes", "workers", "port"):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"FTZKG_{name.upper()} must be at least 1")
        if self.http_workers < 0:
            raise ConfigurationError("FTZKG_HTTP_WORKERS must be 0 (automatic) or more")
        if self.http_workers > 1 and self.writes_configured:
            raise ConfigurationError(
                "FTZKG_HTTP_WORKERS above 1 needs writes off (no FTZKG_WRITE_TOKEN or "
                "FTZKG_WRITE_TOKEN_FILE): each worker would write only its own copy of the store"
            )

    @property
    def writes_configured(self) -> bool:
        """A write token (or token file) is set, so the write endpoints will be on."""
        return bool(self.write_token) or self.write_token_file is not None

    @property
    def http_processes(self) -> int:
        """How many gunicorn workers serve: the setting, or one per core (at most 4) read-only.

        Measured on 2 cores: one process answers about 4,000 trivial requests a second under
        gunicorn, two about 13,000, because each process's Python is bound by its own GIL.
        """
        if self.http_workers:
            return self.http_workers
        return 1 if self.writes_configured else max(1, min(os.cpu_count() or 1, 4))


def _parse_setting(name: str, annotation: object, raw: str) -> object:
    kind = str(annotation)
    try:
        if "bool" in kind:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if "tuple" in kind:
            return tuple(item.strip() for item in raw.split(",") if item.strip())
        if kind.startswith("float"):
            return float(raw)
        if kind.startswith("int"):
            return int(raw)
        if "Path" in kind:
            return Path(raw)
    except ValueError:
        raise ConfigurationError(f"FTZKG_{name.upper()}={raw!r} is not a valid value") from None
    return raw
