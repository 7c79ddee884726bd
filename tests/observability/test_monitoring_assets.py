"""deploy/monitoring/: promtool accepts the config and rules, the rules' unit tests pass, and
every metric a rule or dashboard panel queries is really exported by the app."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from apfa.auth.permissions import Role
from conftest import unavailable
from support import bearer

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
# Series Prometheus itself writes for every scrape target.
PROMETHEUS_BUILTINS = frozenset({"up"})
_METRIC = re.compile(r"\b(apfa_[a-z0-9_]+|up)\b(?!\s*\()")
_SELECTOR = re.compile(r"\b(apfa_[a-z0-9_]+)\{([^}]*)\}")
_LABEL = re.compile(r"([a-z_][a-z0-9_]*)\s*(?:=~|!~|!=|=)")
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("promtool") is None:
        unavailable("promtool is not installed (Debian package: prometheus)")
    return subprocess.run(
        ["promtool", *args], cwd=MONITORING, capture_output=True, text=True, timeout=120
    )


def rule_expressions() -> list[str]:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def panel_expressions() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_promtool_accepts_rules_and_config(tmp_path: Path) -> None:
    rules = promtool("check", "rules", "alerts.yml")
    assert rules.returncode == 0, rules.stdout + rules.stderr
    # promtool checks that the scrape token file exists: point it at a stand-in.
    token = tmp_path / "apfa_metrics_token"
    token.write_text("a-scrape-token-for-promtool\n")
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "apfa"]
    job["authorization"]["credentials_file"] = str(token)
    config["rule_files"] = [str(MONITORING / name) for name in config["rule_files"]]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    checked = promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_scrape_sends_the_metrics_token() -> None:
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "apfa"]
    assert job["authorization"]["type"] == "Bearer"
    assert job["authorization"]["credentials_file"].startswith("/")
    assert "credentials" not in job["authorization"]  # never the token itself


def test_alert_rules_fire_on_the_thresholds() -> None:
    result = promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_assets_cover_the_required_alerts_and_panels() -> None:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    names = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert {
        "APFAHighErrorRate",
        "APFAHighLatencyP95",
        "APFALowCacheHitRate",
        "APFADatabasePoolSaturated",
        "APFAQueueBacklog",
        "APFAWorkersDown",
        "APFACircuitBreakerOpen",
        "APFAIndexStale",
    } <= names
    panels = " ".join(panel_expressions())
    for metric in (
        "apfa_requests_total",
        "apfa_response_time_seconds_bucket",
        "apfa_cache_hits_total",
        "apfa_circuit_breaker_state",
        "apfa_index_version",
        "apfa_db_pool_connections",
    ):
        assert metric in panels
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "apfa"]
    assert job["metrics_path"] == "/metrics"


@pytest.fixture
async def exported(client: httpx.AsyncClient, tokens: dict[Role, str]) -> dict[str, set[str]]:
    """Exported sample names -> the label names seen on them, after some traffic."""
    await client.post(
        "/api/v1/advice",
        json={"query": "How much house can I afford on $90k a year?"},
        headers=bearer(tokens[Role.USER]),
    )
    await client.get("/ready")
    text = (await client.get("/metrics")).text
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for suffix in SUFFIXES.get(family.type, ("",)):
            names.setdefault(family.name + suffix, set())
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
    return names


def test_queried_metrics_are_exported(exported: dict[str, set[str]]) -> None:
    expressions = rule_expressions() + panel_expressions()
    assert expressions
    queried = {m for expr in expressions for m in _METRIC.findall(expr)} - PROMETHEUS_BUILTINS
    assert queried, "no metric found in the rules"
    missing = sorted(queried - exported.keys())
    assert not missing, f"queried but not exported by the app: {missing}"


def test_queried_labels_exist(exported: dict[str, set[str]]) -> None:
    for expr in rule_expressions() + panel_expressions():
        for metric, matchers in _SELECTOR.findall(expr):
            labels = set(_LABEL.findall(matchers))
            seen = exported.get(metric, set())
            if seen:  # a family with samples: its label names are known
                assert labels <= seen | {"instance", "job"}, (metric, labels, seen)


def test_metric_pattern_finds_names_and_skips_functions() -> None:
    expr = 'sum(rate(apfa_requests_total{status=~"5.."}[5m])) / up{job="apfa"}'
    assert set(_METRIC.findall(expr)) == {"apfa_requests_total", "up"}
