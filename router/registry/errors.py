"""Why the registry refuses a change, as types the caller can tell apart.

The registry is not an HTTP service: it says *what* went wrong (a code a client can
act on, a message a person can read) and leaves *how to answer* to its caller.
``router.admin.api`` maps each type to an HTTP status; the poller only logs.
"""

from __future__ import annotations

from planner.compose import CompositionError


class RegistryError(Exception):
    """A change the registry refuses; nothing was written and nothing swapped."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ServiceExists(RegistryError):
    def __init__(self, name: str) -> None:
        super().__init__("SERVICE_EXISTS", f"A service named {name!r} is already registered.")
        self.name = name


class ServiceNotFound(RegistryError):
    def __init__(self, name: str) -> None:
        super().__init__("SERVICE_NOT_FOUND", f"No service named {name!r}.")
        self.name = name


class VersionNotFound(RegistryError):
    def __init__(self, version: object) -> None:
        """``version`` as the caller should see it: an id, or the text that was sent."""
        super().__init__("VERSION_NOT_FOUND", f"No supergraph version {version}.")


class SdlNotFetched(RegistryError):
    """The subgraph's SDL could not be had, so there is nothing to compose."""


class SubgraphUnreachable(SdlNotFetched):
    def __init__(self, message: str) -> None:
        super().__init__("SUBGRAPH_UNREACHABLE", message)


class SubgraphSdlInvalid(SdlNotFetched):
    def __init__(self, message: str) -> None:
        super().__init__("SUBGRAPH_SDL_INVALID", message)


class CompositionFailed(RegistryError):
    """The subgraphs do not compose; ``errors`` are the planner's, one per problem."""

    def __init__(self, errors: list[CompositionError]) -> None:
        first = errors[0] if errors else None
        super().__init__(
            first.code if first else "COMPOSITION_FAILED",
            first.message if first else "composition failed",
        )
        self.errors = errors


class InvalidSupergraph(RegistryError):
    """A supergraph SDL (just composed, or stored) the router cannot load."""

    def __init__(self, message: str) -> None:
        super().__init__("INVALID_SUPERGRAPH", message)


def sdl_not_fetched(code: str | None, message: str) -> SdlNotFetched:
    """The error for a failed SDL fetch, by the fetch's code."""
    if code == "SUBGRAPH_SDL_INVALID":
        return SubgraphSdlInvalid(message)
    return SubgraphUnreachable(message)
