"""Records subgraph against the embedded MongoDB and a live categories service:
queries, pagination, filters, media edits, federation entry points, and bad input to
every mutation (BAD_USER_INPUT, nothing written)."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest
from pymongo import monitoring

from tests.subgraphs.servers import GraphQLClient, codes

FIELDS = "id sku name description price { amount currency } status tags attributes { key value } media { id url kind altText position } categories { id } createdAt updatedAt"
CREATE = f"mutation($input: CreateRecordInput!) {{ createRecord(input: $input) {{ {FIELDS} }} }}"
UPDATE = f"mutation($id: ID!, $input: UpdateRecordInput!) {{ updateRecord(id: $id, input: $input) {{ {FIELDS} }} }}"
DELETE = "mutation($id: ID!) { deleteRecord(id: $id) }"
ADD_MEDIA = f"mutation($r: ID!, $input: MediaInput!) {{ addMedia(recordId: $r, input: $input) {{ {FIELDS} }} }}"
REMOVE_MEDIA = (
    f"mutation($r: ID!, $m: ID!) {{ removeMedia(recordId: $r, mediaId: $m) {{ {FIELDS} }} }}"
)
REORDER_MEDIA = f"mutation($r: ID!, $ids: [ID!]!) {{ reorderMedia(recordId: $r, mediaIds: $ids) {{ {FIELDS} }} }}"
RECORDS = """query($filter: RecordFilter, $first: Int!, $after: String) {
  records(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { sku } }
  }
}"""
CREATE_CATEGORY = "mutation($input: CreateCategoryInput!) { createCategory(input: $input) { id } }"


def record_input(sku: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sku": sku,
        "name": f"Item {sku}",
        "price": {"amount": 10.0, "currency": "EUR"},
        "tags": ["new"],
        "media": [{"url": "https://cdn.example.com/a.jpg", "kind": "IMAGE", "altText": "front"}],
    }
    base.update(overrides)
    return base


@pytest.fixture
async def category_ids(categories: GraphQLClient) -> list[str]:
    ids = []
    for slug in ("shoes", "hats"):
        body = await categories(CREATE_CATEGORY, input={"name": slug.title(), "slug": slug})
        ids.append(body["data"]["createCategory"]["id"])
    return ids


async def create(records: GraphQLClient, sku: str, **overrides: Any) -> dict[str, Any]:
    body = await records(CREATE, input=record_input(sku, **overrides))
    assert "errors" not in body, body
    return body["data"]["createRecord"]  # type: ignore[no-any-return]


async def snapshot(mongo_db: Any) -> list[dict[str, Any]]:
    return await mongo_db["records"].find({}).sort("_id", 1).to_list(None)  # type: ignore[no-any-return]


async def test_create_and_read_back(records: GraphQLClient, category_ids: list[str]) -> None:
    made = await create(
        records,
        "SKU-1",
        categoryIds=category_ids,
        attributes=[{"key": "color", "value": "red"}],
        tags=["Sale", "sale", "summer"],
    )
    assert made["price"] == {"amount": 10.0, "currency": "EUR"}
    assert made["tags"] == ["sale", "summer"]
    assert made["categories"] == [{"id": i} for i in category_ids]
    assert made["media"][0]["position"] == 0 and made["media"][0]["kind"] == "IMAGE"
    by_id = await records(f"query($id: ID!) {{ record(id: $id) {{ {FIELDS} }} }}", id=made["id"])
    by_sku = await records(f'{{ recordBySku(sku: "SKU-1") {{ {FIELDS} }} }}')
    assert by_id["data"]["record"] == made == by_sku["data"]["recordBySku"]
    missing = await records(
        '{ recordBySku(sku: "nope") { id } record(id: "000000000000000000000000") { id } }'
    )
    assert missing == {"data": {"recordBySku": None, "record": None}}


async def test_partial_update_changes_only_given_fields(records: GraphQLClient) -> None:
    made = await create(records, "SKU-U", description="old")
    body = await records(UPDATE, id=made["id"], input={"name": "Renamed", "status": "ACTIVE"})
    updated = body["data"]["updateRecord"]
    assert updated["name"] == "Renamed" and updated["status"] == "ACTIVE"
    assert updated["description"] == "old" and updated["price"] == made["price"]
    assert updated["updatedAt"] >= made["updatedAt"]


async def test_pagination_walks_all_pages(records: GraphQLClient) -> None:
    for i in range(5):
        await create(records, f"P-{i}")
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        body = await records(RECORDS, first=2, after=after)
        page = body["data"]["records"]
        assert page["totalCount"] == 5
        seen += [e["node"]["sku"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"P-{i}" for i in range(5)] and pages == 3


async def test_filters(records: GraphQLClient, category_ids: list[str]) -> None:
    shoes, hats = category_ids
    await create(
        records,
        "F-1",
        name="Red running shoe",
        categoryIds=[shoes],
        price={"amount": 80, "currency": "EUR"},
    )
    await create(
        records,
        "F-2",
        name="Blue shoe",
        categoryIds=[shoes],
        tags=["sale"],
        status="ACTIVE",
        price={"amount": 30, "currency": "EUR"},
    )
    await create(
        records,
        "F-3",
        name="Straw hat",
        categoryIds=[hats],
        tags=["sale"],
        price={"amount": 15, "currency": "EUR"},
    )

    async def skus(**filter_: Any) -> list[str]:
        body = await records(RECORDS, filter=filter_, first=50)
        return [e["node"]["sku"] for e in body["data"]["records"]["edges"]]

    assert await skus(category=shoes) == ["F-1", "F-2"]
    assert await skus(tag="SALE") == ["F-2", "F-3"]
    assert await skus(status="ACTIVE") == ["F-2"]
    assert await skus(minPrice=20, maxPrice=80) == ["F-1", "F-2"]
    assert await skus(search="SHOE") == ["F-1", "F-2"]
    assert await skus(search="shoe", tag="sale", category=shoes) == ["F-2"]
    assert await skus(search="a.b(") == []  # regex characters are literal


async def test_media_add_remove_reorder(records: GraphQLClient) -> None:
    made = await create(records, "M-1")
    first_id = made["media"][0]["id"]
    body = await records(
        ADD_MEDIA, r=made["id"], input={"url": "https://cdn.example.com/v.mp4", "kind": "VIDEO"}
    )
    body = await records(
        ADD_MEDIA,
        r=made["id"],
        input={"url": "https://cdn.example.com/m.pdf", "kind": "DOCUMENT", "position": 0},
    )
    media = body["data"]["addMedia"]["media"]
    assert [m["kind"] for m in media] == ["DOCUMENT", "IMAGE", "VIDEO"]
    assert [m["position"] for m in media] == [0, 1, 2]
    new_order = [media[2]["id"], media[0]["id"], media[1]["id"]]
    body = await records(REORDER_MEDIA, r=made["id"], ids=new_order)
    assert [m["id"] for m in body["data"]["reorderMedia"]["media"]] == new_order
    body = await records(REMOVE_MEDIA, r=made["id"], m=first_id)
    media = body["data"]["removeMedia"]["media"]
    assert [m["kind"] for m in media] == ["VIDEO", "DOCUMENT"] and [
        m["position"] for m in media
    ] == [0, 1]


async def test_delete(records: GraphQLClient, mongo_db: Any) -> None:
    made = await create(records, "D-1")
    assert (await records(DELETE, id=made["id"]))["data"]["deleteRecord"] == made["id"]
    assert await snapshot(mongo_db) == []


async def test_federation_entry_points(records: GraphQLClient, category_ids: list[str]) -> None:
    made = await create(records, "E-1", categoryIds=[category_ids[0]])
    body = await records(
        """query($r: [_Any!]!) { _entities(representations: $r) {
             ... on Record { sku } ... on Category { id records { sku media { url } } } } }""",
        r=[
            {"__typename": "Record", "id": made["id"]},
            {"__typename": "Record", "id": "not-an-id"},
            {"__typename": "Category", "id": category_ids[0]},
        ],
    )
    assert body["data"]["_entities"] == [
        {"sku": "E-1"},
        None,
        {
            "id": category_ids[0],
            "records": [{"sku": "E-1", "media": [{"url": "https://cdn.example.com/a.jpg"}]}],
        },
    ]
    sdl = (await records("{ _service { sdl } }"))["data"]["_service"]["sdl"]
    assert 'type Record @key(fields: "id")' in sdl and 'type Category @key(fields: "id")' in sdl


async def test_health(records: GraphQLClient) -> None:
    response = await records.http.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok", "database": "ok"}


# --- bad input: every mutation, BAD_USER_INPUT, nothing written ---------------------

MISSING = "000000000000000000000000"


def bad_cases() -> list[tuple[str, str, dict[str, Any]]]:
    """(name, mutation, variables); `$R`, `$M` and `$OTHER_SKU` are filled in per test."""
    return [
        ("create duplicate sku", CREATE, {"input": record_input("$OTHER_SKU")}),
        (
            "create negative price",
            CREATE,
            {"input": record_input("N-1", price={"amount": -1, "currency": "EUR"})},
        ),
        (
            "create bad currency",
            CREATE,
            {"input": record_input("N-2", price={"amount": 1, "currency": "euro"})},
        ),
        ("create unknown category", CREATE, {"input": record_input("N-3", categoryIds=["999999"])}),
        (
            "create malformed category",
            CREATE,
            {"input": record_input("N-4", categoryIds=["shoes"])},
        ),
        (
            "create bad url",
            CREATE,
            {"input": record_input("N-5", media=[{"url": "ftp://x/y.png", "kind": "IMAGE"}])},
        ),
        (
            "create relative url",
            CREATE,
            {"input": record_input("N-6", media=[{"url": "/a.png", "kind": "IMAGE"}])},
        ),
        ("create empty name", CREATE, {"input": record_input("N-7", name="   ")}),
        ("create bad sku", CREATE, {"input": record_input("bad sku!")}),
        (
            "create duplicate attribute",
            CREATE,
            {
                "input": record_input(
                    "N-8", attributes=[{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]
                )
            },
        ),
        (
            "create wrong variable type",
            CREATE,
            {"input": record_input("N-9", price={"amount": "ten", "currency": "EUR"})},
        ),
        (
            "create bad media position",
            CREATE,
            {
                "input": record_input(
                    "N-10",
                    media=[{"url": "https://x.example/a.png", "kind": "IMAGE", "position": 5}],
                )
            },
        ),
        ("update unknown id", UPDATE, {"id": MISSING, "input": {"name": "x"}}),
        ("update malformed id", UPDATE, {"id": "xyz", "input": {"name": "x"}}),
        ("update duplicate sku", UPDATE, {"id": "$R", "input": {"sku": "$OTHER_SKU"}}),
        (
            "update negative price",
            UPDATE,
            {"id": "$R", "input": {"price": {"amount": -0.01, "currency": "EUR"}}},
        ),
        ("update unknown category", UPDATE, {"id": "$R", "input": {"categoryIds": ["424242"]}}),
        ("update null name", UPDATE, {"id": "$R", "input": {"name": None}}),
        ("update nothing", UPDATE, {"id": "$R", "input": {}}),
        ("delete unknown id", DELETE, {"id": MISSING}),
        ("delete malformed id", DELETE, {"id": "12"}),
        (
            "addMedia bad url",
            ADD_MEDIA,
            {"r": "$R", "input": {"url": "javascript:alert(1)", "kind": "IMAGE"}},
        ),
        (
            "addMedia bad position",
            ADD_MEDIA,
            {
                "r": "$R",
                "input": {"url": "https://x.example/a.png", "kind": "IMAGE", "position": -1},
            },
        ),
        (
            "addMedia unknown record",
            ADD_MEDIA,
            {"r": MISSING, "input": {"url": "https://x.example/a.png", "kind": "IMAGE"}},
        ),
        (
            "addMedia bad kind",
            ADD_MEDIA,
            {"r": "$R", "input": {"url": "https://x.example/a.png", "kind": "AUDIO"}},
        ),
        ("removeMedia unknown media", REMOVE_MEDIA, {"r": "$R", "m": "nope"}),
        ("removeMedia unknown record", REMOVE_MEDIA, {"r": MISSING, "m": "$M"}),
        ("reorderMedia missing id", REORDER_MEDIA, {"r": "$R", "ids": []}),
        ("reorderMedia duplicate id", REORDER_MEDIA, {"r": "$R", "ids": ["$M", "$M"]}),
        ("reorderMedia unknown id", REORDER_MEDIA, {"r": "$R", "ids": ["nope"]}),
    ]


def fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    if isinstance(value, str) and value in names:
        return names[value]
    return value


@pytest.mark.parametrize(
    ("mutation", "variables"), [c[1:] for c in bad_cases()], ids=[c[0] for c in bad_cases()]
)
async def test_bad_input_is_rejected_and_nothing_written(
    records: GraphQLClient,
    mongo_db: Any,
    category_ids: list[str],
    mutation: str,
    variables: dict[str, Any],
) -> None:
    target = await create(records, "TARGET", categoryIds=[category_ids[0]])
    await create(records, "OTHER")
    names = {"$R": target["id"], "$M": target["media"][0]["id"], "$OTHER_SKU": "OTHER"}
    before = await snapshot(mongo_db)
    body = await records(mutation, **fill(variables, names))
    assert body.get("data") is None, body
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert "Traceback" not in str(body)
    assert await snapshot(mongo_db) == before


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": 101}, "first"),
        ({"first": 5, "after": "bm9wZQ"}, "after"),
        ({"first": 5, "filter": {"minPrice": 9, "maxPrice": 1}}, "filter.minPrice"),
    ],
)
async def test_bad_query_arguments(
    records: GraphQLClient, variables: dict[str, Any], field: str
) -> None:
    body = await records(RECORDS, **variables)
    assert codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["extensions"]["field"] == field


async def test_invalid_document_has_a_code(records: GraphQLClient) -> None:
    body = await records("{ records { nope } }")
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_categories_service_down_refuses_write(mongo_uri: str, mongo_db: Any) -> None:
    from subgraphs.records.app import create_app
    from subgraphs.records.settings import Settings
    from tests.subgraphs.conftest import migrate
    from tests.subgraphs.servers import serving
    from tests.support import free_port

    await migrate(mongo_db)
    settings = Settings(
        mongodb_uri=mongo_uri,
        mongodb_db=mongo_db.name,
        categories_url=f"http://127.0.0.1:{free_port()}/graphql",
    )
    async with serving(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as http:
        body = (
            await http.post(
                "/graphql",
                json={
                    "query": CREATE,
                    "variables": {"input": record_input("X-1", categoryIds=["1"])},
                },
            )
        ).json()
        assert codes(body) == ["SERVICE_UNAVAILABLE"]
        ok = (
            await http.post(
                "/graphql", json={"query": CREATE, "variables": {"input": record_input("X-2")}}
            )
        ).json()
        assert ok["data"]["createRecord"]["sku"] == "X-2"
    assert [d["sku"] for d in await snapshot(mongo_db)] == ["X-2"]


async def test_without_mongodb_uri_the_service_starts_the_embedded_server(tmp_path: Any) -> None:
    from subgraphs.records.app import create_app
    from subgraphs.records.settings import Settings
    from tests.subgraphs.servers import serving

    settings = Settings(mongodb_uri=None, mongodb_data_dir=tmp_path / "mongo")
    async with serving(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.get("/health")).json() == {"status": "ok", "database": "ok"}
        uri = (tmp_path / "mongo.uri").read_text().strip()
        body = (
            await http.post(
                "/graphql", json={"query": CREATE, "variables": {"input": record_input("EMB-1")}}
            )
        ).json()
        assert body["data"]["createRecord"]["sku"] == "EMB-1"
    assert (tmp_path / "mongo").is_dir()
    assert not (tmp_path / "mongo.uri").exists()  # stopped with the service
    host, port = uri.split("//")[1].split("/")[0].split(":")
    with socket.socket() as sock:
        assert sock.connect_ex((host, int(port))) != 0, "embedded server still running"


class FindCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.finds: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find":
            self.finds.append(str(event.command.get("find")))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_entities_are_batched(mongo_uri: str, mongo_db: Any) -> None:
    """Many representations in one `_entities` call cost one query per kind."""
    from subgraphs.records.app import create_app
    from subgraphs.records.settings import Settings
    from tests.subgraphs.conftest import migrate
    from tests.subgraphs.servers import GraphQLClient, serving

    await migrate(mongo_db)
    counter = FindCounter()
    monitoring.register(counter)  # applies to clients created from now on
    settings = Settings(mongodb_uri=mongo_uri, mongodb_db=mongo_db.name)
    async with serving(create_app(settings)) as url:
        api = GraphQLClient(url)
        made = [await create(api, f"B-{i}", categoryIds=[str(1 + i % 3)]) for i in range(7)]
        counter.finds.clear()
        body = await api(
            """query($r: [_Any!]!) { _entities(representations: $r) {
                 ... on Category { id records(first: 2) { sku } } ... on Record { sku } } }""",
            r=[{"__typename": "Category", "id": str(c)} for c in (1, 2, 3, 4)]
            + [{"__typename": "Record", "id": m["id"]} for m in made[:4]],
        )
        await api.close()
    assert body["data"]["_entities"] == [
        {"id": "1", "records": [{"sku": "B-0"}, {"sku": "B-3"}]},
        {"id": "2", "records": [{"sku": "B-1"}, {"sku": "B-4"}]},
        {"id": "3", "records": [{"sku": "B-2"}, {"sku": "B-5"}]},
        {"id": "4", "records": []},
    ] + [{"sku": f"B-{i}"} for i in range(4)]
    assert counter.finds == ["records", "records"]


async def test_health_reports_an_unreachable_database(mongo_db: Any) -> None:
    from subgraphs.records.app import create_app
    from subgraphs.records.settings import Settings
    from tests.subgraphs.servers import serving
    from tests.support import free_port

    settings = Settings(mongodb_uri=f"mongodb://127.0.0.1:{free_port()}", mongodb_timeout_ms=300)
    async with serving(create_app(settings)) as url, httpx.AsyncClient(base_url=url) as http:
        response = await http.get("/health")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        body = (
            await http.post("/graphql", json={"query": '{ recordBySku(sku: "x") { id } }'})
        ).json()
        assert body["data"] == {"recordBySku": None}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
        assert body["errors"][0]["message"] == "database unavailable; try again later"


async def test_concurrent_media_edits_lose_nothing(records: GraphQLClient) -> None:
    made = await create(records, "C-1", media=[])
    results = await asyncio.gather(
        *(
            records(
                ADD_MEDIA,
                r=made["id"],
                input={"url": f"https://cdn.example.com/{i}.jpg", "kind": "IMAGE"},
            )
            for i in range(12)
        )
    )
    assert all("errors" not in body for body in results), results
    final = await records(f'{{ recordBySku(sku: "C-1") {{ {FIELDS} }} }}')
    media = final["data"]["recordBySku"]["media"]
    assert sorted(m["url"] for m in media) == sorted(
        f"https://cdn.example.com/{i}.jpg" for i in range(12)
    )
    assert [m["position"] for m in media] == list(range(12))


async def test_warns_when_the_database_is_not_migrated(
    mongo_uri: str, mongo_db: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from subgraphs.records.app import create_app
    from subgraphs.records.settings import Settings
    from tests.subgraphs.servers import serving

    settings = Settings(mongodb_uri=mongo_uri, mongodb_db=mongo_db.name)
    with caplog.at_level("WARNING", logger="subgraphs.records"):
        async with serving(create_app(settings)):
            for _ in range(100):
                if "database not migrated" in caplog.text:
                    break
                await asyncio.sleep(0.03)
    assert "20260101000000_initial_indexes (pending)" in caplog.text
    assert "run `records migrate up`" in caplog.text
