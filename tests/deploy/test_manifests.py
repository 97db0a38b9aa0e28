"""The deployment files checked against the code, since no Docker engine or cluster
runs here: docker-compose.yml and deploy/k8s parse; every command they run exists in
the project's CLIs; every variable they set is one the code reads; every port, URL,
build context, mounted file, Secret and ConfigMap they name exists and matches."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from router.registry.bootstrap import parse_document, parse_variable
from tests.deploy.manifests import (
    DEPLOY_DIR,
    INFRA_PORTS,
    K8S_DIR,
    OUR_IMAGE,
    built_here,
    check_command,
    compose,
    environment,
    host_port,
    k8s_by_kind,
    k8s_documents,
    names_read_by_code,
    pod_containers,
    simple_commands,
    urls_in,
)
from tests.support import REPO_ROOT

NAMED = (
    "gateway",
    "records-service",
    "categories-service",
    "mongo",
    "postgres",
    "redis",
    "nats",
    "prometheus",
    "grafana",
)


def _listen_port(name: str, service: dict[str, Any]) -> int | None:
    """The port a service of ours listens on (from its environment), or the image's;
    None for one that serves nothing (an event processor)."""
    env = environment(service)
    for variable in ("GATEWAY_PORT", "PORT"):
        if variable in env:
            return int(env[variable])
    if name in INFRA_PORTS:
        return INFRA_PORTS[name]
    published = [str(p).split(":")[-1] for p in service.get("ports", [])]
    if not published:
        assert "healthcheck" not in service, f"{name}: a healthcheck but no port"
        return None
    return int(published[0])


def test_one_compose_file_at_the_root_with_the_named_services() -> None:
    assert not (DEPLOY_DIR / "docker-compose.yml").exists(), "one compose file, at the root"
    services = compose()["services"]
    assert set(NAMED) <= set(services), sorted(set(NAMED) - set(services))
    for name in NAMED:
        check = services[name].get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert condition == {"condition": "service_healthy"}, (name, dependency)
            assert "healthcheck" in services[dependency], f"{dependency} cannot become healthy"


def test_the_seed_commands_start_what_the_gateway_needs() -> None:
    """``docker-compose up gateway records-service`` pulls in the rest through
    depends_on: the gateway reaches records and categories, and the databases."""
    services = compose()["services"]
    needed: set[str] = set()
    todo = ["gateway", "records-service"]
    while todo:
        name = todo.pop()
        if name not in needed:
            needed.add(name)
            todo.extend(services[name].get("depends_on") or {})
    assert {"categories-service", "postgres", "redis", "mongo", "nats"} <= needed


def test_build_contexts_dockerfiles_and_mounted_files_exist() -> None:
    services = compose()["services"]
    for name, service in services.items():
        if built_here(service):
            build = service["build"]
            context = REPO_ROOT / build["context"]
            assert context.is_dir(), f"{name}: build context {context} missing"
            dockerfile = context / build["dockerfile"]
            assert dockerfile.is_file(), f"{name}: {dockerfile} missing"
            for line in dockerfile.read_text().splitlines():
                if line.startswith("COPY ") and "--from" not in line:
                    for source in line.split()[1:-1]:
                        assert (context / source).exists(), f"Dockerfile copies missing {source}"
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith("."):
                assert (REPO_ROOT / source).exists(), f"{name} mounts missing {source}"


def test_every_compose_command_exists_in_the_cli() -> None:
    services = compose()["services"]
    checked = 0
    for name, service in services.items():
        if not built_here(service):
            continue
        commands = simple_commands(service["command"])
        test = service["healthcheck"]["test"] if "healthcheck" in service else None
        if test:
            commands.append(test[1:])  # ["CMD", program, ...]
        for argv in commands:
            problem = check_command(argv)
            assert problem is None, f"{name}: {problem}"
            checked += 1
    assert checked >= 8


def test_a_wrong_command_is_caught() -> None:
    """The check itself can fail: a missing subcommand, choice or program is reported."""
    assert check_command(["gateway", "services", "export"]) is not None
    assert check_command(["events", "run", "nothing"]) is not None
    assert check_command(["records", "migrate", "sideways"]) is not None
    assert check_command(["gunicorn", "app"]) is not None
    assert check_command(["python", "-m", "subgraphs.nothing"]) is not None
    assert check_command(["gateway", "services", "import", "x.yaml"]) is None


def test_every_compose_variable_is_read_by_the_code() -> None:
    known = names_read_by_code()
    assert "GATEWAY_SERVICES" in known and "GATEWAY_PORT" in known and "MONGODB_URI" in known
    assert "GATEWAY_NOT_A_SETTING" not in known
    for name, service in compose()["services"].items():
        if built_here(service):
            unread = sorted(set(environment(service)) - known)
            assert not unread, f"{name} sets variables no code reads: {unread}"


def test_compose_ports_and_urls_match_the_services() -> None:
    services = compose()["services"]
    ports = {name: _listen_port(name, s) for name, s in services.items()}
    for name, service in services.items():
        for published in service.get("ports", []):
            assert int(str(published).split(":")[-1]) == ports[name], (name, published)
        test = " ".join(service.get("healthcheck", {}).get("test", []))
        own = ports[name]
        if name == "nats":  # the monitoring port its command opens
            command = service["command"]
            own = int(command[command.index("-m") + 1])
        for url in urls_in(test):
            host, port = host_port(url)
            assert host in ("127.0.0.1", "localhost") and port == own, (name, url)
        if not built_here(service):
            continue
        for variable, value in environment(service).items():
            for url in urls_in(value):
                host, port = host_port(url)
                assert host in services, f"{name} {variable}: unknown host {host}"
                assert port == ports[host], f"{name} {variable}: {host} listens on {ports[host]}"
    scrape = yaml.safe_load((DEPLOY_DIR / "prometheus.yml").read_text())
    for job in scrape["scrape_configs"]:
        for target in job["static_configs"][0]["targets"]:
            host, port = target.split(":")
            assert ports[host] == int(port), target


def test_the_gateway_registers_its_subgraphs_through_the_bootstrap() -> None:
    services = compose()["services"]
    declared = parse_variable(environment(services["gateway"])["GATEWAY_SERVICES"])
    assert {d["name"] for d in declared} == {"records", "categories"}
    for entry in declared:
        host, port = host_port(entry["url"])
        assert host == f"{entry['name']}-service"
        assert port == _listen_port(host, services[host])
    assert "--supergraph" not in str(services["gateway"]["command"])  # registry mode


# --- Kubernetes ---------------------------------------------------------------------------


def test_k8s_manifests_parse_and_the_kustomization_lists_them() -> None:
    kinds = [d["kind"] for _, d in k8s_documents()]
    for kind in (
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "ConfigMap",
        "Secret",
    ):
        assert kind in kinds, kind
    kustomization = yaml.safe_load((K8S_DIR / "kustomization.yaml").read_text())
    files = {p.name for p in K8S_DIR.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files


def test_router_deployment_replicas_probes_autoscaler_and_budget() -> None:
    router = k8s_by_kind("Deployment")["graphql-gateway"]
    assert router["spec"]["replicas"] == 3
    (container,) = router["spec"]["template"]["spec"]["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    labels = router["spec"]["template"]["metadata"]["labels"]
    hpa = k8s_by_kind("HorizontalPodAutoscaler")["graphql-gateway"]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "graphql-gateway",
    }
    assert hpa["spec"]["minReplicas"] == 3 < hpa["spec"]["maxReplicas"]
    pdb = k8s_by_kind("PodDisruptionBudget")["graphql-gateway"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["spec"]["minAvailable"] < router["spec"]["replicas"]
    for name in ("records-service", "categories-service"):
        assert name in k8s_by_kind("Deployment") and name in k8s_by_kind("Service")


def test_the_configmap_holds_the_deploy_files() -> None:
    config = k8s_by_kind("ConfigMap")["graphql-gateway"]["data"]
    assert config["router.yaml"] == (DEPLOY_DIR / "router.yaml").read_text()
    assert config["services.yaml"] == (DEPLOY_DIR / "services.yaml").read_text()
    from router.config.loader import load_settings

    settings = load_settings(str(DEPLOY_DIR / "router.yaml"))
    assert settings.supergraph is None  # registry mode
    assert settings.rate_limit.enabled  # counters in Redis (REDIS_URL)
    names = {e["name"] for e in parse_document(yaml.safe_load(config["services.yaml"]), "cm")}
    assert names == {"records", "categories"}


def test_k8s_commands_variables_ports_and_references() -> None:
    known = names_read_by_code()
    secrets = k8s_by_kind("Secret")
    config_maps = k8s_by_kind("ConfigMap")
    services = k8s_by_kind("Service")
    router_port = yaml.safe_load((DEPLOY_DIR / "router.yaml").read_text())["listen"]["port"]
    service_ports: dict[str, int] = {}
    for name, deployment in k8s_by_kind("Deployment").items():
        pod = deployment["spec"]["template"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= pod["metadata"]["labels"].items(), name
        volumes = {v["name"]: v for v in pod["spec"].get("volumes", [])}
        for volume in volumes.values():
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps, name
        for container in pod_containers(deployment):
            assert container["image"].split(":")[0] == OUR_IMAGE, name
            argv = container.get("command", []) + container.get("args", [])
            for command in simple_commands(argv):
                problem = check_command(command)
                assert problem is None, f"{name}/{container['name']}: {problem}"
            env = {e["name"]: str(e.get("value", "")) for e in container.get("env", [])}
            for source in container.get("envFrom", []):
                secret = secrets[source["secretRef"]["name"]]
                env.update({k: str(v) for k, v in secret["stringData"].items()})
            unread = sorted(set(env) - known)
            assert not unread, f"{name}/{container['name']}: variables no code reads: {unread}"
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, (name, mount)
            for path in re.findall(r"/etc/gateway/([\w.]+)", " ".join(argv)):
                assert path in config_maps["graphql-gateway"]["data"], path
            named_ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
            for probe in ("readinessProbe", "livenessProbe"):
                check = container.get(probe, {})
                port = (check.get("httpGet") or check.get("tcpSocket") or {}).get("port")
                if port is not None:
                    assert port in named_ports, (name, probe, port)
            if named_ports:
                listening = int(env["PORT"]) if "PORT" in env else router_port
                assert named_ports["http"] == listening, (name, named_ports, listening)
                service = services[name]
                assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
                (port_spec,) = service["spec"]["ports"]
                assert port_spec["targetPort"] in named_ports
                service_ports[name] = port_spec["port"]
    # Every URL a manifest or services.yaml names points at a Service and its port.
    texts = [str(d) for _, d in k8s_documents()]
    for text in texts:
        for url in urls_in(text):
            host, port = host_port(url)
            if host in service_ports:
                assert service_ports[host] == port, url
    assert pytest.approx(3) == k8s_by_kind("Deployment")["graphql-gateway"]["spec"]["replicas"]


def test_prometheus_loads_the_alert_rules_and_grafana_the_dashboard() -> None:
    """The rule files prometheus.yml names and the dashboard folder Grafana's
    provisioning reads are mounted from files in the repository."""
    services = compose()["services"]
    mounts = {
        name: {v.split(":")[1]: v.split(":")[0] for v in service.get("volumes", [])}
        for name, service in services.items()
    }
    scrape = yaml.safe_load((DEPLOY_DIR / "prometheus.yml").read_text())
    assert scrape["rule_files"]
    for rule_file in scrape["rule_files"]:
        source = mounts["prometheus"][rule_file]
        assert yaml.safe_load((REPO_ROOT / source).read_text())["groups"]
    provider = yaml.safe_load((DEPLOY_DIR / "grafana" / "dashboards.yaml").read_text())
    folder = provider["providers"][0]["options"]["path"]
    dashboards = [target for target in mounts["grafana"] if target.startswith(folder + "/")]
    assert dashboards, "no dashboard mounted where the provider reads"
    for target in dashboards:
        assert json.loads((REPO_ROOT / mounts["grafana"][target]).read_text())["panels"]
