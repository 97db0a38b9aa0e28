"""Each registry refusal has the HTTP status docs/admin-api.md promises for it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from planner.compose import CompositionError
from router.admin.api import STATUS, http_status
from router.registry import errors
from router.registry.errors import RegistryError
from router.registry.presenters import errors_json
from tests.registry.harness import RegistryRouter


def _all_subclasses(kind: type[RegistryError]) -> list[type[RegistryError]]:
    found = []
    for sub in kind.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def test_every_refusal_type_has_a_status_of_its_own() -> None:
    for kind in _all_subclasses(RegistryError):
        assert any(base in STATUS for base in kind.__mro__), kind.__name__


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (errors.ServiceExists("a"), 409, "SERVICE_EXISTS"),
        (errors.ServiceNotFound("a"), 404, "SERVICE_NOT_FOUND"),
        (errors.VersionNotFound(7), 404, "VERSION_NOT_FOUND"),
        (errors.sdl_not_fetched("SUBGRAPH_UNREACHABLE", "down"), 422, "SUBGRAPH_UNREACHABLE"),
        (errors.sdl_not_fetched("SUBGRAPH_SDL_INVALID", "no sdl"), 422, "SUBGRAPH_SDL_INVALID"),
        (errors.sdl_not_fetched(None, "?"), 422, "SUBGRAPH_UNREACHABLE"),
        (errors.InvalidSupergraph("bad"), 422, "INVALID_SUPERGRAPH"),
    ],
)
def test_status_and_body(error: RegistryError, status: int, code: str) -> None:
    assert http_status(error) == status
    assert errors_json(error) == [{"message": error.message, "extensions": {"code": code}}]


def test_a_composition_failure_is_one_error_per_planner_error() -> None:
    found = [
        CompositionError("FIELD_TYPE_MISMATCH", "m1", ("a", "b"), ("T.f",)),
        CompositionError("INVALID_FIELD_SHARING", "m2"),
    ]
    error = errors.CompositionFailed(found)
    assert http_status(error) == 422
    assert (error.code, error.message) == ("FIELD_TYPE_MISMATCH", "m1")
    assert errors_json(error) == [
        {
            "message": "m1",
            "extensions": {
                "code": "FIELD_TYPE_MISMATCH",
                "subgraphs": ["a", "b"],
                "elements": ["T.f"],
            },
        },
        {
            "message": "m2",
            "extensions": {"code": "INVALID_FIELD_SHARING", "subgraphs": [], "elements": []},
        },
    ]


def test_messages_name_what_was_not_found() -> None:
    assert errors.ServiceNotFound("x").message == "No service named 'x'."
    assert errors.ServiceExists("x").message == "A service named 'x' is already registered."
    assert errors.VersionNotFound(3).message == "No supergraph version 3."
    assert errors.VersionNotFound(repr("abc")).message == "No supergraph version 'abc'."


def test_not_found_answers_over_http(
    database: str, start_router: Callable[..., RegistryRouter]
) -> None:
    router = start_router(database)
    cases = [
        ("GET", "/supergraphs/abc", "VERSION_NOT_FOUND", "No supergraph version 'abc'."),
        ("GET", "/supergraphs/5", "VERSION_NOT_FOUND", "No supergraph version 5."),
        ("GET", "/supergraphs/5/diff", "VERSION_NOT_FOUND", "No supergraph version 5."),
        ("POST", "/supergraphs/5/activate", "VERSION_NOT_FOUND", "No supergraph version 5."),
        ("GET", "/services/nobody", "SERVICE_NOT_FOUND", "No service named 'nobody'."),
        ("DELETE", "/services/nobody", "SERVICE_NOT_FOUND", "No service named 'nobody'."),
        ("GET", "/nowhere", "NOT_FOUND", "No admin API route /admin/api/nowhere."),
    ]
    for method, path, code, message in cases:
        response = router.admin(method, path)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"errors": [{"message": message, "extensions": {"code": code}}]}
    too_big = router.admin("POST", "/services", content=b"{" + b" " * 70_000 + b"}")
    assert too_big.status_code == 413
    assert too_big.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
