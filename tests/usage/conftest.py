"""Fixtures the usage tests share: a throwaway PostgreSQL database migrated to head,
and an audit supergraph with its subgraphs running, one of each per test module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.usage.harness import migrated_postgres, suite_supergraph


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    with migrated_postgres() as url:
        yield url


@pytest.fixture(scope="module")
def supergraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with suite_supergraph(tmp_path_factory.mktemp("usage")) as path:
        yield path
