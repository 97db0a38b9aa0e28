"""Reading the deployment files the way Docker Compose and Kubernetes would, and what
the code accepts: console scripts and their subcommands, the environment variables it
reads. Shared by the static checks and the process test of tests/deploy."""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import io
import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from tests.support import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DEPLOY_DIR = REPO_ROOT / "deploy"
K8S_DIR = DEPLOY_DIR / "k8s"

OUR_IMAGE = "graphql-gateway"
INFRA_PORTS = {"postgres": 5432, "redis": 6379, "nats": 4222, "mongo": 27017}
"""The third-party servers and the ports their images listen on."""

_INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]{2,}")


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    return data


def compose_value(value: str, environ: dict[str, str] | None = None) -> str:
    """Compose's ``${NAME:-default}`` interpolation (the default when NAME is unset)."""
    env = environ or {}
    return _INTERPOLATION.sub(lambda m: env.get(m.group(1)) or (m.group(2) or ""), value)


def environment(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {k: compose_value(str(v)) for k, v in raw.items()}


def built_here(service: dict[str, Any]) -> bool:
    """A service whose image is built from this repository (runs our code)."""
    return "build" in service


def k8s_documents() -> Iterator[tuple[Path, dict[str, Any]]]:
    for path in sorted(K8S_DIR.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                yield path, document


def k8s_by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for _, d in k8s_documents() if d.get("kind") == kind}


def pod_containers(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    spec = deployment["spec"]["template"]["spec"]
    return list(spec.get("initContainers", [])) + list(spec["containers"])


def simple_commands(command: list[str] | str) -> list[list[str]]:
    """The programs a container command runs: ``sh -c "a && exec b"`` is [a, b]."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] != ["sh", "-c"]:
        return [argv]
    out: list[list[str]] = []
    for part in re.split(r"&&|;|\|\|", argv[2]):
        words = shlex.split(part)
        if words and words[0] == "exec":
            words = words[1:]
        if words:
            out.append(words)
    return out


def console_scripts() -> dict[str, str]:
    """``[project.scripts]`` of pyproject.toml: name -> ``module:function``."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    return dict(project["scripts"])


def check_command(argv: list[str]) -> str | None:
    """None when the CLI accepts ``argv`` (every subcommand, choice and option), else
    why not. A console script is asked for ``--help`` at the end of the exact
    arguments: argparse checks the subcommands and choices on the way there and
    exits 0 only when all of them exist, without running anything."""
    program, args = argv[0], argv[1:]
    scripts = console_scripts()
    if program in scripts:
        module, function = scripts[program].split(":")
        main = getattr(importlib.import_module(module), function)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([*args, "--help"])
            except SystemExit as exc:
                code = exc.code
        if code not in (0, None):
            return f"{shlex.join(argv)}: exit {code}: {err.getvalue().strip()[-300:]}"
        return None
    if program == "python" and args[:1] == ["-m"]:
        name = args[1]
        try:
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.submodule_search_locations is not None:
                spec = importlib.util.find_spec(f"{name}.__main__")  # a package needs one
        except ModuleNotFoundError:
            spec = None
        return None if spec is not None else f"no runnable module {name}"
    if program == "python" and args[:1] == ["-c"]:
        try:
            compile(args[1], "<healthcheck>", "exec")
        except SyntaxError as exc:
            return f"python -c does not compile: {exc}"
        return None
    return f"{program} is not one of this project's programs ({', '.join(sorted(scripts))})"


def names_read_by_code() -> set[str]:
    """Every environment variable name the router and subgraphs read: the names
    written as strings in their code, plus the ``GATEWAY_<FIELD>`` variables that
    ``Settings.from_env`` builds from its fields."""
    from router.config.settings import _ENV_FIELDS, ENV_PREFIX

    names = {ENV_PREFIX + field.upper() for field in _ENV_FIELDS}
    for package in ("router", "subgraphs"):
        for path in (REPO_ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and _ENV_NAME.fullmatch(node.value)
                ):
                    names.add(node.value)
    return names


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None, url
    return parts.hostname, parts.port


def urls_in(text: str) -> list[str]:
    return re.findall(r"[a-z+]+://[^\s,'\"]+", text)
