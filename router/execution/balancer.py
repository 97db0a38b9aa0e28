"""Replicas of one subgraph: least-outstanding-requests balancing, ejection, probes.

Why here and not in front of the router: a subgraph often runs as a few plain
processes (or pods without a service mesh), and a client that knows every replica
can both spread the load and step around one that went away — without a proxy hop.

* **Balancing:** each request goes to the replica with the fewest requests this
  router process has outstanding on it; ties rotate, so an idle pool is round robin.
* **Passive health:** a replica that fails ``eject_after`` requests in a row with a
  connection error (refused, reset, closed before the answer) is ejected: it gets no
  requests while others are in. A success resets its count. Timeouts and HTTP errors
  do not count: the replica answered, or may still be working.
* **Probes:** ejected replicas are probed every ``probe_interval_s`` with
  ``{__typename}`` by ``SubgraphClient``; the first success lets them back in.
* **Fail open:** when every replica is ejected, requests still go to them (the least
  busy), since refusing outright cannot be better than trying.

State is per URL and shared by every subgraph and configuration that names that URL,
so a registry resync (which rebuilds the routes) keeps what was learned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Endpoint", "ReplicaPool"]


@dataclass(slots=True, eq=False)
class Endpoint:
    """One replica URL and what this router process knows about it (compared by
    identity: one object per URL per client)."""

    url: str
    outstanding: int = 0
    """Requests sent and not yet answered."""
    failures: int = 0
    """Consecutive connection failures."""
    ejected: bool = False
    requests: int = 0
    """Requests sent in total (for /health/detailed and tests)."""
    ejections: int = 0

    def report(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "ejected": self.ejected,
            "outstanding": self.outstanding,
            "consecutiveFailures": self.failures,
            "requests": self.requests,
            "ejections": self.ejections,
        }


class ReplicaPool:
    """The replicas one subgraph's requests are spread over."""

    __slots__ = ("_turn", "eject_after", "endpoints")

    def __init__(self, endpoints: tuple[Endpoint, ...], eject_after: int) -> None:
        if not endpoints:
            raise ValueError("a replica pool needs at least one URL")
        self.endpoints = endpoints
        self.eject_after = max(1, eject_after)
        self._turn = 0

    def pick(self, exclude: Endpoint | None = None) -> Endpoint | None:
        """The least busy replica that is in (any replica when all are ejected);
        None when ``exclude`` was the only one."""
        candidates = [e for e in self.endpoints if e is not exclude]
        if not candidates:
            return None
        live = [e for e in candidates if not e.ejected] or candidates
        self._turn = (self._turn + 1) % len(live)
        best = live[self._turn]
        for offset in range(1, len(live)):
            other = live[(self._turn + offset) % len(live)]
            if other.outstanding < best.outstanding:
                best = other
        return best

    def failed(self, endpoint: Endpoint) -> bool:
        """Count a connection failure; True when it ejected the replica just now."""
        endpoint.failures += 1
        if not endpoint.ejected and endpoint.failures >= self.eject_after:
            endpoint.ejected = True
            endpoint.ejections += 1
            return True
        return False

    @staticmethod
    def succeeded(endpoint: Endpoint) -> None:
        """An answer came back: the replica is (again) in."""
        endpoint.failures = 0
        endpoint.ejected = False
