"""Categories subgraph on SQLite and on PostgreSQL (a schema of its own per test,
dropped afterwards): tree queries, CRUD, federation, and bad input to every mutation."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from subgraphs.categories.app import create_app
from subgraphs.categories.settings import Settings
from tests.subgraphs.servers import GraphQLClient, codes, serving
from tests.support import require_server

PG = ("127.0.0.1", 5432)
PG_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
FIELDS = "id name slug description parent { id } children { slug } ancestors { slug } path"
CREATE = (
    f"mutation($input: CreateCategoryInput!) {{ createCategory(input: $input) {{ {FIELDS} }} }}"
)
UPDATE = f"mutation($id: ID!, $input: UpdateCategoryInput!) {{ updateCategory(id: $id, input: $input) {{ {FIELDS} }} }}"
DELETE = "mutation($id: ID!) { deleteCategory(id: $id) }"
ALL = "{ categories { id slug name description parent { id } } }"


@pytest.fixture(params=["sqlite", "postgresql"])
async def settings(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Settings]:
    if request.param == "sqlite":
        yield Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'categories.sqlite3'}")
        return
    require_server(*PG, "PostgreSQL")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(user="postgres", host=PG[0], port=PG[1], database="test")
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        yield Settings(database_url=PG_URL, database_schema=schema)
    finally:
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()


@pytest.fixture
async def api(settings: Settings) -> AsyncIterator[GraphQLClient]:
    async with serving(create_app(settings)) as url:
        client = GraphQLClient(url)
        yield client
        await client.close()


async def make(api: GraphQLClient, slug: str, parent: str | None = None) -> dict[str, Any]:
    body = await api(CREATE, input={"name": slug.title(), "slug": slug, "parentId": parent})
    assert "errors" not in body, body
    return body["data"]["createCategory"]  # type: ignore[no-any-return]


async def test_tree(api: GraphQLClient) -> None:
    root = await make(api, "apparel")
    shoes = await make(api, "shoes", root["id"])
    running = await make(api, "running-shoes", shoes["id"])
    body = await api(f'{{ categoryBySlug(slug: "running-shoes") {{ {FIELDS} }} }}')
    got = body["data"]["categoryBySlug"]
    assert got["id"] == running["id"] and got["parent"] == {"id": shoes["id"]}
    assert [a["slug"] for a in got["ancestors"]] == ["apparel", "shoes"]
    assert got["path"] == "apparel/shoes/running-shoes"
    body = await api(f"query($id: ID!) {{ category(id: $id) {{ {FIELDS} }} }}", id=root["id"])
    assert body["data"]["category"]["children"] == [{"slug": "shoes"}]
    roots = await api("{ categories(rootsOnly: true) { slug } }")
    assert roots["data"]["categories"] == [{"slug": "apparel"}]
    kids = await api("query($p: ID) { categories(parentId: $p) { slug } }", p=shoes["id"])
    assert kids["data"]["categories"] == [{"slug": "running-shoes"}]


async def test_update_move_and_delete(api: GraphQLClient) -> None:
    a = await make(api, "a")
    b = await make(api, "b")
    c = await make(api, "c", a["id"])
    body = await api(UPDATE, id=c["id"], input={"parentId": b["id"], "name": "See"})
    moved = body["data"]["updateCategory"]
    assert moved["path"] == "b/c" and moved["name"] == "See" and moved["slug"] == "c"
    body = await api(UPDATE, id=c["id"], input={"parentId": None})
    assert body["data"]["updateCategory"]["parent"] is None
    assert (await api(DELETE, id=c["id"]))["data"]["deleteCategory"] == c["id"]
    assert [x["slug"] for x in (await api(ALL))["data"]["categories"]] == ["a", "b"]


async def test_entities(api: GraphQLClient) -> None:
    a = await make(api, "a")
    body = await api(
        "query($r: [_Any!]!) { _entities(representations: $r) { ... on Category { slug path } } }",
        r=[
            {"__typename": "Category", "id": a["id"]},
            {"__typename": "Category", "id": "999"},
            {"__typename": "Category", "id": "x"},
        ],
    )
    assert body["data"]["_entities"] == [{"slug": "a", "path": "a"}, None, None]
    health = await api.http.get("/health")
    assert health.json() == {"status": "ok", "database": "ok"}


BAD = [
    ("create duplicate slug", CREATE, {"input": {"name": "X", "slug": "a"}}),
    ("create bad slug", CREATE, {"input": {"name": "X", "slug": "Not A Slug"}}),
    ("create empty name", CREATE, {"input": {"name": " ", "slug": "x"}}),
    ("create unknown parent", CREATE, {"input": {"name": "X", "slug": "x", "parentId": "999"}}),
    ("create malformed parent", CREATE, {"input": {"name": "X", "slug": "x", "parentId": "abc"}}),
    ("create too long name", CREATE, {"input": {"name": "n" * 201, "slug": "x"}}),
    ("update unknown id", UPDATE, {"id": "999", "input": {"name": "x"}}),
    ("update malformed id", UPDATE, {"id": "-1", "input": {"name": "x"}}),
    ("update duplicate slug", UPDATE, {"id": "$CHILD", "input": {"slug": "a"}}),
    ("update cycle", UPDATE, {"id": "$A", "input": {"parentId": "$CHILD"}}),
    ("update self parent", UPDATE, {"id": "$A", "input": {"parentId": "$A"}}),
    ("update null name", UPDATE, {"id": "$A", "input": {"name": None}}),
    ("update nothing", UPDATE, {"id": "$A", "input": {}}),
    ("delete with children", DELETE, {"id": "$A"}),
    ("delete unknown", DELETE, {"id": "999"}),
    ("delete malformed", DELETE, {"id": "one"}),
]


def fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    return names.get(value, value) if isinstance(value, str) else value


@pytest.mark.parametrize(("mutation", "variables"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
async def test_bad_input(api: GraphQLClient, mutation: str, variables: dict[str, Any]) -> None:
    a = await make(api, "a")
    child = await make(api, "child", a["id"])
    before = await api(ALL)
    body = await api(mutation, **fill(variables, {"$A": a["id"], "$CHILD": child["id"]}))
    assert body.get("data") is None and codes(body) == ["BAD_USER_INPUT"], body
    assert await api(ALL) == before
