"""Router settings: one immutable dataclass, from router.yaml and environment variables.

Every knob has a safe default so ``gateway serve --supergraph FILE`` needs nothing
else. Layers, weakest first: these defaults, ``router.yaml`` (``router.config.loader``),
``GATEWAY_*`` variables (``Settings.from_env``), command-line options
(``Settings.with_overrides``). Keys and variables are listed in docs/router.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from router.cache.settings import CacheSettings, PersistedOperationsSettings
from router.config.auth import AuthSettings
from router.config.records import AuditSettings, UsageSettings, records_from_env
from router.config.traffic import RateLimitSettings

ENV_PREFIX = "GATEWAY_"


class SettingsError(ValueError):
    """An environment variable holds a value of the wrong type."""


@dataclass(frozen=True, slots=True)
class SubgraphSettings:
    """How the router talks to one subgraph (used by ``router.execution.subgraph_client``).

    ``timeout_s`` None means the router-wide ``subgraph_timeout``;
    ``forward_headers`` are names of client request headers copied onto this
    subgraph's requests (case-insensitive); ``use_msgpack`` asks the subgraph for
    MessagePack answers; ``urls``, when set, are the replicas requests are balanced
    over instead of the supergraph's URL. File mode reads them from
    ``GATEWAY_SUBGRAPH_TIMEOUTS``, ``GATEWAY_SUBGRAPH_HEADERS``,
    ``GATEWAY_SUBGRAPH_MSGPACK`` and router.yaml; registry mode from each service's
    stored row."""

    timeout_s: float | None = None
    forward_headers: tuple[str, ...] = ()
    use_msgpack: bool = False
    urls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SubgraphOverrides:
    """One entry of ``subgraphs:`` in router.yaml, before the ``GATEWAY_SUBGRAPH_*``
    variables are merged in (``Settings.subgraph_settings``). ``use_msgpack`` None
    means "as for every subgraph"."""

    timeout_s: float | None = None
    forward_headers: tuple[str, ...] = ()
    use_msgpack: bool | None = None
    urls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RegistrySettings:
    """``registry:`` from router.yaml (registry mode). The registry's own variables
    (``DATABASE_URL``, ``GATEWAY_ADMIN_TOKEN``, ...) win over these:
    ``router.config.registry.registry_config`` resolves the two into a
    ``RegistryConfig``. Defaults are ``RegistryConfig``'s."""

    database_url: str = "sqlite+aiosqlite:///gateway.sqlite3"
    admin_token: str | None = None
    poll_interval_s: float = 30.0
    fallback: str = "cached"
    sync_interval_s: float = 2.0
    fetch_timeout_s: float = 5.0


@dataclass(frozen=True, slots=True)
class CorsSettings:
    """Cross-origin access for browsers (``cors:`` in router.yaml). Off unless
    origins are listed: no CORS headers are sent by default."""

    allow_origins: tuple[str, ...] = ()
    """Exact origins allowed (``https://app.example.com``); ``*`` allows any origin."""
    allow_credentials: bool = False
    allow_headers: tuple[str, ...] = ("content-type", "authorization", "x-api-key")
    allow_methods: tuple[str, ...] = ("GET", "POST", "OPTIONS")
    expose_headers: tuple[str, ...] = ()
    max_age_s: int = 600
    """How long a browser may cache a preflight answer."""


DEFAULT_CSRF_HEADERS = (
    "x-apollo-operation-name",
    "apollo-require-preflight",
    "x-graphql-client-name",
)


@dataclass(frozen=True, slots=True)
class PluginSpec:
    """One plugin to load (``plugins:`` in router.yaml): ``module:Class`` and its options."""

    factory: str
    options: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable about one router process."""

    supergraph: str | None = None
    """Path of the supergraph SDL file (``GATEWAY_SUPERGRAPH``)."""
    host: str = "127.0.0.1"
    """Listen address; use ``0.0.0.0`` inside containers."""
    port: int = 4000
    max_body_bytes: int = 2 * 1024 * 1024
    """Largest accepted request body; larger ones get 413."""
    max_depth: int = 100
    """Deepest selection nesting accepted (fragments expanded)."""
    max_aliases: int = 1000
    """Most aliases accepted in one document."""
    max_fields: int = 50_000
    """Most field selections in an operation once fragments are expanded."""
    subgraph_timeout: float = 30.0
    """Seconds one subgraph request may take in total."""
    subgraph_timeouts: str = ""
    """Per-subgraph overrides, ``"name=seconds,name=seconds"`` (e.g. ``"search=5"``)."""
    subgraph_headers: str = ""
    """Client headers to forward, ``"name=header|header,..."``; name ``*`` = every subgraph."""
    subgraph_msgpack: str = ""
    """Subgraphs asked for MessagePack answers, ``"name,name"``; ``*`` = every subgraph."""
    max_subgraph_requests: int = 256
    """Concurrent subgraph requests across the whole process."""
    subgraph_keepalive_s: float = 4.0
    """Seconds an idle pooled subgraph connection is kept; shorter than common
    servers' own keep-alive (5 s in uvicorn and Node) so the router closes first."""
    subgraph_eject_after: int = 3
    """Consecutive connection failures after which a subgraph replica (one of a
    subgraph's ``urls``) gets no requests until a probe finds it answering again."""
    subgraph_probe_interval_s: float = 2.0
    """Seconds between probes of ejected subgraph replicas."""
    document_cache_size: int = 1024
    """Compiled documents kept (LRU, keyed by a hash of the document text)."""
    document_cache_bytes: int = 256 * 1024 * 1024
    """Estimated bytes the compiled-document caches (router and planner, refusals
    included) may hold; least recently used entries go first."""
    max_planning_ms: int = 3000
    """Milliseconds a request waits for its uncached document to be parsed, validated
    and planned (off the event loop) before it gets 400 ``QUERY_PLANNING_TIMEOUT``."""
    max_introspection_fields: int = 10
    """Most ``__schema``/``__type`` root fields in one operation (each is a schema walk)."""
    plan_cache_size: int = 1024
    planning_budget_s: float = 2.0
    plan_warmup_max_operations: int = 100
    """On a reload, the old state's most recently used operations prepared against the
    new supergraph before it goes live (0: no warm-up)."""
    plan_warmup_budget_s: float = 5.0
    """Seconds the warm-up may take before the new supergraph goes live anyway."""
    """Seconds planning one operation may take; past it the request gets
    ``QUERY_PLANNING_FAILED`` instead of holding the worker (0: no limit)."""
    reload: bool = True
    """Watch the supergraph file and swap the schema when it changes."""
    reload_poll_interval: float = 1.0
    """Seconds between checks of the supergraph file for changes."""
    introspection: bool = True
    graphiql: bool = True
    log_level: str = "info"
    log_format: str = "auto"
    """``json``, ``console`` (key=value) or ``auto``: JSON unless stderr is a terminal."""
    access_log: bool = False
    """One structured log line per GraphQL request (errors are logged either way)."""
    tracing: bool = False
    """OpenTelemetry tracing; off, the request path creates no spans at all."""
    trace_sampling_ratio: float = 1.0
    """Share of new traces recorded (parent-based: a client's sampled flag wins)."""
    traces_exporter: str = "otlp"
    """``otlp`` (``OTEL_EXPORTER_OTLP_*`` variables), ``console`` or ``none``."""
    max_operation_labels: int = 200
    """Distinct (operation name, hash, client) label sets per-operation metrics keep;
    later ones are counted under ``other``, bounding the series a scrape returns."""
    workers: int = 1
    """Server processes sharing the port (``auto`` in router.yaml = one per core)."""
    shutdown_grace_s: float = 10.0
    """Seconds in-flight requests get to finish after SIGTERM/SIGINT before plugins stop."""
    header_read_timeout_s: float = 10.0
    """Seconds a client has to send a request's headers, from connecting (or from the
    first byte of a later request on the connection); slow or silent ones are closed."""
    body_read_timeout_s: float = 30.0
    """Seconds a client has to send a request's whole body once its headers are in;
    a body trickled slower is answered 408 ``REQUEST_TIMEOUT`` and the connection closed."""
    keep_alive_timeout_s: float = 5.0
    """Seconds an idle keep-alive client connection stays open between requests."""
    max_connections: int = 2048
    """Open client connections per process; connections beyond it are closed at once."""
    health_details: bool = False
    """Show subgraph URLs, errors and the supergraph path on ``/health/detailed`` to
    anyone; otherwise only to requests bearing the admin token."""
    csrf: bool = True
    """Refuse requests a browser could send without a CORS preflight (Apollo's CSRF rule)."""
    csrf_required_headers: tuple[str, ...] = DEFAULT_CSRF_HEADERS
    """Any one of these headers makes a simple (non-preflighted) request acceptable."""
    cors: CorsSettings = field(default_factory=CorsSettings)
    plugins: tuple[PluginSpec, ...] = ()
    """Extra plugins, loaded in order after the built-in ones."""
    rate_limit: RateLimitSettings = field(default_factory=RateLimitSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    subgraphs: tuple[tuple[str, SubgraphOverrides], ...] = ()
    """``subgraphs:`` from router.yaml by name (``*`` = every subgraph); the
    ``GATEWAY_SUBGRAPH_*`` variables are merged over them by ``subgraph_settings``."""
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    """``registry:`` from router.yaml (registry mode only)."""
    checks_window_days: float = 7.0
    """Registry mode: a service change that breaks an operation seen in this many
    days is refused (409 ``BREAKING_CHANGE``) unless forced (docs/schema-checks.md)."""
    usage: UsageSettings = field(default_factory=UsageSettings)
    """``usage:``: per-request usage statistics (router/usage)."""
    audit: AuditSettings = field(default_factory=AuditSettings)
    """``audit:``: the audit trail (router/audit)."""
    cache: CacheSettings = field(default_factory=CacheSettings)
    """``cache:``: the response and entity caches (off by default)."""
    persisted_operations: PersistedOperationsSettings = field(
        default_factory=PersistedOperationsSettings
    )
    """``persisted_operations:``: APQ and trusted documents (off by default)."""

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, base: Settings | None = None
    ) -> Settings:
        """Read ``GATEWAY_<FIELD>`` variables over ``base`` (router.yaml's settings, or
        the defaults); unknown or empty ones are ignored."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in _ENV_FIELDS:
                continue
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, str(f.type), raw)
        current = base or _DEFAULTS
        values.update(records_from_env(env, current.usage, current.audit))
        return cls(**values) if base is None else replace(base, **values)

    def timeouts_by_subgraph(self) -> dict[str, float]:
        """``subgraph_timeouts`` parsed; raises ``SettingsError`` on a malformed entry."""
        out: dict[str, float] = {}
        for entry in self.subgraph_timeouts.split(","):
            if not entry.strip():
                continue
            name, sep, seconds = entry.partition("=")
            try:
                if not sep or not name.strip():
                    raise ValueError(entry)
                out[name.strip()] = float(seconds)
            except ValueError as exc:
                raise SettingsError(
                    f"GATEWAY_SUBGRAPH_TIMEOUTS entry {entry.strip()!r} is not name=seconds"
                ) from exc
        return out

    def headers_by_subgraph(self) -> dict[str, tuple[str, ...]]:
        """``subgraph_headers`` parsed (names lower-cased); ``*`` applies to every subgraph."""
        out: dict[str, tuple[str, ...]] = {}
        for entry in self.subgraph_headers.split(","):
            if not entry.strip():
                continue
            name, sep, names = entry.partition("=")
            headers = tuple(h.strip().lower() for h in names.split("|") if h.strip())
            if not sep or not name.strip() or not headers:
                raise SettingsError(
                    f"GATEWAY_SUBGRAPH_HEADERS entry {entry.strip()!r} is not name=header|header"
                )
            out[name.strip()] = tuple(dict.fromkeys(out.get(name.strip(), ()) + headers))
        return out

    def msgpack_subgraphs(self) -> frozenset[str]:
        """``subgraph_msgpack`` parsed; ``*`` means every subgraph."""
        return frozenset(n.strip() for n in self.subgraph_msgpack.split(",") if n.strip())

    def subgraph_settings(self) -> tuple[SubgraphSettings, dict[str, SubgraphSettings]]:
        """(settings for any subgraph, settings by subgraph name) from router.yaml's
        ``subgraphs:`` and the three ``GATEWAY_SUBGRAPH_*`` variables.

        A variable's entry for a name replaces the file's value for that name (timeout,
        headers); a subgraph named in ``GATEWAY_SUBGRAPH_MSGPACK`` gets MessagePack
        whatever the file says (a variable can turn it on, not off). A named subgraph's
        headers add to ``*``'s; its ``use_msgpack`` (when given) replaces ``*``'s."""
        timeouts = self.timeouts_by_subgraph()
        headers = self.headers_by_subgraph()
        msgpack = self.msgpack_subgraphs()
        from_file = dict(self.subgraphs)
        every = from_file.pop("*", SubgraphOverrides())
        every_header = headers.pop("*", every.forward_headers)
        every_msgpack = "*" in msgpack or bool(every.use_msgpack)
        default = SubgraphSettings(None, every_header, every_msgpack)
        named: dict[str, SubgraphSettings] = {}
        for name in sorted((set(timeouts) | set(headers) | msgpack | set(from_file)) - {"*"}):
            own = from_file.get(name, SubgraphOverrides())
            use_msgpack = every_msgpack if own.use_msgpack is None else own.use_msgpack
            named[name] = SubgraphSettings(
                timeouts.get(name, own.timeout_s),
                tuple(dict.fromkeys(every_header + headers.get(name, own.forward_headers))),
                "*" in msgpack or name in msgpack or use_msgpack,
                own.urls,
            )
        return default, named

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given non-None values replaced (CLI options win over env)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


_DEFAULTS = Settings()

_ENV_FIELDS = frozenset(
    f.name for f in fields(Settings) if str(f.type).split(" ")[0] in {"int", "float", "bool", "str"}
)
"""Settings readable from one ``GATEWAY_<NAME>`` variable (scalars; sections come from
router.yaml)."""


def _convert(name: str, type_name: str, raw: str) -> Any:
    try:
        if type_name.startswith("int"):
            return int(raw)
        if type_name.startswith("float"):
            return float(raw)
        if type_name.startswith("bool"):
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
    except ValueError as exc:
        env_name = ENV_PREFIX + name.upper()
        raise SettingsError(f"{env_name}={raw!r} is not a valid {type_name}") from exc
    return raw
