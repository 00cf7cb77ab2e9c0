"""The deployment files, validated offline: Kubernetes manifests against the API schemas
(kubernetes-validate), the Dockerfile with hadolint, the alert rules with promtool (syntax and
unit tests of every alert), and all of them against what the app really exports and reads.

A missing validator fails these tests: `make test` installs them (pyproject's `test` extra and
scripts/ensure-promtool.sh)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from prometheus_client import REGISTRY

import scholarlink.observability.metrics  # noqa: F401 - registers every app metric
from scholarlink.core.settings import PROJECT_ROOT, Settings

DEPLOY = PROJECT_ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
RULES = DEPLOY / "observability" / "slo-alerts.yaml"
DASHBOARD = DEPLOY / "observability" / "grafana-dashboard.json"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
SECRET_NAME = "scholarlink-secrets"
# Values that must never be written into a manifest.
SECRET_SETTINGS = {
    "DATABASE_URL",
    "SECRET_KEY",
    "REFLEX_REDIS_URL",
    "SHARED_SECRET",
    "SHARED_SECRET_PREVIOUS",
    "OPENAI_API_KEY",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "OIDC_CLIENT_SECRET",
}
# Read by Reflex itself, not by Settings.
REFLEX_VARIABLES = {"REFLEX_REDIS_URL"}
# Series the rules and the dashboard take from the kubelet's cAdvisor, not from the app.
CADVISOR_SERIES = {"container_cpu_cfs_throttled_periods_total", "container_cpu_cfs_periods_total"}


def tool(name: str) -> str:
    """A validator's path; missing is a failure, not a skip."""
    path = shutil.which(name, path=os.pathsep.join([str(Path(sys.executable).parent), os.defpath]))
    path = path or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: run `make test` (or `make install promtool`)")
    return path


# -- Kubernetes ------------------------------------------------------------------------------------


def manifests() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc:
                yield path, doc


def resource(kind: str, name: str) -> dict[str, Any]:
    [found] = [d for _, d in manifests() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    [only] = deployment["spec"]["template"]["spec"]["containers"]
    return only


def env_of(c: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in c.get("env", [])}


def test_manifests_validate_against_the_kubernetes_schemas() -> None:
    kinds = set()
    for path, doc in manifests():
        assert "namespace" not in doc["metadata"], f"{path.name}: manifests are namespace-less"
        kubernetes_validate.validate(doc, kubernetes_validate.latest_version(), strict=True)
        kinds.add(doc["kind"])
    assert kinds == {
        "ConfigMap",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    }


def test_kubernetes_validate_rejects_a_broken_manifest() -> None:
    broken = resource("Deployment", "scholarlink-web")
    broken = json.loads(json.dumps(broken))
    container(broken)["ports"][0]["containerPort"] = "three thousand"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, kubernetes_validate.latest_version(), strict=True)


def test_web_deployment_serves_prod_on_3000_with_probes_and_limits() -> None:
    web = resource("Deployment", "scholarlink-web")
    c = container(web)
    assert c["ports"] == [{"name": "http", "containerPort": 3000, "protocol": "TCP"}]
    assert "command" not in c and "args" not in c  # the image's migrate-then-serve command
    assert c["livenessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    assert c["startupProbe"]["httpGet"]["path"] == "/health"
    assert c["resources"]["limits"] == {"memory": "512Mi", "cpu": "500m"}
    requests = c["resources"]["requests"]
    assert int(requests["memory"].removesuffix("Mi")) <= 512
    assert int(requests["cpu"].removesuffix("m")) <= 500
    pod = web["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    env = env_of(c)
    assert env["AGENT_RUN_WORKER"]["value"] == "false"
    for name in ("DATABASE_URL", "REFLEX_REDIS_URL", "SECRET_KEY"):
        ref = env[name]["valueFrom"]["secretKeyRef"]
        assert ref["name"] == SECRET_NAME and not ref.get("optional", False), name


def test_worker_deployment_runs_the_worker() -> None:
    worker = resource("Deployment", "scholarlink-worker")
    c = container(worker)
    assert c["command"] == ["scholarlink", "worker", "--metrics-port", "9100"]
    assert {"name": "metrics", "containerPort": 9100, "protocol": "TCP"} in c["ports"]
    assert c["image"] == container(resource("Deployment", "scholarlink-web"))["image"]
    assert c["resources"]["limits"]["memory"] == "512Mi"
    env = env_of(c)
    assert env["SHARED_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == SECRET_NAME
    assert env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == SECRET_NAME


def test_agent_intake_runs_apart_from_the_students_pods() -> None:
    # The Command Center's door: the web pods' image, command, probes and settings, its own
    # pods and Service, and the bridge's secret required (without it the bridge is off).
    agent, web = (
        resource("Deployment", "scholarlink-agent"),
        resource("Deployment", "scholarlink-web"),
    )
    a, w = container(agent), container(web)
    assert a["image"] == w["image"] and "command" not in a and "args" not in a
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert a[probe] == w[probe], probe
    env, web_env = env_of(a), env_of(w)
    assert env.keys() == web_env.keys() and env["AGENT_RUN_WORKER"]["value"] == "false"
    assert not env["SHARED_SECRET"]["valueFrom"]["secretKeyRef"].get("optional", False)
    labels = agent["spec"]["template"]["metadata"]["labels"]
    assert labels["app.kubernetes.io/component"] == "agent"
    service = resource("Service", "scholarlink-agent")
    assert service["spec"]["selector"].items() <= labels.items()
    assert (
        not service["spec"]["selector"].items()
        <= web["spec"]["template"]["metadata"]["labels"].items()
    )
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    config = resource("ConfigMap", "scholarlink-config")["data"]
    assert (
        config["AGENT_BASE_URL"].startswith("https://")
        and config["AGENT_BASE_URL"] != config["APP_URL"]
    )


def test_secrets_are_only_referenced_never_written() -> None:
    settings_names = {name.upper() for name in Settings.model_fields} | REFLEX_VARIABLES
    for path, doc in manifests():
        assert doc["kind"] != "Secret", f"{path.name}: secret values do not belong in the repo"
        if doc["kind"] == "ConfigMap":
            assert not SECRET_SETTINGS & set(doc["data"]), path.name
            unknown = set(doc["data"]) - settings_names
            assert not unknown, f"{path.name}: not settings ScholarLink reads: {unknown}"
        if doc["kind"] != "Deployment":
            continue
        c = container(doc)
        assert [s["configMapRef"]["name"] for s in c["envFrom"]] == ["scholarlink-config"]
        for name, entry in env_of(c).items():
            assert name in settings_names, f"{path.name}: {name} is not a setting"
            if name in SECRET_SETTINGS:
                assert "value" not in entry, f"{path.name}: {name} written inline"
                assert entry["valueFrom"]["secretKeyRef"] == {
                    "name": SECRET_NAME,
                    "key": name,
                    **(
                        {"optional": True}
                        if entry["valueFrom"]["secretKeyRef"].get("optional")
                        else {}
                    ),
                }


def test_service_hpa_and_pdb_point_at_the_web_pods() -> None:
    web = resource("Deployment", "scholarlink-web")
    pod_labels = web["spec"]["template"]["metadata"]["labels"]
    service = resource("Service", "scholarlink-web")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert service["spec"]["ports"][0]["port"] == 3000

    hpa = resource("HorizontalPodAutoscaler", "scholarlink-web")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "scholarlink-web",
    }
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    assert {m["resource"]["name"] for m in hpa["spec"]["metrics"]} == {"cpu", "memory"}

    pdb = resource("PodDisruptionBudget", "scholarlink-web")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]


# -- Dockerfile ------------------------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    run = subprocess.run(
        [tool("hadolint"), "--no-color", str(DOCKERFILE)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_hadolint_catches_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install curl\n", encoding="utf-8")
    run = subprocess.run([tool("hadolint"), "--no-color", str(bad)], capture_output=True, text=True)
    assert run.returncode != 0
    assert "DL3007" in run.stdout  # :latest


def test_dockerfile_builds_the_frontend_and_serves_prod_on_one_port() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    stages = re.findall(r"^FROM (\S+) AS (\w+)", text, flags=re.M)
    assert [s for _, s in stages] == ["build", "runtime"]
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11\.\d+-slim-bookworm$", text, flags=re.M)
    assert "npm install --prefix /opt/bun" in text and "bun@1.4.4" in text
    assert "REFLEX_BUN_PATH=/opt/bun/node_modules/.bin/bun" in text
    assert "reflex export --frontend-only --no-zip --env prod" in text
    assert re.search(r"^USER 10001:10001$", text, flags=re.M)
    assert re.search(r"^EXPOSE 3000$", text, flags=re.M)
    assert "http://127.0.0.1:3000/health" in text and "urllib.request" in text
    [cmd] = re.findall(r"^CMD (.+)$", text, flags=re.M)
    command = " ".join(json.loads(cmd))
    assert command.index("scholarlink migrate") < command.index("granian --factory")
    assert "scholarlink.scholarlink:app" in command
    assert "GRANIAN_PORT=3000" in text and "REFLEX_ENV_MODE=prod" in text


def test_dockerfile_uses_flags_and_variables_this_reflex_knows() -> None:
    """The image relies on Reflex internals (pinned in pyproject): fail loudly if they move."""
    from reflex_base.environment import environment

    text = DOCKERFILE.read_text(encoding="utf-8")
    for var in (environment.REFLEX_SKIP_COMPILE, environment.REFLEX_MOUNT_FRONTEND_COMPILED_APP):
        assert f"{var.name}=true" in text
    reflex = Path(sys.executable).parent / "reflex"
    run = subprocess.run([str(reflex), "export", "--help"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    for flag in ("--frontend-only", "--no-zip", "--env"):
        assert flag in run.stdout
    app_module = (PROJECT_ROOT / "scholarlink" / "scholarlink.py").read_text(encoding="utf-8")
    assert re.search(r"^app = rx\.App\(", app_module, flags=re.M)


def _dockerignored(path: str, patterns: list[str]) -> bool:
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!")
        if fnmatch(path, pattern) or fnmatch(path.split("/")[0], pattern):
            ignored = not negate
    return ignored


def test_dockerignore_keeps_what_the_image_copies() -> None:
    patterns = [
        line.strip()
        for line in (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    needed = [
        "pyproject.toml",
        "README.md",  # pyproject's readme
        "rxconfig.py",
        "alembic.ini",
        "alembic/env.py",
        "assets/favicon.ico",
        "assets/a11y.css",  # the app's stylesheet and focus script (stylesheets, head_components)
        "assets/a11y.js",
        "reflex.lock/package.json",
        "scholarlink/scholarlink.py",
        "deploy/docker/constraints.txt",
    ]
    for path in needed:
        assert (PROJECT_ROOT / path).exists(), path
        assert not _dockerignored(path, patterns), f"{path} is excluded from the build context"
    for path in (".env", ".venv/bin/python", ".web/build", ".git/HEAD", "tests/conftest.py"):
        assert _dockerignored(path, patterns), f"{path} should stay out of the build context"


def test_image_constraints_pin_every_dependency() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pins: dict[str, str] = {}
    for line in (DEPLOY / "docker" / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line}"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    for requirement in project["project"]["dependencies"]:
        name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0]
        assert re.sub(r"[-_.]+", "-", name).lower() in pins, (
            f"{name} is not pinned in deploy/docker/constraints.txt: regenerate it (see its header)"
        )
    assert pins["reflex"] == "0.10.1"
    assert "reflex[db]==0.10.1" in project["project"]["dependencies"]


# -- Prometheus rules and the Grafana dashboard ------------------------------------------------


def exported_series() -> set[str]:
    """Every series name the app exports, as Prometheus stores it."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        suffixes = {
            "counter": ["_total"],
            "histogram": ["_bucket", "_sum", "_count"],
            "gauge": [""],
        }.get(family.type, [""])
        names.update(family.name + s for s in suffixes)
    return names


_PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
_PROMQL_WORDS |= {"and", "or", "unless", "bool", "offset", "inf", "nan"}


def series_in(expr: str) -> set[str]:
    """Series names an expression selects (label matchers, ranges, groupings and calls removed)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    words = re.findall(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*+(?!\s*\()", expr)
    return {w for w in words if w.lower() not in _PROMQL_WORDS}


def alert_rules() -> list[dict[str, Any]]:
    return [
        r for g in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"] for r in g["rules"]
    ]


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("promtool"), *args], capture_output=True, text=True)


def test_alert_rules_pass_promtool_check() -> None:
    run = promtool("check", "rules", str(RULES))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS" in run.stdout


def test_promtool_rejects_a_broken_rule(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "groups: [{name: x, rules: [{alert: X, expr: 'sum(rate(http_requests_total[5m]'}]}]\n",
        encoding="utf-8",
    )
    assert promtool("check", "rules", str(broken)).returncode != 0


def test_rules_and_dashboard_use_series_the_app_exports() -> None:
    known = exported_series() | CADVISOR_SERIES
    exprs = [r["expr"] for r in alert_rules()] + dashboard_exprs()
    used = set().union(*(series_in(e) for e in exprs))
    assert not used - known, f"unknown series: {sorted(used - known)}"
    # The SLOs and the bridge are all covered.
    for series in (
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "db_query_duration_seconds_bucket",
        "db_query_errors_total",
        "process_resident_memory_bytes",
        "agent_dead_letters",
        "agent_outbox_depth",
        "agent_delivery_attempts_total",
        "agent_tasks_total",
        "circuit_breaker_state",
    ):
        assert series in used, series


def test_series_extraction() -> None:
    expr = (
        'sum by (le, route) (rate(http_request_duration_seconds_bucket{job="x", route!~"/a(b)"}[5m]))'
        " / on (pod) group_left max(process_resident_memory_bytes) > 0.5 and agent_outbox_depth"
    )
    assert series_in(expr) == {
        "http_request_duration_seconds_bucket",
        "process_resident_memory_bytes",
        "agent_outbox_depth",
    }


def test_dashboard_is_valid_grafana_json(tmp_path: Path) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 36
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    for p in dashboard["panels"]:
        grid = p["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0, p["title"]
        if p["type"] != "row":
            assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
            assert p["targets"], p["title"]
    # Every query is valid PromQL: promtool checks them as recording rules.
    queries = [e.replace("$__rate_interval", "5m") for e in dashboard_exprs()]
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [{"record": f"dashboard:q{i}", "expr": q} for i, q in enumerate(queries)],
            }
        ]
    }
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump(rules), encoding="utf-8")
    run = promtool("check", "rules", str(path))
    assert run.returncode == 0, run.stdout + run.stderr


# promtool unit tests: each alert fires on the series that should fire it and stays quiet on
# healthy ones. Annotations are templated from values, so the tested copy leaves them out.
WEB = {"job": "scholarlink"}
POD = "scholarlink-web-7d9f8-abcde"


def series(metric: str, values: str, /, **labels: str) -> dict[str, str]:
    matchers = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"{metric}{{{matchers}}}", "values": values}


def histogram(metric: str, per_minute: dict[str, int], /, **labels: str) -> list[dict[str, str]]:
    """Cumulative buckets growing by the given counts per minute."""
    return [series(metric, f"0+{n}x40", **labels, le=le) for le, n in per_minute.items()]


ALERT_CASES: dict[str, tuple[list[dict[str, str]], dict[str, str] | None]] = {
    # alert: (input series, labels of the expected alert or None when it must stay quiet)
    "ScholarLinkHighErrorRate": (
        [
            series("http_requests_total", "0+1000x40", **WEB, route="/health", status="200"),
            series("http_requests_total", "0+10x40", **WEB, route="/health", status="500"),
        ],
        {"severity": "critical", "slo": "error-rate"},
    ),
    "ScholarLinkHighP95Latency": (
        histogram(
            "http_request_duration_seconds_bucket",
            {"0.1": 0, "0.25": 100, "+Inf": 100},
            **WEB,
            route="/api/scholarships",
        ),
        {"severity": "warning", "slo": "latency-p95"},
    ),
    "ScholarLinkHighP99Latency": (
        histogram(
            "http_request_duration_seconds_bucket",
            {"1.0": 0, "2.5": 100, "+Inf": 100},
            **WEB,
            route="/api/scholarships",
        ),
        {"severity": "critical", "slo": "latency-p99"},
    ),
    "ScholarLinkDatabaseFailures": (
        [
            series("db_query_errors_total", "0+30x40", **WEB),
            series("db_query_duration_seconds_count", "0+70x40", **WEB),
        ],
        {"severity": "critical"},
    ),
    "ScholarLinkDatabaseErrors": (
        [series("db_query_errors_total", "0+2x40", **WEB)],
        {"severity": "warning"},
    ),
    "ScholarLinkSlowQueries": (
        histogram("db_query_duration_seconds_bucket", {"0.1": 0, "0.25": 50, "+Inf": 50}, **WEB),
        {"severity": "warning"},
    ),
    "ScholarLinkHighMemory": (
        [series("process_resident_memory_bytes", f"{480 * 1024 * 1024}x40", **WEB, pod=POD)],
        {"severity": "warning", "pod": POD},
    ),
    "ScholarLinkCPUThrottling": (
        [
            series(
                "container_cpu_cfs_throttled_periods_total", "0+200x40", container="web", pod=POD
            ),
            series("container_cpu_cfs_periods_total", "0+1000x40", container="web", pod=POD),
        ],
        {"severity": "warning", "pod": POD},
    ),
    "ScholarLinkDeadLetters": (
        [series("agent_dead_letters", "2x40", **WEB)],
        {"severity": "warning"},
    ),
    "ScholarLinkOutboxBacklog": (
        [series("agent_outbox_depth", "150x40", **WEB)],
        {"severity": "warning"},
    ),
    "ScholarLinkHeartbeatMissing": (
        # Delivered every minute for 10 minutes, then nothing.
        [
            series(
                "agent_delivery_attempts_total",
                "1+1x10 11x30",
                **WEB,
                kind="heartbeat",
                outcome="delivered",
            )
        ],
        {"severity": "critical"},
    ),
    "ScholarLinkAgentTaskFailures": (
        [
            series("agent_tasks_total", "0+3x40", **WEB, action="a", outcome="failed"),
            series("agent_tasks_total", "0+7x40", **WEB, action="a", outcome="succeeded"),
        ],
        {"severity": "warning"},
    ),
    "ScholarLinkCircuitOpen": (
        [series("circuit_breaker_state", "2x40", **WEB, name="openai")],
        {"severity": "warning", "name": "openai"},
    ),
}

QUIET_CASES: dict[str, list[dict[str, str]]] = {
    # Healthy figures next to each threshold.
    "ScholarLinkHighErrorRate": [
        series("http_requests_total", "0+1000x40", **WEB, route="/health", status="200"),
        series("http_requests_total", "0+2x40", **WEB, route="/health", status="500"),
        series("http_requests_total", "0+50x40", **WEB, route="/nope", status="404"),
    ],
    "ScholarLinkHighP95Latency": histogram(
        "http_request_duration_seconds_bucket",
        {"0.1": 0, "0.25": 100, "+Inf": 100},
        **WEB,
        route="/api/essays/analyze",  # an AI route: not this SLO
    )
    + histogram(
        "http_request_duration_seconds_bucket",
        {"0.05": 1000, "0.1": 1000, "+Inf": 1000},
        **WEB,
        route="/api/scholarships",
    ),
    "ScholarLinkHighMemory": [
        series("process_resident_memory_bytes", f"{300 * 1024 * 1024}x40", **WEB, pod=POD)
    ],
    "ScholarLinkOutboxBacklog": [series("agent_outbox_depth", "50x40", **WEB)],
    "ScholarLinkDeadLetters": [series("agent_dead_letters", "0x40", **WEB)],
    "ScholarLinkHeartbeatMissing": [
        series(
            "agent_delivery_attempts_total", "0+1x40", **WEB, kind="heartbeat", outcome="delivered"
        )
    ],
}


def test_every_alert_has_a_promtool_case() -> None:
    assert {r["alert"] for r in alert_rules()} == set(ALERT_CASES)


def test_alerts_fire_and_stay_quiet_as_intended(tmp_path: Path) -> None:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    for group in rules["groups"]:
        for rule in group["rules"]:
            rule.pop("annotations", None)
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(yaml.safe_dump(rules), encoding="utf-8")
    tests = [
        {
            "name": f"{alert} fires",
            "interval": "1m",
            "input_series": inputs,
            "alert_rule_test": [
                {"eval_time": "35m", "alertname": alert, "exp_alerts": [{"exp_labels": labels}]}
            ],
        }
        for alert, (inputs, labels) in ALERT_CASES.items()
    ]
    tests += [
        {
            "name": f"{alert} stays quiet",
            "interval": "1m",
            "input_series": inputs,
            "alert_rule_test": [{"eval_time": "35m", "alertname": alert, "exp_alerts": []}],
        }
        for alert, inputs in QUIET_CASES.items()
    ]
    # The heartbeat alert waits: 4 minutes after the last heartbeat it is not firing yet.
    tests.append(
        {
            "name": "heartbeat alert waits",
            "interval": "1m",
            "input_series": ALERT_CASES["ScholarLinkHeartbeatMissing"][0],
            "alert_rule_test": [
                {"eval_time": "14m", "alertname": "ScholarLinkHeartbeatMissing", "exp_alerts": []}
            ],
        }
    )
    spec = tmp_path / "alerts.test.yaml"
    spec.write_text(
        yaml.safe_dump(
            {"rule_files": [str(rule_file)], "evaluation_interval": "1m", "tests": tests}
        ),
        encoding="utf-8",
    )
    run = promtool("test", "rules", str(spec))
    assert run.returncode == 0, run.stdout + run.stderr
