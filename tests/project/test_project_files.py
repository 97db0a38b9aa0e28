"""The files a newcomer looks for: the licence pyproject names, a contributing guide
that covers running, testing, benchmarks and the audit, and pre-commit hooks that run
the same checks as ``make lint typecheck``."""

from __future__ import annotations

import tomllib

import yaml

from tests.support import REPO_ROOT


def test_license_is_the_mit_licence_pyproject_names() -> None:
    text = (REPO_ROOT / "LICENSE").read_text()
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == {"text": "MIT"}
    assert text.startswith("MIT License\n")
    assert "Copyright (c) 2026 graphql-gateway contributors" in text


def test_contributing_covers_run_test_bench_and_the_audit() -> None:
    text = (REPO_ROOT / "CONTRIBUTING.md").read_text()
    for needed in (
        "make run",
        "make test",
        "make bench",
        "github.com/graphql-hive/federation-gateway-audit",
        "--run-script",
        "pre-commit install",
    ):
        assert needed in text, needed


def test_pre_commit_runs_ruff_and_mypy_through_uv() -> None:
    config = yaml.safe_load((REPO_ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"])
    entries = {hook["id"]: hook["entry"] for hook in hooks}
    assert entries["ruff-check"].startswith("uv run --frozen ruff check")
    assert entries["ruff-format"].startswith("uv run --frozen ruff format --check")
    assert entries["mypy"] == "uv run --frozen mypy"  # the files come from pyproject
    assert all(hook["language"] == "system" for hook in hooks)
