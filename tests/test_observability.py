"""What operators see: request ids, one log line per request, /metrics, optional rate limits."""

from __future__ import annotations

import json
import logging

import pytest
from ftzkg.web import create_app


@pytest.fixture(scope="module")
def client(settings):
    return create_app(settings).test_client()


def test_every_response_carries_a_request_id(client):
    response = client.get("/health")
    assert len(response.headers["X-Request-Id"]) == 32


def test_a_sane_client_request_id_is_echoed_and_a_strange_one_replaced(client):
    assert (
        client.get("/health", headers={"X-Request-Id": "abc-123"}).headers["X-Request-Id"]
        == "abc-123"
    )
    replaced = client.get("/health", headers={"X-Request-Id": "<script>"}).headers["X-Request-Id"]
    assert replaced != "<script>"


def test_each_request_is_one_json_log_line_with_a_query_hash(client, caplog):
    caplog.set_level(logging.INFO, logger="ftzkg.requests")
    response = client.get("/sparql", query_string={"query": "ASK {}"})
    [record] = [r for r in caplog.records if r.name == "ftzkg.requests"]
    line = json.loads(record.getMessage())
    assert line["id"] == response.headers["X-Request-Id"]
    assert (line["method"], line["path"], line["status"]) == ("GET", "/sparql", 200)
    assert line["duration_ms"] >= 0
    assert len(line["query_hash"]) == 16


def test_metrics_are_prometheus_text_with_requests_latency_and_timeouts(client):
    client.get("/sparql", query_string={"query": "ASK {}"})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    text = response.text
    assert 'ftzkg_http_requests_total{method="GET",status="200"}' in text
    assert "ftzkg_query_duration_seconds_bucket" in text
    assert "ftzkg_query_timeouts_total" in text
    assert "ftzkg_rejected_writes_total" in text or "ftzkg_rejected_writes" in text


def test_rate_limiting_is_off_by_default(client):
    statuses = {
        client.get("/sparql", query_string={"query": "ASK {}"}).status_code for _ in range(30)
    }
    assert statuses == {200}


def test_a_configured_rate_limit_answers_429_with_a_message(settings):
    limited = create_app(settings.with_changes(rate_limit="3/minute")).test_client()
    statuses = [
        limited.get("/sparql", query_string={"query": "ASK {}"}).status_code for _ in range(5)
    ]
    assert statuses[:3] == [200, 200, 200]
    refused = limited.get("/sparql", query_string={"query": "ASK {}"})
    assert refused.status_code == 429
    assert refused.text.strip()
    assert limited.get("/health").status_code == 200
