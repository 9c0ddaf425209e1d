"""The Flask application factory: one app per settings and store, its blueprints, its hooks.

Every view reaches the settings and the store through ``resources()``, never through
globals or the environment, so a test can build as many apps as it needs, each on its own
store. Later groups of routes (Linked Data pages, the query page, updates, the Graph Store
protocol, metrics) are one more blueprint registered here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from ftzkg.config import Settings
from ftzkg.result_cache import ResultCache
from ftzkg.store import Store

EXTENSION_KEY = "ftzkg"


@dataclass(frozen=True)
class AppResources:
    """What the views share: the settings the app was built with and the store it serves."""

    settings: Settings
    store: Store
    result_cache: ResultCache | None = None


def resources() -> AppResources:
    """The settings and store of the application handling the current request."""
    return current_app.extensions[EXTENSION_KEY]


def create_app(settings: Settings, store: Store | None = None) -> Flask:
    """Build the web application over ``store`` (opened from ``settings`` when not given).

    The caller that passes a store keeps owning it; a store opened here is closed by
    whoever stops the process (``ftzkg.serve`` does it when a worker exits).
    """
    from ftzkg.observability import register_observability
    from ftzkg.web import errors, headers, linked_data, operations, publication, sparql, ui, update

    if store is None:
        from ftzkg.store import open_store

        store = open_store(settings)
    app = Flask(__name__)
    # Bodies beyond this are refused with 413 before they are read into memory.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    result_cache = ResultCache(settings.cache_max_bytes) if settings.cache_results else None
    app.extensions[EXTENSION_KEY] = AppResources(settings, store, result_cache)
    errors.register_error_handlers(app)
    headers.register_response_headers(app, settings)
    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(operations.blueprint)
    app.register_blueprint(ui.blueprint)
    app.register_blueprint(linked_data.blueprint)
    app.register_blueprint(publication.blueprint)
    update.register_write_routes(app, settings, store)
    register_observability(app, settings)
    if result_cache is not None and not settings.rate_limit:
        # Rate limits count every request in Flask, so a limited server replays nothing.
        from ftzkg.observability import METRICS_KEY
        from ftzkg.web.repeat_answers import RepeatAnswers

        app.wsgi_app = RepeatAnswers(  # type: ignore[method-assign]
            app.wsgi_app, store, app.extensions[METRICS_KEY], settings.cache_max_bytes
        )
    return app
