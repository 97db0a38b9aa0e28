"""Refusals that belong to the admin API itself, not to the registry.

A missing token, a body that is not JSON, a route that does not exist: these are
about the HTTP request, so they carry their HTTP status. The registry's own
refusals (``router.registry.errors``) carry none; ``router.admin.api`` maps them.
"""

from __future__ import annotations


class AdminError(Exception):
    """An admin API request refused before it reached the registry."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str, status: int = 400) -> AdminError:
    return AdminError(status, "BAD_REQUEST", message)
