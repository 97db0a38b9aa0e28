"""Test data for audit suites' subgraph SDLs (``shared/audit/<suite>/subgraphs.json``).

The SDLs come from the audit; the data below is ours, written so that the
suite's ``tests.json`` expectations hold. Each function returns fresh specs
(mutation state included), so servers never share state across test modules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.e2e.subgraph_server import SubgraphSpec
from tests.support import AUDIT_DIR


def audit_sdls(suite: str) -> dict[str, str]:
    entries = json.loads((AUDIT_DIR / suite / "subgraphs.json").read_text())
    return {entry["name"]: entry["sdl"] for entry in entries}


def audit_supergraph(suite: str) -> str:
    return (AUDIT_DIR / suite / "supergraph.graphql").read_text()


def audit_tests(suite: str) -> list[dict[str, Any]]:
    return list(json.loads((AUDIT_DIR / suite / "tests.json").read_text()))


def simple_requires_provides() -> list[SubgraphSpec]:
    sdl = audit_sdls("simple-requires-provides")
    user = {"id": "u1", "name": "u-name-1", "username": "u-username-1"}
    products = [
        {"upc": "p1", "name": "p-name-1", "price": 11, "weight": 1},
        {"upc": "p2", "name": "p-name-2", "price": 22, "weight": 2},
    ]
    r1 = {
        "id": "r1",
        "body": "r-body-1",
        "author": {"id": "u1", "username": "u-username-1"},
        "product": {"upc": "p1"},
    }
    r2 = {**r1, "id": "r2", "body": "r-body-2", "product": {"upc": "p2"}}

    def estimate(obj: dict[str, Any], _: dict[str, Any]) -> int:
        return int(obj["price"]) * int(obj["weight"]) * 10

    return [
        SubgraphSpec("accounts", sdl["accounts"], rows={"User": [user]}, root={"me": user}),
        SubgraphSpec(
            "inventory",
            sdl["inventory"],
            rows={"Product": [{"upc": "p1", "inStock": True}, {"upc": "p2", "inStock": False}]},
            resolvers={
                "Product.shippingEstimate": estimate,
                "Product.shippingEstimateTag": lambda o, a: f"#{o['upc']}#{estimate(o, a)}#",
            },
        ),
        SubgraphSpec(
            "products", sdl["products"], rows={"Product": products}, root={"products": products}
        ),
        SubgraphSpec(
            "reviews",
            sdl["reviews"],
            rows={
                "Review": [r1, r2],
                "User": [{"id": "u1", "reviews": [r1, r2]}],
                "Product": [{"upc": "p1", "reviews": [r1]}, {"upc": "p2", "reviews": [r2]}],
            },
        ),
    ]


def include_skip() -> list[SubgraphSpec]:
    sdl = audit_sdls("include-skip")
    product = {"id": "p1", "price": 699.99}

    def never(_: dict[str, Any], __: dict[str, Any]) -> bool:
        raise RuntimeError("this field must not be requested")

    return [
        SubgraphSpec("a", sdl["a"], rows={"Product": [product]}, root={"product": product}),
        SubgraphSpec(
            "b",
            sdl["b"],
            resolvers={"Product.isExpensive": lambda o, _: float(o["price"]) > 500},
        ),
        SubgraphSpec(
            "c",
            sdl["c"],
            resolvers={
                "Product.include": lambda o, _: bool(o["isExpensive"]),
                "Product.skip": lambda o, _: bool(o["isExpensive"]),
                "Product.neverCalledInclude": never,
                "Product.neverCalledSkip": never,
            },
        ),
    ]


def mutations() -> list[SubgraphSpec]:
    """Three subgraphs sharing one store, so mutation order is observable."""
    sdl = audit_sdls("mutations")
    products = [{"id": "p1", "name": "p1-name", "price": 9.99}]
    categories: list[dict[str, Any]] = []
    numbers: dict[str, int] = {}

    def add_product(_: Any, input: dict[str, Any]) -> dict[str, Any]:
        product = {"id": f"p{len(products) + 1}", **input}
        products.append(product)
        return product

    def add_category(_: Any, name: str, requestId: str) -> dict[str, Any]:
        category = {"id": f"c-added-{requestId}", "name": name}
        categories.append(category)
        return category

    def update(fn: Callable[[int], int]) -> Callable[..., int]:
        def apply(_: Any, requestId: str, **args: Any) -> int:
            numbers[requestId] = fn(numbers.get(requestId, 0), **args)
            return numbers[requestId]

        return apply

    def delete(_: Any, requestId: str) -> int:
        return numbers.pop(requestId, 0)

    def product(_: Any, id: str) -> dict[str, Any] | None:
        return next((p for p in products if p["id"] == id), None)

    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={"Product": products, "Category": categories},
            root={"product": product, "products": lambda _: products},
            mutation={
                "addProduct": add_product,
                "addCategory": add_category,
                "multiply": update(lambda value, by: value * by),
            },
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={"Category": categories},
            resolvers={
                "Product.isExpensive": lambda o, _: float(o["price"]) > 500,
                "Product.isAvailable": lambda o, _: True,
            },
            mutation={"delete": delete, "addCategory": add_category},
        ),
        SubgraphSpec("c", sdl["c"], mutation={"add": update(lambda value, num: value + num)}),
    ]


def union_interface_distributed() -> list[SubgraphSpec]:
    sdl = audit_sdls("union-interface-distributed")
    ovens = [{"__typename": "Oven", "id": "oven1"}, {"__typename": "Oven", "id": "oven2"}]
    toasters = [
        {"__typename": "Toaster", "id": "toaster1", "warranty": 3},
        {"__typename": "Toaster", "id": "toaster2", "warranty": 4},
    ]
    everything = ovens + toasters
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={"Oven": ovens, "Toaster": toasters},
            root={
                "products": everything,
                "nodes": toasters,
                "toasters": toasters,
                "node": lambda _, id: next((n for n in everything if n["id"] == id), None),
            },
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={
                "Oven": [{"id": "oven1", "warranty": 1}, {"id": "oven2", "warranty": 2}],
            },
        ),
    ]


def simple_interface_object() -> list[SubgraphSpec]:
    """Entity interfaces and @interfaceObject (representations get rewritten typenames)."""
    sdl = audit_sdls("simple-interface-object")
    users = [
        {"__typename": "User", "id": "u1", "name": "u1-name", "age": 11},
        {"__typename": "User", "id": "u2", "name": "u2-name", "age": 22},
    ]
    accounts = [
        {"id": "u1", "name": "Alice"},
        {"id": "u2", "name": "Bob"},
        {"id": "u3", "name": "Charlie"},
    ]
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={
                "User": users,
                "Admin": [
                    {"id": "u1", "isMain": True, "isActive": True},
                    {"id": "u2", "isMain": False, "isActive": True},
                ],
                "Regular": [{"id": "u3", "isMain": False}],
            },
            root={"users": users},
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={
                "NodeWithName": [
                    {"id": "u1", "username": "u1-username"},
                    {"id": "u2", "username": "u2-username"},
                ],
                "Account": accounts,
            },
            root={
                "anotherUsers": [{"id": "u1"}, {"id": "u2"}],
                "accounts": accounts,
            },
        ),
        SubgraphSpec(
            "c",
            sdl["c"],
            rows={"Account": [{"id": a["id"], "isActive": False} for a in accounts]},
        ),
    ]


def child_type_mismatch() -> list[SubgraphSpec]:
    """Same field with different types under a union (the plan aliases and renames)."""
    sdl = audit_sdls("child-type-mismatch")
    user: dict[str, Any] = {"__typename": "User", "id": "u1", "name": "u1-name"}
    admin: dict[str, Any] = {"__typename": "Admin", "id": "a1", "name": "a1-name"}
    user["similarAccounts"] = [user, admin]
    admin["similarAccounts"] = [user, admin]
    return [
        SubgraphSpec("a", sdl["a"], root={"users": [{"id": "u1"}]}),
        SubgraphSpec("b", sdl["b"], rows={"User": [user]}, root={"accounts": [user, admin]}),
    ]


def typename() -> list[SubgraphSpec]:
    """``__typename`` on unions, interfaces and @interfaceObject entities."""
    sdl = audit_sdls("typename")
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={"Admin": [{"id": "u1", "isMain": True}, {"id": "u2", "isMain": False}]},
            root={
                "union": {"__typename": "Oven", "id": "1"},
                "interface": {"__typename": "Toaster", "id": "2"},
            },
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            root={"users": [{"id": "u1", "name": "u1-name"}, {"id": "u2", "name": "u2-name"}]},
        ),
    ]


def null_keys() -> list[SubgraphSpec]:
    """An entity whose second key is unknown: its jump is skipped, not failed."""
    sdl = audit_sdls("null-keys")
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            root={"bookContainers": [{"book": {"upc": f"b{i}"}} for i in (1, 2, 3)]},
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={"Book": [{"id": "1", "upc": "b1"}, {"id": "2", "upc": "b2"}]},
            entity_fallback=False,
        ),
        SubgraphSpec(
            "c",
            sdl["c"],
            rows={
                "Book": [
                    {"id": "1", "author": {"id": "a1", "name": "Alice"}},
                    {"id": "2", "author": {"id": "a2", "name": "Bob"}},
                ]
            },
        ),
    ]


def enum_intersection() -> list[SubgraphSpec]:
    """Enum values that only some subgraphs (or only @inaccessible) know."""
    sdl = audit_sdls("enum-intersection")
    in_a = [{"id": "u1", "type": "REGULAR"}, {"id": "u2", "type": "ANONYMOUS"}]
    in_b = [{"id": "u1", "type": "REGULAR"}, {"id": "u2", "type": None}]
    return [
        SubgraphSpec("a", sdl["a"], rows={"User": in_a}, root={"users": in_a}),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={"User": in_b},
            root={
                "usersB": in_b,
                "usersByType": lambda _, type: [u for u in in_b if u["type"] == type],
            },
        ),
    ]


def requires_with_fragments() -> list[SubgraphSpec]:
    """@requires with nested fragments, one of their types @inaccessible."""
    sdl = audit_sdls("requires-with-fragments")
    baz = {"__typename": "Baz", "foo": "b1-foo", "bar": "b1-bar", "baz": "b1-baz"}
    qux = {"__typename": "Qux", "foo": "q1-foo", "bar": "q1-bar", "qux": "q1-qux"}
    entities = [{"id": "e1", "data": baz}, {"id": "e2", "data": qux}]
    return [
        SubgraphSpec("a", sdl["a"], rows={"Entity": entities}, root={"a": {"id": "e2"}}),
        SubgraphSpec(
            "b",
            sdl["b"],
            root={"b": {"id": "e1"}, "bb": {"id": "e2"}},
            resolvers={
                "Entity.requirer": lambda o, _: f"{o['data']['foo']}_requirer",
                "Entity.requirer2": lambda o, _: f"{o['data']['foo']}_requirer2",
            },
        ),
    ]


def interface_object_with_requires() -> list[SubgraphSpec]:
    """@requires on an @interfaceObject field."""
    sdl = audit_sdls("interface-object-with-requires")
    users = [
        {"__typename": "User", "id": "u1", "name": "u1-name", "age": 11},
        {"__typename": "User", "id": "u2", "name": "u2-name", "age": 22},
    ]
    return [
        SubgraphSpec("a", sdl["a"], rows={"User": users}, root={"users": users}),
        SubgraphSpec(
            "b",
            sdl["b"],
            root={"anotherUsers": [{"id": "u1"}, {"id": "u2"}]},
            resolvers={
                "NodeWithName.username": lambda o, _: o["name"].replace("-name", "-username")
            },
        ),
    ]


def argument_products() -> list[dict[str, Any]]:
    """Products whose price and category average depend on a currency argument."""

    def product(n: int, average: int) -> dict[str, Any]:
        usd = 11 * n
        return {
            "upc": f"p{n}",
            "name": f"p-name-{n}",
            "weight": n,
            "price": lambda _, currency: usd if currency == "USD" else usd * 2,
            "category": {"averagePrice": lambda _, currency: average},
        }

    return [product(1, 10), product(2, 100)]


def requires_with_argument_conflict() -> list[SubgraphSpec]:
    """Two @requires of one field with different arguments (the plan aliases them)."""
    sdl = audit_sdls("requires-with-argument-conflict")
    products = argument_products()
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            resolvers={
                "Product.shippingEstimate": lambda o, _: o["price"] * o["weight"] * 10,
                "Product.shippingEstimateEUR": lambda o, _: o["price"] * o["weight"] * 10,
                "Product.isExpensiveCategory": lambda o, _: o["category"]["averagePrice"] > 50,
            },
        ),
        SubgraphSpec("b", sdl["b"], rows={"Product": products}, root={"products": products}),
    ]


def corrupted_supergraph_node_id() -> list[SubgraphSpec]:
    """A shared ``node`` root field over entities split across two subgraphs."""
    sdl = audit_sdls("corrupted-supergraph-node-id")
    account_a = {"__typename": "Account", "id": "a1", "username": "a1-username"}
    chat_a = {"__typename": "Chat", "id": "c1", "account": {"id": "a1"}}
    account_b = {"__typename": "Account", "id": "a1", "chats": [{"id": "c1"}]}
    chat_b = {"__typename": "Chat", "id": "c1", "text": "c1-text"}

    def finder(*items: dict[str, Any]) -> Callable[..., Any]:
        return lambda _, id: next((i for i in items if i["id"] == id), None)

    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={"Account": [account_a], "Chat": [chat_a]},
            root={"node": finder(account_a, chat_a), "account": finder(account_a)},
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={"Account": [account_b], "Chat": [chat_b]},
            root={"node": finder(account_b, chat_b), "chat": finder(chat_b)},
        ),
    ]


def requires_requires() -> list[SubgraphSpec]:
    """A @requires field that needs another @requires field."""
    sdl = audit_sdls("requires-requires")
    product = {"id": "p1", "hasDiscount": True}
    return [
        SubgraphSpec("a", sdl["a"], rows={"Product": [{"id": "p1", "price": 699.99}]}),
        SubgraphSpec("b", sdl["b"], rows={"Product": [product]}, root={"product": product}),
        SubgraphSpec(
            "c",
            sdl["c"],
            resolvers={
                "Product.isExpensive": lambda o, _: o["price"] > 500,
                "Product.isExpensiveWithDiscount": lambda o, _: not o["hasDiscount"],
            },
        ),
        SubgraphSpec(
            "d",
            sdl["d"],
            resolvers={
                "Product.canAfford": lambda o, _: not o["isExpensive"],
                "Product.canAffordWithDiscount": lambda o, _: not o["isExpensiveWithDiscount"],
            },
        ),
    ]


def shared_root() -> list[SubgraphSpec]:
    """Root fields every subgraph shares; each adds its own part of the object."""
    sdl = audit_sdls("shared-root")
    parts = {
        "name": {"name": {"id": "1", "brand": "Brand 1", "model": "Model 1"}},
        "price": {"price": {"id": "1", "amount": 1000, "currency": "USD"}},
        "category": {"category": {"id": "1", "name": "Category 1"}},
    }
    specs = []
    for name, part in parts.items():
        product = {"id": "1", **part}
        specs.append(
            SubgraphSpec(name, sdl[name], root={"product": product, "products": [product]})
        )
    return specs


def simple_entity_call() -> list[SubgraphSpec]:
    sdl = audit_sdls("simple-entity-call")
    user = {"id": "1", "email": "user1@example.com"}
    return [
        SubgraphSpec("email", sdl["email"], rows={"User": [user]}, root={"user": user}),
        SubgraphSpec(
            "nickname",
            sdl["nickname"],
            resolvers={"User.nickname": lambda o, _: o["email"].split("@")[0]},
        ),
    ]


def provides_on_union() -> list[SubgraphSpec]:
    sdl = audit_sdls("provides-on-union")
    book = {"__typename": "Book", "id": "m1"}
    movie = {"__typename": "Movie", "id": "m2"}
    return [
        SubgraphSpec(
            "a", sdl["a"], rows={"Book": [book], "Movie": [movie]}, root={"media": [book, movie]}
        ),
        SubgraphSpec("b", sdl["b"], root={"media": [{**book, "title": "Book 1"}, movie]}),
        SubgraphSpec(
            "c",
            sdl["c"],
            rows={
                "Book": [{"id": "m1", "title": "Book 1"}],
                "Movie": [{"id": "m2", "title": "Movie 1"}],
            },
        ),
    ]


def provides_on_interface() -> list[SubgraphSpec]:
    sdl = audit_sdls("provides-on-interface")
    dog = {"__typename": "Dog", "id": "a1", "name": "Fido", "age": 3}
    cat = {"__typename": "Cat", "id": "a2", "name": "Whiskers", "age": 6}
    book = {"__typename": "Book", "id": "m1", "animals": [dog, cat]}
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={"Book": [book]},
            root={
                "media": book,
                "book": {**book, "animals": [dog, {"__typename": "Cat", "id": "a2"}]},
            },
        ),
        SubgraphSpec("b", sdl["b"], root={"media": book}),
        SubgraphSpec("c", sdl["c"], rows={"Book": [book], "Dog": [dog], "Cat": [cat]}),
    ]


def nested_provides() -> list[SubgraphSpec]:
    sdl = audit_sdls("nested-provides")
    names = {"c1": "Category 1", "c2": "Category 2", "c3": "Category 3"}
    subs = {"c1": ["c2"], "c2": ["c3"], "c3": ["c1"]}

    def category(cid: str, depth: int = 1) -> dict[str, Any]:
        out: dict[str, Any] = {"id": cid, "name": names[cid]}
        if depth:
            out["subCategories"] = [category(sub, depth - 1) for sub in subs[cid]]
        return out

    by_product = {"p1": ["c1", "c2"], "p2": ["c3", "c2"]}
    products = [{"id": p, "categories": [category(c) for c in cs]} for p, cs in by_product.items()]
    return [
        SubgraphSpec(
            "all-products", sdl["all-products"], rows={"Product": [{"id": "p1"}, {"id": "p2"}]}
        ),
        SubgraphSpec("category", sdl["category"], root={"products": products}),
        SubgraphSpec(
            "subcategories",
            sdl["subcategories"],
            rows={
                "Product": [
                    {"id": p, "categories": [{"id": c} for c in cs]} for p, cs in by_product.items()
                ],
                "Category": [
                    {"id": c, "subCategories": [{"id": s} for s in subs[c]]} for c in names
                ],
            },
        ),
    ]


def keys_mashup() -> list[SubgraphSpec]:
    sdl = audit_sdls("keys-mashup")
    key = {"id": "1", "pId": "p1", "compositeId": {"one": "o1", "two": "t1", "three": "th1"}}
    return [
        SubgraphSpec("a", sdl["a"], rows={"A": [{**key, "name": "a.1"}]}),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={"B": [{"id": "100", "a": [key]}]},
            root={"b": {"id": "100", "a": [key]}},
            resolvers={"A.nameInB": lambda o, _: f"b.a.nameInB {o['name']}"},
        ),
    ]


def abstract_types() -> list[SubgraphSpec]:
    """Interfaces and unions spread over seven subgraphs."""
    sdl = audit_sdls("abstract-types")
    users = {
        "u1": {"email": "u1@example.com", "name": "User 1", "totalProductsCreated": 2},
        "u2": {"email": "u2@example.com", "name": "User 2", "totalProductsCreated": 2},
    }
    self_u1 = {"__typename": "Self", "email": "u1@example.com"}
    agency = {"__typename": "Agency", "id": "a1"}
    specs = [  # (typename, id, sku, weight, user, similar, publisher)
        ("Book", "p1", "sku-1", 0.5, "u1", "p3", self_u1),
        ("Book", "p3", "sku-3", 0.6, "u2", "p1", self_u1),
        ("Magazine", "p2", "sku-2", 0.2, "u1", "p4", agency),
        ("Magazine", "p4", "sku-4", 0.3, "u2", "p2", agency),
    ]
    products = [
        {
            "__typename": kind,
            "id": pid,
            "sku": sku,
            "dimensions": {"size": "small", "weight": weight},
            "createdBy": users[user],
            "similar": [{"__typename": kind, "id": similar}],
            "hidden": False,
            "publisherType": publisher,
        }
        for kind, pid, sku, weight, user, similar, publisher in specs
    ]
    by_id = {p["id"]: p for p in products}
    reviews = {
        "p1": [
            {"id": 1, "body": "Good", "product": {"__typename": "Book", "id": "p1"}},
            {"id": 2, "body": "Fine", "product": {"__typename": "Book", "id": "p1"}},
        ],
        "p2": [{"id": 3, "body": "Nice", "product": {"__typename": "Magazine", "id": "p2"}}],
    }
    titles = {"p1": "Book 1", "p3": "Book 2", "p2": "Magazine 1", "p4": "Magazine 2"}

    def review_rows(kind: str) -> list[dict[str, Any]]:
        return [
            {
                "id": p["id"],
                "reviewsCount": len(reviews.get(p["id"], [])),
                "reviewsScore": 4.5,
                "reviews": reviews.get(p["id"], []),
            }
            for p in products
            if p["__typename"] == kind
        ]

    def delivery(obj: dict[str, Any], _: dict[str, Any]) -> dict[str, str]:
        fast = obj["dimensions"]["size"] == "small"
        return {
            "estimatedDelivery": "1 day" if fast else "3 days",
            "fastestDelivery": "same day" if fast else "2 days",
        }

    def of(kind: str, *fields: str) -> list[dict[str, Any]]:
        return [{f: p[f] for f in ("id", *fields)} for p in products if p["__typename"] == kind]

    return [
        SubgraphSpec(
            "agency",
            sdl["agency"],
            rows={
                "Agency": [
                    {"id": "a1", "companyName": "Agency 1", "email": {"address": "a1@example.com"}}
                ]
            },
        ),
        SubgraphSpec(
            "inventory",
            sdl["inventory"],
            rows={"Book": of("Book"), "Magazine": of("Magazine")},
            resolvers={"Book.delivery": delivery, "Magazine.delivery": delivery},
        ),
        SubgraphSpec(
            "books",
            sdl["books"],
            rows={"Book": [{"id": i, "title": titles[i]} for i in ("p1", "p3")]},
            root={"books": [{"id": i, "title": titles[i]} for i in ("p1", "p3")]},
        ),
        SubgraphSpec("users", sdl["users"], rows={"User": list(users.values())}),
        SubgraphSpec(
            "reviews",
            sdl["reviews"],
            rows={"Book": review_rows("Book"), "Magazine": review_rows("Magazine")},
            root={
                "review": lambda _, id: next(
                    (r for rs in reviews.values() for r in rs if r["id"] == id), None
                )
            },
        ),
        SubgraphSpec(
            "products",
            sdl["products"],
            rows={"Book": of("Book", *products[0]), "Magazine": of("Magazine", *products[0])},
            root={
                "products": products,
                "similar": lambda _, id: [by_id[s["id"]] for s in by_id[id]["similar"]],
            },
        ),
        SubgraphSpec(
            "magazines",
            sdl["magazines"],
            rows={"Magazine": [{"id": i, "title": titles[i]} for i in ("p2", "p4")]},
            root={"magazines": [{"id": i, "title": titles[i]} for i in ("p2", "p4")]},
        ),
    ]


def complex_entity_call() -> list[SubgraphSpec]:
    """Composite keys with lists and nested objects."""
    sdl = audit_sdls("complex-entity-call")
    ids = {"1": ("p1", "c1", "t1", 100.0), "2": ("p2", "c2", "t2", 200.0)}
    full = [
        {"id": i, "pid": pid, "category": {"id": c, "tag": t}, "price": {"price": price}}
        for i, (pid, c, t, price) in ids.items()
    ]
    with_pid = [{"id": p["id"], "pid": p["pid"]} for p in full]
    with_category = [{k: p[k] for k in ("id", "pid", "category")} for p in full]
    return [
        SubgraphSpec("link", sdl["link"], rows={"Product": with_pid}),
        SubgraphSpec(
            "list",
            sdl["list"],
            rows={
                "ProductList": [
                    {"products": with_pid, "first": with_pid[0], "selected": with_pid[1]}
                ],
                "Product": with_pid,
            },
        ),
        SubgraphSpec(
            "price",
            sdl["price"],
            rows={
                "ProductList": [
                    {
                        "products": with_category,
                        "selected": {"id": "2"},
                        "first": with_category[0],
                    }
                ],
                "Product": full,
                "Category": [p["category"] for p in full],
            },
        ),
        SubgraphSpec(
            "products",
            sdl["products"],
            rows={
                "ProductList": [{"products": [{"id": "1"}, {"id": "2"}]}],
                "Product": [{"id": p["id"], "category": p["category"]} for p in full],
                "Category": [{**p["category"], "mainProduct": {"id": p["id"]}} for p in full],
            },
            root={"topProducts": {"products": [{"id": "1"}, {"id": "2"}]}},
        ),
    ]


def parent_entity_call() -> list[SubgraphSpec]:
    sdl = audit_sdls("parent-entity-call")
    rows = [("p1", "c1", 2), ("p2", "c2", 1), ("p3", "c1", 2)]
    names = {"c1": "Category 1", "c2": "Category 2"}
    products = [
        {"id": p, "pid": f"{p}-pid", "category": {"id": c, "name": names[c]}} for p, c, _ in rows
    ]
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={
                "Product": products,
                "Category": [{"id": c, "name": n} for c, n in names.items()],
            },
            root={"products": products},
        ),
        SubgraphSpec("b", sdl["b"], rows={"Product": products}),
        SubgraphSpec(
            "c",
            sdl["c"],
            rows={
                "Product": [
                    {"id": p, "pid": f"{p}-pid", "category": {"details": {"products": n}}}
                    for p, _, n in rows
                ]
            },
        ),
    ]


def parent_entity_call_complex() -> list[SubgraphSpec]:
    sdl = audit_sdls("parent-entity-call-complex")
    product = {"id": "1", "name": "Product#1"}
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={"Product": [{"id": "1", "category": {"details": "Details for Product#1"}}]},
        ),
        SubgraphSpec("b", sdl["b"], rows={"Product": [{"id": "1", "category": {"id": "3"}}]}),
        SubgraphSpec("c", sdl["c"], rows={"Category": [{"id": "3", "name": "Category#3"}]}),
        SubgraphSpec(
            "d",
            sdl["d"],
            rows={"Product": [product]},
            root={"productFromD": lambda _, id: product if id == "1" else None},
        ),
    ]


def node() -> list[SubgraphSpec]:
    sdl = audit_sdls("node")
    return [
        SubgraphSpec(
            "node",
            sdl["node"],
            rows={"Product": [{"id": "p-1"}], "Category": [{"id": "c-1"}]},
            root={
                "productNode": {"__typename": "Product", "id": "p-1"},
                "categoryNode": {"__typename": "Category", "id": "c-1"},
            },
        ),
        SubgraphSpec(
            "node-two",
            sdl["node-two"],
            rows={"Product": [{"id": "p-1"}], "Category": [{"id": "c-1"}]},
        ),
        SubgraphSpec(
            "types",
            sdl["types"],
            rows={
                "Product": [{"id": "p-1", "name": "Product 1", "price": 10.0}],
                "Category": [{"id": "c-1", "name": "Category 1"}],
            },
        ),
    ]


def external_extends(suite: str) -> Callable[[], list[SubgraphSpec]]:
    """The four fed1/fed2 ``extend type`` / ``@extends`` suites share one data shape."""

    def specs() -> list[SubgraphSpec]:
        sdl = audit_sdls(suite)
        in_a = [{"id": u, "rid": f"{u}-rid"} for u in ("u1", "u2")]
        in_b = [{"id": u, "name": f"{u}-name", "nickname": f"{u}-nickname"} for u in ("u1", "u2")]
        return [
            SubgraphSpec(
                "a",
                sdl["a"],
                rows={"User": in_a},
                root={
                    "randomUser": in_a[0],
                    "providedRandomUser": {**in_a[0], "name": "u1-name"},
                },
            ),
            SubgraphSpec(
                "b",
                sdl["b"],
                rows={"User": in_b},
                root={
                    "userById": lambda _, id=None: next((u for u in in_b if u["id"] == id), None)
                },
            ),
        ]

    return specs


def fed1_external_extends_resolvable() -> list[SubgraphSpec]:
    sdl = audit_sdls("fed1-external-extends-resolvable")
    in_a = {"id": "p1", "name": "p1-name", "pid": "p1-pid"}
    in_b = {"id": "p1", "name": "p1-name", "upc": "upc1", "price": 12.3}
    return [
        SubgraphSpec("a", sdl["a"], rows={"Product": [in_a]}, root={"productInA": in_a}),
        SubgraphSpec("b", sdl["b"], rows={"Product": [in_b]}, root={"productInB": in_b}),
    ]


def override_feeds(suite: str) -> Callable[[], list[SubgraphSpec]]:
    """simple-override and unavailable-override: one Post type, feeds in both subgraphs."""

    def specs() -> list[SubgraphSpec]:
        sdl = audit_sdls(suite)
        posts = [{"id": p, "createdAt": f"{p}-createdAt"} for p in ("p1", "p2")]
        return [
            SubgraphSpec(
                "a", sdl["a"], rows={"Post": posts}, root={"feed": posts, "aFeed": [posts[1]]}
            ),
            SubgraphSpec(
                "b", sdl["b"], rows={"Post": posts}, root={"feed": posts, "bFeed": [posts[0]]}
            ),
        ]

    return specs


def override_type_interface() -> list[SubgraphSpec]:
    sdl = audit_sdls("override-type-interface")
    images = [
        {"__typename": "ImagePost", "id": i, "createdAt": f"{i}-createdAt"} for i in ("i1", "i2")
    ]
    return [
        SubgraphSpec("a", sdl["a"], rows={"ImagePost": images}, root={"feed": images}),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={
                "ImagePost": images,
                "TextPost": [{"id": "t1", "createdAt": "t1-createdAt", "body": "t1-body"}],
            },
            root={"anotherFeed": images},
        ),
    ]


def override_with_requires() -> list[SubgraphSpec]:
    sdl = audit_sdls("override-with-requires")
    users = [{"id": u, "name": f"{u}-name"} for u in ("u1", "u2", "u3")]
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            root={"userInA": {"id": "u1"}},
            resolvers={"User.aName": lambda o, _: f"a__{o['name']}"},
        ),
        SubgraphSpec("b", sdl["b"], rows={"User": users}, root={"userInB": {"id": "u2"}}),
        SubgraphSpec(
            "c",
            sdl["c"],
            root={"userInC": {"id": "u3"}},
            resolvers={"User.cName": lambda o, _: f"c__{o['name']}"},
        ),
    ]


def simple_inaccessible() -> list[SubgraphSpec]:
    sdl = audit_sdls("simple-inaccessible")
    friends = [
        {"id": "u1", "friends": [{"id": "u2"}], "type": None},
        {"id": "u2", "friends": [{"id": "u1"}], "type": None},
    ]
    ages = [{"id": "u1", "age": 11}, {"id": "u2", "age": 22}]
    return [
        SubgraphSpec(
            "friends", sdl["friends"], rows={"User": friends}, root={"usersInFriends": friends}
        ),
        SubgraphSpec("age", sdl["age"], rows={"User": ages}, root={"usersInAge": ages}),
    ]


def input_object_intersection() -> list[SubgraphSpec]:
    sdl = audit_sdls("input-object-intersection")
    users = [{"id": u, "name": f"{u}-name"} for u in ("u1", "u2")]
    return [
        SubgraphSpec(
            "a", sdl["a"], rows={"User": users}, root={"usersInA": lambda _, filter: users}
        ),
        SubgraphSpec(
            "b", sdl["b"], rows={"User": users}, root={"usersInB": lambda _, filter: users}
        ),
    ]


def partial_union() -> list[SubgraphSpec]:
    sdl = audit_sdls("partial-union")
    actions = [
        {"__typename": "Alpha", "id": "alpha-1", "value": "alpha value"},
        {"__typename": "Beta", "id": "beta-1", "name": "beta name", "details": "beta details"},
        {"__typename": "Gamma", "id": "gamma-1", "label": "gamma label"},
    ]
    response = {"message": "Hello, Federation!", "actions": actions}
    return [
        SubgraphSpec("a", sdl["a"], root={"getResponse": response}),
        SubgraphSpec("b", sdl["b"]),
    ]


def partial_union_complex() -> list[SubgraphSpec]:
    sdl = audit_sdls("partial-union-complex")
    common = {"__typename": "Common", "label": "common label"}
    shared = {"id": "c2", "wrapper": {"actions": [common]}}
    in_a = {"id": "c1", "wrapper": {"actions": [common, {"__typename": "OnlyA", "a": None}]}}
    in_b = {
        "id": "c1",
        "wrapper": {"actions": [common, {"__typename": "OnlyB", "b": None}]},
        "bWrapper": {"actions": [common, {"__typename": "OnlyB", "b": "only b"}]},
    }
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={"Container": [in_a, shared]},
            root={"rootA": in_a, "shared": shared},
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={"Container": [in_b, shared]},
            root={"rootB": in_b, "shared": shared},
        ),
    ]


def union_intersection() -> list[SubgraphSpec]:
    sdl = audit_sdls("union-intersection")
    title = "The Lord of the Rings"
    book_a = {"__typename": "Book", "id": "b1", "title": title, "aTitle": f"A: {title}"}
    book_b = {"__typename": "Book", "id": "b1", "title": title, "bTitle": f"B: {title}"}
    song = {"__typename": "Song", "id": "s1", "title": "Song Title", "aTitle": "A: Song Title"}
    movie = {
        "__typename": "Movie",
        "id": "m1",
        "title": "A Movie Title",
        "bTitle": "B Movie Title",
    }
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={"Book": [book_a], "Song": [song]},
            root={
                "media": book_a,
                "aMedia": book_a,
                "book": book_a,
                "song": song,
                "viewer": {"media": book_a, "aMedia": book_a, "book": book_a, "song": song},
            },
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={"Book": [book_b], "Movie": [movie]},
            root={
                "media": book_b,
                "bMedia": movie,
                "book": book_b,
                "viewer": {"media": book_b, "bMedia": movie, "book": book_b},
            },
        ),
    ]


def mysterious_external() -> list[SubgraphSpec]:
    sdl = audit_sdls("mysterious-external")
    prices = [{"id": "1", "price": 100.0}, {"id": "2", "price": 200.0}]
    names = [{"id": "1", "name": "name-1"}, {"id": "2", "name": "name-2"}]
    return [
        SubgraphSpec(
            "price", sdl["price"], rows={"Product": prices}, root={"cheapestProduct": prices[0]}
        ),
        SubgraphSpec("product", sdl["product"], rows={"Product": names}, root={"products": names}),
    ]


def circular_reference_interface() -> list[SubgraphSpec]:
    sdl = audit_sdls("circular-reference-interface")
    books_a = [
        {"__typename": "Book", "id": "1", "samePriceProduct": {"id": "3", "price": 10.99}},
        {"__typename": "Book", "id": "3", "samePriceProduct": {"id": "1", "price": 10.99}},
    ]
    return [
        SubgraphSpec("a", sdl["a"], rows={"Book": books_a}, root={"product": books_a[0]}),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={"Book": [{"id": "1", "price": 10.99}, {"id": "3", "price": 10.99}]},
        ),
    ]


def interface_object_indirect_extension() -> list[SubgraphSpec]:
    sdl = audit_sdls("interface-object-indirect-extension")
    video = {"__typename": "Video", "id": "1", "title": "title for 1", "duration": 100}
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={"Video": [video], "Article": [{"id": "2", "title": "t2", "wordCount": 5}]},
            root={"media": video},
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={
                "Author": [{"id": "1", "name": "name for 1"}],
                "Video": [{"id": "1", "authorName": "John Doe"}],
            },
            root={"author": {"id": "1", "name": "name for 1"}},
        ),
        SubgraphSpec(
            "c",
            sdl["c"],
            rows={"Media": [{"id": "1"}]},
            root={"playlist": {"id": "1", "name": "name for 1", "media": {"id": "1"}}},
        ),
    ]


def non_resolvable_interface_object() -> list[SubgraphSpec]:
    sdl = audit_sdls("non-resolvable-interface-object")
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            # Node has no object type in "a": answering it is an error there.
            root={"a": {"__typename": "Unknown", "id": "n1"}, "product": {"id": "p1"}},
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={"Bread": [{"id": "p1", "name": "Bread 1"}]},
            root={"b": {"id": "n1", "field": "foo"}},
        ),
    ]


def requires_circular() -> list[SubgraphSpec]:
    sdl = audit_sdls("requires-circular")
    authors = [
        {"id": "a1", "name": "Novice", "yearsOfExperience": 1},
        {"id": "a2", "name": "Expert", "yearsOfExperience": 10},
    ]
    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={"Author": authors},
            root={"feed": [{"id": "p1"}, {"id": "p2"}]},
            resolvers={"Post.byExpert": lambda o, _: not o["byNovice"]},
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={
                "Post": [{"id": "p1", "author": {"id": "a1"}}, {"id": "p2", "author": {"id": "a2"}}]
            },
            resolvers={"Post.byNovice": lambda o, _: o["author"]["yearsOfExperience"] < 5},
        ),
    ]


def requires_interface() -> list[SubgraphSpec]:
    sdl = audit_sdls("requires-interface")
    homes = [{"id": "a1", "city": "a1-city"}]
    works = [{"id": "a2", "city": "a2-city"}]
    cities = {a["id"]: a["city"] for a in homes + works}
    users = [
        {"id": "u1", "name": "u1-name", "address": {"__typename": "HomeAddress", "id": "a1"}},
        {"id": "u2", "name": "u2-name", "address": {"__typename": "WorkAddress", "id": "a2"}},
    ]

    def country(obj: dict[str, Any], _: dict[str, Any]) -> str | None:
        address = obj.get("address") or {}
        return f"{address['id']}-country" if "id" in address else None

    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            rows={"HomeAddress": homes, "WorkAddress": works},
            root={"a": {"id": "u1", "name": "u1-name"}},
            resolvers={
                "User.city": lambda o, _: cities.get((o.get("address") or {}).get("id")),
                "User.country": country,
            },
        ),
        SubgraphSpec(
            "b",
            sdl["b"],
            rows={"User": users, "HomeAddress": homes, "WorkAddress": works},
            root={"b": users[1]},
        ),
    ]


def requires_with_argument() -> list[SubgraphSpec]:
    """@requires with field arguments, including client-variable-free list limits."""
    sdl = audit_sdls("requires-with-argument")
    products = argument_products()
    authors = {"c1": "a2", "c2": "a1", "c3": "a1", "c4": "a1", "c5": "a2", "c6": "a2"}
    by_post = {"p1": ["c1", "c2", "c3"], "p2": ["c4", "c5", "c6"]}

    def comments(cids: list[str]) -> Callable[..., list[dict[str, Any]]]:
        return lambda _, limit: [{"id": c} for c in cids[:limit]]

    return [
        SubgraphSpec(
            "a",
            sdl["a"],
            resolvers={
                "Product.shippingEstimate": lambda o, _: o["price"] * o["weight"] * 10,
                "Product.isExpensiveCategory": lambda o, _: o["category"]["averagePrice"] > 50,
            },
        ),
        SubgraphSpec("b", sdl["b"], rows={"Product": products}, root={"products": products}),
        SubgraphSpec(
            "c",
            sdl["c"],
            rows={
                "Comment": [
                    {"id": c, "authorId": a, "body": f"{c}-body"} for c, a in authors.items()
                ]
            },
            root={"feed": [{"id": "p1"}, {"id": "p2"}]},
        ),
        SubgraphSpec(
            "d",
            sdl["d"],
            rows={
                "Post": [{"id": p, "comments": comments(cids)} for p, cids in by_post.items()],
                "Comment": [{"id": c, "date": "2024-01-01"} for c in authors],
            },
            resolvers={"Post.author": lambda o, _: {"id": o["comments"][0]["authorId"]}},
        ),
    ]


SUITES: dict[str, Callable[[], list[SubgraphSpec]]] = {
    "simple-requires-provides": simple_requires_provides,
    "include-skip": include_skip,
    "mutations": mutations,
    "union-interface-distributed": union_interface_distributed,
    "simple-interface-object": simple_interface_object,
    "child-type-mismatch": child_type_mismatch,
    "typename": typename,
    "null-keys": null_keys,
    "enum-intersection": enum_intersection,
    "requires-with-fragments": requires_with_fragments,
    "interface-object-with-requires": interface_object_with_requires,
    "requires-with-argument-conflict": requires_with_argument_conflict,
    "corrupted-supergraph-node-id": corrupted_supergraph_node_id,
    "requires-requires": requires_requires,
    "shared-root": shared_root,
    "simple-entity-call": simple_entity_call,
    "provides-on-union": provides_on_union,
    "provides-on-interface": provides_on_interface,
    "nested-provides": nested_provides,
    "keys-mashup": keys_mashup,
    "abstract-types": abstract_types,
    "complex-entity-call": complex_entity_call,
    "parent-entity-call": parent_entity_call,
    "parent-entity-call-complex": parent_entity_call_complex,
    "node": node,
    "fed1-external-extends": external_extends("fed1-external-extends"),
    "fed1-external-extension": external_extends("fed1-external-extension"),
    "fed2-external-extends": external_extends("fed2-external-extends"),
    "fed2-external-extension": external_extends("fed2-external-extension"),
    "fed1-external-extends-resolvable": fed1_external_extends_resolvable,
    "simple-override": override_feeds("simple-override"),
    "unavailable-override": override_feeds("unavailable-override"),
    "override-type-interface": override_type_interface,
    "override-with-requires": override_with_requires,
    "simple-inaccessible": simple_inaccessible,
    "input-object-intersection": input_object_intersection,
    "partial-union": partial_union,
    "partial-union-complex": partial_union_complex,
    "union-intersection": union_intersection,
    "mysterious-external": mysterious_external,
    "circular-reference-interface": circular_reference_interface,
    "interface-object-indirect-extension": interface_object_indirect_extension,
    "non-resolvable-interface-object": non_resolvable_interface_object,
    "requires-circular": requires_circular,
    "requires-interface": requires_interface,
    "requires-with-argument": requires_with_argument,
}
