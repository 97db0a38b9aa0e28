"""What a newcomer runs from a fresh clone works: the README's planner example and
commands, against the committed sample supergraph; docs never call a project command
without ``uv run`` (it is not on PATH outside the virtual environment)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from subgraphs.sample_supergraph import sample_supergraph
from tests.support import REPO_ROOT

README = REPO_ROOT / "README.md"
DOCS = [
    README,
    REPO_ROOT / "CONTRIBUTING.md",
    REPO_ROOT / "subgraphs" / "README.md",
    *sorted((REPO_ROOT / "docs").glob("*.md")),
]
PROJECT_COMMANDS = ("gateway", "planner", "records", "events", "alembic", "pytest", "python")
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(path: Path, *languages: str) -> list[str]:
    return [m.group(2) for m in _FENCE.finditer(path.read_text()) if m.group(1) in languages]


def _venv_env() -> dict[str, str]:
    """The environment ``uv run`` gives: this interpreter's scripts first on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}


def test_the_python_example_prints_a_json_plan_of_the_sample_graph() -> None:
    (example,) = _blocks(README, "python")
    done = subprocess.run(
        [sys.executable, "-c", example],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    assert plan["kind"] == "QueryPlan"
    services = set(re.findall(r'"serviceName": "(\w+)"', done.stdout))
    assert services == {"categories", "records"}


def test_the_planner_plan_command_works_from_a_clone() -> None:
    lines = [
        line
        for block in _blocks(README, "bash")
        for line in block.splitlines()
        if "planner plan" in line
    ]
    assert lines, "the README shows `planner plan`"
    for line in lines:
        done = subprocess.run(
            ["bash", "-c", line.replace("uv run ", "")],
            cwd=REPO_ROOT,
            env=_venv_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (line, done.stderr)
        assert json.loads(done.stdout)["kind"] == "QueryPlan"


def test_every_file_the_readme_names_is_in_the_repository() -> None:
    text = README.read_text()
    for name in re.findall(r"\bexamples/[\w./-]+\b", text):
        assert (REPO_ROOT / name).is_file(), name


def test_the_sample_supergraph_is_current() -> None:
    committed = (REPO_ROOT / "examples" / "supergraph.graphql").read_text()
    assert committed == sample_supergraph(), (
        "examples/supergraph.graphql is stale: regenerate it with "
        "`uv run python -m subgraphs.sample_supergraph > examples/supergraph.graphql`"
    )


def test_docs_run_project_commands_through_uv() -> None:
    """A shell line starting with a project command (after ``VAR=value`` prefixes)
    fails with "command not found" unless the virtual environment is active."""
    names = "|".join(PROJECT_COMMANDS)
    bare = re.compile(rf"^\s*(?:[A-Z_][A-Z0-9_]*=\S*\s+)*({names})\s")
    found = []
    for path in DOCS:
        if not path.exists():
            continue
        for block in _blocks(path, "", "bash", "sh", "shell", "console"):
            for line in block.splitlines():
                if bare.match(line):
                    found.append(f"{path.relative_to(REPO_ROOT)}: {line.strip()}")
    assert found == []
