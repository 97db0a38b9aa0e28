"""deploy/grafana/*.json and deploy/prometheus/alerts.yml use only metric names the
router really exports: every name in their PromQL is checked against a live scrape of
``/metrics`` from a router that has served requests, with usage and audit recording on
(the ``buffer_*`` metrics) into a migrated PostgreSQL database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from prometheus_client.parser import text_string_to_metric_families

from router.config.records import AuditSettings, UsageSettings
from tests.e2e.conftest import start_gateway
from tests.support import REPO_ROOT, free_port
from tests.usage.harness import migrated_postgres, total_requests, wait_until

DASHBOARDS = sorted((REPO_ROOT / "deploy" / "grafana").glob("*.json"))
ALERTS = REPO_ROOT / "deploy" / "prometheus" / "alerts.yml"

_PROMQL_WORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless"}
    | {"bool", "offset", "le", "inf", "nan"}
)
_STRING = re.compile(r'"[^"\n]*"')
_MATCHERS = re.compile(r"\{[^{}\n]*\}")
_RANGE = re.compile(r"\[[^\[\]\n]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()\n]*\)")
_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """The metric names an expression reads (functions, keywords and labels left out)."""
    text = expr.replace("$__rate_interval", "5m")
    text = _STRING.sub('""', text)
    text = _MATCHERS.sub("", text)
    text = _RANGE.sub("", text)
    text = _GROUPING.sub("", text)
    names: set[str] = set()
    for match in _NAME.finditer(text):
        rest = text[match.end() :].lstrip()
        word = match.group()
        if rest.startswith("(") or word.lower() in _PROMQL_WORDS:
            continue  # a function call or an operator
        names.add(word)
    return names


def test_metric_names_parse() -> None:
    assert metric_names(
        'histogram_quantile(0.99, sum by (le, job) (rate(a_bucket{x="b c", y=~"d"}[5m])))'
    ) == {"a_bucket"}
    assert metric_names("deriv(buffer_size[10m]) > 0 and buffer_size > 0") == {"buffer_size"}
    assert metric_names("x_total / on(job) group_left y") == {"x_total", "y"}


def _walk(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, child in value.items():
            if key in {"expr", "query"} and isinstance(child, str):
                yield child
            else:
                yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def _dashboard_exprs() -> list[str]:
    exprs: list[str] = []
    for path in DASHBOARDS:
        for text in _walk(json.loads(path.read_text())):
            if text == "prometheus":  # a datasource variable's plugin type
                continue
            label_values = re.fullmatch(r"label_values\((\w+),\s*\w+\)", text)
            exprs.append(label_values.group(1) if label_values else text)
    return exprs


def _alert_exprs() -> list[str]:
    rules = yaml.safe_load(ALERTS.read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def _exported(text: str) -> set[str]:
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        suffixes = {
            "counter": ("_total", "_created"),
            "histogram": ("_bucket", "_count", "_sum", "_created"),
            "summary": ("_count", "_sum", "_created"),
        }.get(family.type, ())
        names.update(family.name + suffix for suffix in suffixes)
        names.update(sample.name for sample in family.samples)
    return names


def test_dashboards_and_alerts_use_exported_metrics(tmp_path: Path) -> None:
    assert DASHBOARDS, "no dashboard in deploy/grafana"
    down = f"http://127.0.0.1:{free_port()}/graphql"
    with migrated_postgres() as database:
        gw = start_gateway(
            tmp_path,
            "simple-requires-provides",
            overrides={"products": down},
            usage=UsageSettings(enabled=True, database_url=database, flush_interval_ms=100),
            audit=AuditSettings(enabled=True, database_url=database, flush_interval_ms=100),
        )
        try:
            gw.query("query Me { me { id } }")
            gw.post({"query": "{ products { name } }"})
            wait_until(lambda: total_requests(database) >= 2)  # a flush ran: its metrics exist
            exported = _exported(gw.http.get("/metrics").text)
        finally:
            gw.close()

    dashboard = set().union(*(metric_names(e) for e in _dashboard_exprs()))
    alerts = set().union(*(metric_names(e) for e in _alert_exprs()))
    for used, where in ((dashboard, "dashboards"), (alerts, "alerts.yml")):
        unknown = used - exported
        assert not unknown, f"{where} use metrics the router does not export: {sorted(unknown)}"
    # what the issue asks the dashboard and the alerts to show
    assert {
        "gateway_http_requests_total",
        "gateway_http_request_duration_seconds_bucket",
        "gateway_operation_requests_total",
        "gateway_subgraph_request_duration_seconds_bucket",
        "gateway_operation_cache_hits_total",
        "buffer_size",
    } <= dashboard
    assert {"buffer_size", "buffer_flush_failures_total", "gateway_subgraph_requests_total"} <= (
        alerts
    )
