"""The real app on a real socket on 127.0.0.1, in a thread, for raw-HTTP and browser tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ftzkg.config import Settings
from ftzkg.store import Store, open_store
from ftzkg.web import create_app
from werkzeug.serving import make_server


@contextmanager
def running_app(settings: Settings) -> Iterator[tuple[str, Store]]:
    """Serve ``create_app(settings)`` on a free loopback port; yield its URL and its store."""
    store = open_store(settings)
    server = make_server("127.0.0.1", 0, create_app(settings, store), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", store
    finally:
        server.shutdown()
        thread.join(timeout=10)
        store.close()
