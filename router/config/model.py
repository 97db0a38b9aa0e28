"""The shape of router.yaml: one pydantic model per section, mapped onto ``Settings``.

Every model forbids unknown keys and checks types strictly (``"10"`` is not a
number; an ``${env.NAME}`` substitution is converted like a ``GATEWAY_*`` variable,
see ``router.config.interpolate``). Defaults are read from ``Settings()`` so the file,
the variables and the code cannot disagree.

Adding a section (``auth:``, ``rate_limit:``, ...) is one ``Section`` subclass whose
``settings()`` returns the ``Settings`` fields it sets, plus one field on
``RouterFile``; the loader, the error messages, ``gateway config schema`` and the
docs test pick it up from the model.
"""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from router.auth.api_keys.settings import ApiKeySettings
from router.auth.jwt.settings import JwtSettings, JwtSettingsError
from router.cache.settings import (
    CacheInvalidationSettings,
    CacheSettings,
    PersistedOperationsSettings,
)
from router.config.auth import AuthSettings, IdentityForwarding
from router.config.interpolate import EnvText, plain
from router.config.records import AuditSettings, UsageSettings
from router.config.settings import (
    CorsSettings,
    PluginSpec,
    RegistrySettings,
    Settings,
    SubgraphOverrides,
)
from router.config.traffic import RATE_LIMIT_KEYS, RateLimitSettings

_SETTINGS = Settings()
_CORS = CorsSettings()
_REGISTRY = RegistrySettings()
_RATE = RateLimitSettings()
_AUTH = AuthSettings()
_KEYS = ApiKeySettings()
_USAGE = UsageSettings()
_AUDIT = AuditSettings()
_CACHE = CacheSettings()
_INVALIDATION = CacheInvalidationSettings()
_PERSISTED = PersistedOperationsSettings()

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _number_from_env(kind: type[int] | type[float]) -> BeforeValidator:
    """Text from ``${env...}`` becomes a number when it reads as one; text written
    in the file stays text (and fails the strict type check)."""

    def convert(value: Any) -> Any:
        if isinstance(value, EnvText):
            try:
                return kind(value.strip())
            except ValueError:
                return str(value)
        return value

    return BeforeValidator(convert)


def _bool_from_env(value: Any) -> Any:
    if isinstance(value, EnvText):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        return str(value)
    return value


def _workers(value: Any) -> Any:
    if isinstance(value, str) and value.strip() == "auto":
        return os.cpu_count() or 1
    if isinstance(value, EnvText):
        try:
            return int(value.strip())
        except ValueError:
            pass
    if isinstance(value, str):
        raise ValueError(f'expected an integer or "auto", got "{value}"')
    return value


def _header_name(value: str) -> str:
    if not value or any(c in _NOT_IN_TOKEN or not 32 < ord(c) < 127 for c in value):
        raise ValueError(f'"{value}" is not an HTTP header name')
    return value.lower()


_NOT_IN_TOKEN = frozenset('"(),/:;<=>?@[\\]{}')


def _subgraph_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f'expected an http:// or https:// URL, got "{value}"')
    return value


def _method(value: str) -> str:
    if not value.isascii() or not value.isalpha():
        raise ValueError(f'"{value}" is not an HTTP method')
    return value.upper()


def _origin(value: str) -> str:
    if value == "*":
        return value
    parts = urlsplit(value)
    if (
        parts.scheme not in {"http", "https"}
        or not parts.netloc
        or parts.path
        or parts.query
        or parts.fragment
    ):
        raise ValueError(f'expected an origin like "https://app.example.com" or "*", got "{value}"')
    return value


def _factory(value: str) -> str:
    module, sep, attribute = value.partition(":")
    parts = [*module.split("."), *attribute.split(".")]
    if not sep or not all(part.isidentifier() for part in parts):
        raise ValueError(f'expected "package.module:Factory", got "{value}"')
    return value


Flag = Annotated[bool, BeforeValidator(_bool_from_env)]
Count = Annotated[int, Field(ge=0), _number_from_env(int)]
Positive = Annotated[int, Field(ge=1), _number_from_env(int)]
Port = Annotated[int, Field(ge=0, le=65535), _number_from_env(int)]
Seconds = Annotated[float, Field(ge=0), _number_from_env(float)]
PositiveSeconds = Annotated[float, Field(gt=0), _number_from_env(float)]
Text = Annotated[str, Field(min_length=1)]
HeaderName = Annotated[str, AfterValidator(_header_name)]
SubgraphUrl = Annotated[str, AfterValidator(_subgraph_url)]
Method = Annotated[str, AfterValidator(_method)]
Origin = Annotated[str, AfterValidator(_origin)]
Workers = Annotated[
    int,
    Field(ge=1),
    BeforeValidator(_workers),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1}, {"const": "auto"}]}),
]
LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]


class Section(BaseModel):
    """A mapping in router.yaml: unknown keys and loose types are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    def settings(self) -> dict[str, Any]:
        """The ``Settings`` fields this section sets; by default its own fields."""
        return {name: getattr(self, name) for name in type(self).model_fields}


class SupergraphSection(Section):
    """Where the schema comes from. No ``path``: the service registry (``registry:``)."""

    path: Text | None = Field(
        default=_SETTINGS.supergraph,
        description="Supergraph SDL file, relative to this file's directory.",
    )
    reload: Flag = Field(
        default=_SETTINGS.reload, description="Watch the file; swap the schema when it changes."
    )
    reload_poll_interval_s: PositiveSeconds = Field(
        default=_SETTINGS.reload_poll_interval, description="Seconds between checks of the file."
    )

    def settings(self) -> dict[str, Any]:
        return {
            "supergraph": self.path,
            "reload": self.reload,
            "reload_poll_interval": self.reload_poll_interval_s,
        }


class ListenSection(Section):
    """The address the router binds."""

    host: Text = Field(default=_SETTINGS.host, description="0.0.0.0 inside containers.")
    port: Port = _SETTINGS.port


class LimitsSection(Section):
    """What one request may cost, checked before any subgraph is called."""

    max_body_bytes: Positive = Field(
        default=_SETTINGS.max_body_bytes, description="Larger bodies get 413."
    )
    max_depth: Positive = Field(
        default=_SETTINGS.max_depth, description="Deepest selection nesting (fragments expanded)."
    )
    max_aliases: Count = Field(default=_SETTINGS.max_aliases, description="Aliases per document.")
    max_fields: Positive = Field(
        default=_SETTINGS.max_fields, description="Field selections once fragments are expanded."
    )
    document_cache_size: Positive = Field(
        default=_SETTINGS.document_cache_size, description="Prepared operations kept (LRU)."
    )
    plan_cache_size: Positive = Field(
        default=_SETTINGS.plan_cache_size, description="The query planner's plan cache."
    )
    planning_budget_s: Seconds = Field(
        default=_SETTINGS.planning_budget_s,
        description="Seconds planning one operation may take (QUERY_PLANNING_FAILED past it; "
        "0 = no limit).",
    )
    max_subgraph_requests: Positive = Field(
        default=_SETTINGS.max_subgraph_requests,
        description="Concurrent subgraph requests across the process.",
    )
    document_cache_bytes: Positive = Field(
        default=_SETTINGS.document_cache_bytes,
        description="Byte budget of the compiled-operation and plan caches.",
    )
    max_planning_ms: Positive = Field(
        default=_SETTINGS.max_planning_ms,
        description="Milliseconds a request waits for its uncached document to compile "
        "(400 QUERY_PLANNING_TIMEOUT past it).",
    )
    max_introspection_fields: Count = Field(
        default=_SETTINGS.max_introspection_fields,
        description="__schema / __type fields per operation.",
    )


class ServerSection(Section):
    """Connection hygiene: slow, idle and excess client connections are closed."""

    header_read_timeout_s: PositiveSeconds = Field(
        default=_SETTINGS.header_read_timeout_s,
        description="Seconds a new connection has to send its request headers.",
    )
    body_read_timeout_s: PositiveSeconds = Field(
        default=_SETTINGS.body_read_timeout_s,
        description="Seconds a request has to send its whole body (then 408 REQUEST_TIMEOUT).",
    )
    keep_alive_timeout_s: PositiveSeconds = Field(
        default=_SETTINGS.keep_alive_timeout_s,
        description="Seconds an idle keep-alive connection is kept open.",
    )
    max_connections: Positive = Field(
        default=_SETTINGS.max_connections, description="Open client connections per process."
    )


class HealthSection(Section):
    """What /health/detailed shows to callers without the admin token."""

    details_public: Flag = Field(
        default=_SETTINGS.health_details,
        description="Show subgraph URLs, the supergraph path and error texts to anyone.",
    )

    def settings(self) -> dict[str, Any]:
        return {"health_details": self.details_public}


class TracingSection(Section):
    """OpenTelemetry traces; exporters read the standard ``OTEL_*`` variables."""

    enabled: Flag = Field(default=_SETTINGS.tracing, description="Record spans.")
    sampling_ratio: Annotated[float, Field(ge=0, le=1), _number_from_env(float)] = Field(
        default=_SETTINGS.trace_sampling_ratio,
        description="Share of new traces kept (parent-based).",
    )
    exporter: Literal["otlp", "console", "none"] = Field(
        default="otlp", description="otlp uses OTEL_EXPORTER_OTLP_* (HTTP or gRPC)."
    )


class TelemetrySection(Section):
    """Traces, structured logs and per-operation metrics."""

    tracing: TracingSection = Field(default_factory=TracingSection)
    log_format: Literal["auto", "json", "console"] = Field(
        default="auto", description="auto: JSON unless stderr is a terminal."
    )
    access_log: Flag = Field(
        default=_SETTINGS.access_log, description="One log line per GraphQL request."
    )
    max_operation_labels: Positive = Field(
        default=_SETTINGS.max_operation_labels,
        description="Operation label sets kept by per-operation metrics; the rest: other.",
    )

    def settings(self) -> dict[str, Any]:
        return {
            "tracing": self.tracing.enabled,
            "trace_sampling_ratio": self.tracing.sampling_ratio,
            "traces_exporter": self.tracing.exporter,
            "log_format": self.log_format,
            "access_log": self.access_log,
            "max_operation_labels": self.max_operation_labels,
        }


class PlanWarmupSection(Section):
    """On a reload, the busiest operations are planned against the new schema first."""

    max_operations: Count = Field(
        default=_SETTINGS.plan_warmup_max_operations,
        description="Most recently used operations prepared before the swap (0 = off).",
    )
    budget_s: PositiveSeconds = Field(
        default=_SETTINGS.plan_warmup_budget_s,
        description="Seconds the warm-up may take; the new schema goes live after it.",
    )

    def settings(self) -> dict[str, Any]:
        return {
            "plan_warmup_max_operations": self.max_operations,
            "plan_warmup_budget_s": self.budget_s,
        }


class SubgraphSection(Section):
    """Request settings for one named subgraph; unset keys follow ``all``."""

    timeout_s: PositiveSeconds | None = Field(
        default=None, description="Total seconds for one request (default: all.timeout_s)."
    )
    headers: list[HeaderName] = Field(
        default=[], description="Client request headers forwarded (added to all.headers)."
    )
    use_msgpack: Flag | None = Field(
        default=None, description="Ask for MessagePack answers (default: all.use_msgpack)."
    )
    urls: list[SubgraphUrl] = Field(
        default=[],
        description="Replicas balanced over instead of the supergraph's URL (none: that URL).",
    )


class AllSubgraphsSection(Section):
    """Request settings for every subgraph."""

    timeout_s: PositiveSeconds = Field(
        default=_SETTINGS.subgraph_timeout, description="Total seconds for one request."
    )
    headers: list[HeaderName] = Field(
        default=[], description="Client request headers forwarded to every subgraph."
    )
    use_msgpack: Flag = Field(default=False, description="Ask every subgraph for MessagePack.")
    keepalive_s: PositiveSeconds = Field(
        default=_SETTINGS.subgraph_keepalive_s,
        description="Seconds an idle pooled subgraph connection is kept (below servers' own).",
    )
    eject_after: Positive = Field(
        default=_SETTINGS.subgraph_eject_after,
        description="Consecutive connection failures that take a replica URL out of rotation.",
    )
    probe_interval_s: PositiveSeconds = Field(
        default=_SETTINGS.subgraph_probe_interval_s,
        description="Seconds between probes of replica URLs taken out of rotation.",
    )


class SubgraphsSection(Section):
    """``all`` plus one entry per subgraph name (names as in the supergraph)."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    __pydantic_extra__: dict[str, SubgraphSection] = Field(init=False)

    all: AllSubgraphsSection = Field(default_factory=AllSubgraphsSection)

    def named(self) -> dict[str, SubgraphSection]:
        return dict(self.__pydantic_extra__ or {})

    def settings(self) -> dict[str, Any]:
        every = self.all
        entries: list[tuple[str, SubgraphOverrides]] = []
        if every.headers or every.use_msgpack:
            entries.append(("*", SubgraphOverrides(None, tuple(every.headers), every.use_msgpack)))
        for name, own in self.named().items():
            entries.append(
                (
                    name,
                    SubgraphOverrides(
                        own.timeout_s, tuple(own.headers), own.use_msgpack, tuple(own.urls)
                    ),
                )
            )
        return {
            "subgraph_timeout": every.timeout_s,
            "subgraph_keepalive_s": every.keepalive_s,
            "subgraph_eject_after": every.eject_after,
            "subgraph_probe_interval_s": every.probe_interval_s,
            "subgraphs": tuple(entries),
        }


class CorsSection(Section):
    """Cross-origin access for browsers; nothing is sent unless origins are listed."""

    allow_origins: list[Origin] = Field(
        default=list(_CORS.allow_origins), description='Exact origins; "*" = any origin.'
    )
    allow_credentials: Flag = _CORS.allow_credentials
    allow_headers: list[HeaderName] = list(_CORS.allow_headers)
    allow_methods: list[Method] = list(_CORS.allow_methods)
    expose_headers: list[HeaderName] = list(_CORS.expose_headers)
    max_age_s: Count = Field(
        default=_CORS.max_age_s, description="How long a browser may cache a preflight answer."
    )

    @field_validator("allow_credentials")
    @classmethod
    def _credentials_need_exact_origins(cls, value: bool, info: ValidationInfo) -> bool:
        if value and "*" in info.data.get("allow_origins", ()):
            raise ValueError('cannot be true when allow_origins contains "*" (list the origins)')
        return value

    def settings(self) -> dict[str, Any]:
        return {
            "cors": CorsSettings(
                allow_origins=tuple(self.allow_origins),
                allow_credentials=self.allow_credentials,
                allow_headers=tuple(self.allow_headers),
                allow_methods=tuple(self.allow_methods),
                expose_headers=tuple(self.expose_headers),
                max_age_s=self.max_age_s,
            )
        }


class CsrfSection(Section):
    """Refuse requests a browser could send cross-site without a CORS preflight."""

    enabled: Flag = _SETTINGS.csrf
    required_headers: list[HeaderName] = Field(
        default=list(_SETTINGS.csrf_required_headers),
        description="Any one of these makes a non-preflighted request acceptable.",
    )

    def settings(self) -> dict[str, Any]:
        return {"csrf": self.enabled, "csrf_required_headers": tuple(self.required_headers)}


class PluginSection(Section):
    """One extra plugin: ``package.module:Factory`` called with ``options``."""

    factory: Annotated[str, AfterValidator(_factory)]
    options: Annotated[dict[str, Any], AfterValidator(plain)] = {}

    def spec(self) -> PluginSpec:
        return PluginSpec(self.factory, tuple(self.options.items()))


class RegistrySection(Section):
    """The service registry (used when no supergraph path is given). The variables
    (``DATABASE_URL``, ``GATEWAY_ADMIN_TOKEN``, ...) win over these keys."""

    database_url: Text = Field(
        default=str(_REGISTRY.database_url),
        description="SQLAlchemy URL; postgresql://user@host/db in production.",
    )
    admin_token: str | None = Field(
        default=_REGISTRY.admin_token, description="Bearer token for /admin/api; null = off."
    )
    poll_interval_s: Seconds = Field(
        default=_REGISTRY.poll_interval_s, description="Seconds between SDL re-fetches; 0 = never."
    )
    fallback: Literal["cached", "drop", "degrade"] = Field(
        default="cached", description="What to do with a subgraph whose SDL fetch fails."
    )
    sync_interval_s: Seconds = Field(
        default=_REGISTRY.sync_interval_s,
        description="Seconds between checks of the active supergraph in the database.",
    )
    fetch_timeout_s: PositiveSeconds = Field(
        default=_REGISTRY.fetch_timeout_s, description="Most seconds one SDL fetch may take."
    )

    def settings(self) -> dict[str, Any]:
        return {"registry": RegistrySettings(**super().settings())}


class ChecksSection(Section):
    """Schema checks of service changes in registry mode (docs/schema-checks.md)."""

    window_days: Annotated[float, Field(gt=0), _number_from_env(float)] = Field(
        default=_SETTINGS.checks_window_days,
        description="Days of recorded operations a service change must not break.",
    )

    def settings(self) -> dict[str, Any]:
        return {"checks_window_days": self.window_days}


def _rate(value: str) -> str:
    from limits import parse

    try:
        parse(value)
    except ValueError as exc:
        raise ValueError(f"expected a rate like '100/minute', got {value!r}") from exc
    return value


def _rate_key(value: str) -> str:
    if value in RATE_LIMIT_KEYS or (value.startswith("header:") and _header_name(value[7:])):
        return value.lower() if value.startswith("header:") else value
    raise ValueError(f"expected api_key, subject, ip or header:NAME, got {value!r}")


Rate = Annotated[str, AfterValidator(_rate)]


class RateLimitSection(Section):
    """Requests allowed per client, counted in Redis (shared) or in memory."""

    enabled: Flag = Field(default=_RATE.enabled, description="Turn rate limiting on.")
    by: Annotated[str, AfterValidator(_rate_key)] = Field(
        default=_RATE.by, description="api_key, subject, ip or header:NAME."
    )
    limit: Rate = Field(default=_RATE.limit, description="The default limit, e.g. 100/minute.")
    burst: Positive | None = Field(
        default=_RATE.burst, description="At most this many requests in any one second."
    )
    strategy: Literal["moving-window", "fixed-window", "sliding-window-counter"] = "moving-window"
    redis_url: Text | None = Field(
        default=_RATE.redis_url, description="Shared counters; REDIS_URL when null; else memory."
    )
    on_backend_error: Literal["allow", "deny"] = Field(
        default="allow", description="While Redis is unreachable."
    )
    overrides: dict[str, Rate] = Field(
        default={}, description="Limits for given client ids (an API key's own limit wins)."
    )
    count_usage: Flag = Field(
        default=_RATE.count_usage, description="Count requests per API key per minute."
    )

    def settings(self) -> dict[str, Any]:
        values = super().settings()
        values["overrides"] = tuple(self.overrides.items())
        return {"rate_limit": RateLimitSettings(**values)}


def _jwt(value: dict[str, Any]) -> JwtSettings:
    try:
        return JwtSettings.from_mapping(value)
    except (JwtSettingsError, TypeError) as exc:
        raise ValueError(str(exc)) from exc


class ForwardSection(Section):
    """Headers that carry the caller's identity to every subgraph; unset = not sent."""

    client_id: HeaderName | None = Field(default=None, description="e.g. x-client-id")
    scopes: HeaderName | None = Field(default=None, description="e.g. x-client-scopes")
    claims: HeaderName | None = Field(
        default=None, description="e.g. x-client-claims: the JWT claims as JSON"
    )


class ApiKeysSection(Section):
    """API keys from the registry database (``gateway keys create``, ``/admin/api/keys``)."""

    enabled: Flag = Field(default=False, description="Accept x-api-key / Authorization: ApiKey.")
    database_url: Text | None = Field(
        default=_KEYS.database_url, description="Where the keys are; null = DATABASE_URL."
    )
    cache_ttl_s: Seconds = Field(
        default=_KEYS.cache_ttl_s,
        description="Seconds a looked-up key is trusted (bounds revocation delay; at most 5).",
    )
    negative_cache_ttl_s: Seconds = Field(
        default=_KEYS.negative_cache_ttl_s, description="Seconds an unknown id stays refused."
    )
    negative_cache_size: Positive = Field(
        default=_KEYS.negative_cache_size, description="Most unknown ids remembered."
    )
    max_concurrent_lookups: Positive = Field(
        default=_KEYS.max_concurrent_lookups, description="Database lookups in flight at once."
    )
    flush_interval_s: PositiveSeconds = Field(
        default=_KEYS.flush_interval_s, description="Seconds between batched last_used_at writes."
    )
    max_key_length: Positive = Field(
        default=_KEYS.max_key_length, description="Longer credentials are refused unread."
    )

    def build(self) -> ApiKeySettings | None:
        if not self.enabled:
            return None
        values = {k: v for k, v in super().settings().items() if k != "enabled"}
        try:
            return ApiKeySettings(**values)
        except ValueError as exc:
            raise ValueError(str(exc)) from exc


class AuthSection(Section):
    """Who may call: API keys, JWTs, and what happens without them."""

    require: Flag = Field(
        default=_AUTH.require, description="401 UNAUTHENTICATED without a valid key or token."
    )
    reject_unauthorized: Flag = Field(
        default=_AUTH.reject_unauthorized,
        description="403 for an operation selecting fields the caller may not see.",
    )
    jwt: Annotated[dict[str, Any], AfterValidator(plain)] | None = Field(
        default=None,
        description="JWT providers: {providers: [{issuer, audiences, jwks_url | jwks, ...}]}.",
    )
    api_keys: ApiKeysSection = Field(default_factory=ApiKeysSection)
    forward: ForwardSection = Field(default_factory=ForwardSection)

    def settings(self) -> dict[str, Any]:
        forward = IdentityForwarding(
            self.forward.client_id, self.forward.scopes, self.forward.claims
        )
        return {
            "auth": AuthSettings(
                require=self.require,
                reject_unauthorized=self.reject_unauthorized,
                jwt=_jwt(self.jwt) if self.jwt is not None else None,
                api_keys=self.api_keys.build(),
                forward=forward,
            )
        }

    @field_validator("jwt")
    @classmethod
    def _check_jwt(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            _jwt(value)
        return value


class UsageSection(Section):
    """Usage statistics per hour, client and operation, flushed in batches."""

    enabled: Flag = Field(default=_USAGE.enabled, description="Record usage statistics.")
    database_url: Text | None = Field(
        default=_USAGE.database_url, description="Where they go; null = DATABASE_URL."
    )
    flush_interval_ms: Positive = Field(
        default=_USAGE.flush_interval_ms, description="USAGE_FLUSH_INTERVAL_MS."
    )
    buffer_max_keys: Positive = Field(
        default=_USAGE.buffer_max_keys, description="USAGE_BUFFER_MAX_KEYS: flush at this many."
    )
    retention_days: Count = Field(
        default=_USAGE.retention_days, description="Days hourly rows are kept; 0 = forever."
    )
    record_documents: Flag = Field(
        default=_USAGE.record_documents, description="Store each operation's document once."
    )
    max_document_bytes: Positive = Field(
        default=_USAGE.max_document_bytes, description="Longer documents are not stored."
    )
    api_key_flush_interval_ms: Positive = Field(
        default=_USAGE.api_key_flush_interval_ms,
        description="API_KEY_USAGE_FLUSH_INTERVAL_MS: consolidator period.",
    )
    maintenance_interval_s: Seconds = Field(
        default=_USAGE.maintenance_interval_s,
        description="Seconds between in-process maintenance runs; 0 = never.",
    )

    def settings(self) -> dict[str, Any]:
        return {"usage": UsageSettings(**super().settings())}


class AuditSection(Section):
    """The audit trail: admin changes, auth failures, new IPs, optionally mutations."""

    enabled: Flag = Field(default=_AUDIT.enabled, description="Record the audit trail.")
    database_url: Text | None = Field(
        default=_AUDIT.database_url, description="Where it goes; null = DATABASE_URL."
    )
    flush_interval_ms: Positive = Field(
        default=_AUDIT.flush_interval_ms, description="AUDIT_FLUSH_INTERVAL_MS."
    )
    buffer_max: Positive = Field(
        default=_AUDIT.buffer_max, description="AUDIT_BUFFER_MAX: flush at this many."
    )
    mutations: Flag = Field(default=_AUDIT.mutations, description="Record every mutation.")
    redact: list[Text] = Field(
        default=list(_AUDIT.redact), description="Variable names whose values are redacted."
    )
    retention_days: Count = Field(
        default=_AUDIT.retention_days, description="Days entries are kept; 0 = forever."
    )
    partitioning: Literal["monthly", "none"] = Field(
        default="monthly", description="PostgreSQL monthly partitions (read by gateway db upgrade)."
    )

    def settings(self) -> dict[str, Any]:
        values = super().settings()
        values["redact"] = tuple(name.lower() for name in self.redact)
        return {"audit": AuditSettings(**values)}


def _type_name(value: str) -> str:
    if not value.isidentifier():
        raise ValueError(f"expected a GraphQL type name, got {value!r}")
    return value


def _field_coordinate(value: str) -> str:
    type_name, sep, field_name = value.partition(".")
    if not sep or not type_name.isidentifier() or not field_name.isidentifier():
        raise ValueError(f'expected "Type.field", got {value!r}')
    return value


TypeName = Annotated[str, AfterValidator(_type_name)]
FieldCoordinate = Annotated[str, AfterValidator(_field_coordinate)]


class CacheInvalidationSection(Section):
    """Invalidation from domain events (NATS): each router process subscribes."""

    nats_url: Text | None = Field(
        default=_INVALIDATION.nats_url,
        description="nats://host:4222 to subscribe to domain events; null = no event invalidation.",
    )
    subjects: list[Text] = Field(
        default=list(_INVALIDATION.subjects),
        description="NATS subjects listened to (prefix them with EVENTS_NAMESPACE if used).",
    )
    events: dict[Text, TypeName] | None = Field(
        default=None,
        description="CloudEvent type -> GraphQL type whose record {id: subject} it "
        "invalidates; null = the project's event catalogue (docs/events.md).",
    )

    def build(self) -> CacheInvalidationSettings:
        events = _INVALIDATION.events if self.events is None else tuple(self.events.items())
        return CacheInvalidationSettings(self.nats_url, tuple(self.subjects), events)


class CacheSection(Section):
    """The response cache (``enabled``) and the entity cache (``entities``)."""

    enabled: Flag = Field(default=_CACHE.enabled, description="Cache whole query responses.")
    entities: Flag = Field(
        default=_CACHE.entities, description="Cache subgraph _entities results per type and key."
    )
    backend: Literal["memory", "redis"] = Field(
        default="memory", description="memory (per process LRU) or redis (shared)."
    )
    redis_url: Text | None = Field(
        default=_CACHE.redis_url, description="Redis for backend: redis; null = REDIS_URL."
    )
    key_prefix: Text = Field(default=_CACHE.key_prefix, description="Prefix of the Redis keys.")
    max_bytes: Positive = Field(
        default=_CACHE.max_bytes, description="Memory backend: bytes of entries kept (LRU)."
    )
    max_entry_bytes: Positive = Field(
        default=_CACHE.max_entry_bytes, description="Larger responses are not cached."
    )
    default_ttl_s: Seconds = Field(
        default=_CACHE.default_ttl_s,
        description="TTL of root fields and object fields without a hint; 0 = only hinted ones.",
    )
    types: dict[TypeName, Annotated[float, Field(ge=0), _number_from_env(float)]] = Field(
        default={}, description="TTL seconds by type (wins over @cacheControl)."
    )
    fields: dict[FieldCoordinate, Annotated[float, Field(ge=0), _number_from_env(float)]] = Field(
        default={}, description="TTL seconds by Type.field (wins over @cacheControl)."
    )
    private_types: list[TypeName] = Field(
        default=[], description="Types cached per client (PRIVATE scope)."
    )
    vary_headers: list[HeaderName] = Field(
        default=[], description="Request headers whose values are part of every key."
    )
    invalidation: CacheInvalidationSection = Field(default_factory=CacheInvalidationSection)

    def settings(self) -> dict[str, Any]:
        return {
            "cache": CacheSettings(
                enabled=self.enabled,
                backend=self.backend,
                redis_url=self.redis_url,
                key_prefix=self.key_prefix,
                max_bytes=self.max_bytes,
                max_entry_bytes=self.max_entry_bytes,
                default_ttl_s=self.default_ttl_s,
                types=tuple(self.types.items()),
                fields=tuple(self.fields.items()),
                private_types=tuple(self.private_types),
                vary_headers=tuple(self.vary_headers),
                entities=self.entities,
                invalidation=self.invalidation.build(),
            )
        }


class PersistedOperationsSection(Section):
    """Automatic persisted queries (APQ) and trusted documents."""

    apq: Flag = Field(
        default=_PERSISTED.apq, description="Accept extensions.persistedQuery hashes."
    )
    mode: Literal["allow_all", "log_unknown", "safelist"] = Field(
        default="allow_all",
        description="Operations not in the manifest: run, run and log, or refuse (400).",
    )
    manifest: Text | None = Field(
        default=_PERSISTED.manifest, description="Persisted query list file (Apollo's format)."
    )
    store: Literal["memory", "redis"] = Field(
        default="memory", description="Where APQ documents and uploaded manifests are kept."
    )
    redis_url: Text | None = Field(
        default=_PERSISTED.redis_url, description="Redis for store: redis; null = REDIS_URL."
    )
    key_prefix: Text = Field(default=_PERSISTED.key_prefix, description="Prefix of the Redis keys.")
    max_entries: Positive = Field(
        default=_PERSISTED.max_entries, description="Memory store: most APQ documents kept."
    )
    max_document_bytes: Positive = Field(
        default=_PERSISTED.max_document_bytes, description="Longest document APQ registers."
    )

    def settings(self) -> dict[str, Any]:
        return {"persisted_operations": PersistedOperationsSettings(**super().settings())}


class RouterFile(Section):
    """router.yaml. Every key is optional; an empty file means the defaults."""

    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, title="router.yaml (graphql-gateway)"
    )

    supergraph: SupergraphSection = Field(default_factory=SupergraphSection)
    listen: ListenSection = Field(default_factory=ListenSection)
    workers: Workers = Field(
        default=_SETTINGS.workers, description='Server processes; "auto" = one per CPU core.'
    )
    shutdown_grace_s: Seconds = Field(
        default=_SETTINGS.shutdown_grace_s,
        description="Seconds in-flight requests get to finish after SIGTERM.",
    )
    log_level: LogLevel = "info"
    introspection: Flag = Field(
        default=_SETTINGS.introspection, description="Answer __schema and __type."
    )
    graphiql: Flag = Field(default=_SETTINGS.graphiql, description="Serve GraphiQL to browsers.")
    limits: LimitsSection = Field(default_factory=LimitsSection)
    plan_warmup: PlanWarmupSection = Field(default_factory=PlanWarmupSection)
    server: ServerSection = Field(default_factory=ServerSection)
    health: HealthSection = Field(default_factory=HealthSection)
    subgraphs: SubgraphsSection = Field(default_factory=SubgraphsSection)
    cors: CorsSection = Field(default_factory=CorsSection)
    csrf: CsrfSection = Field(default_factory=CsrfSection)
    plugins: list[PluginSection] = Field(
        default=[], description="Extra plugins, loaded in order after the built-in ones."
    )
    registry: RegistrySection = Field(default_factory=RegistrySection)
    checks: ChecksSection = Field(default_factory=ChecksSection)
    rate_limit: RateLimitSection = Field(default_factory=RateLimitSection)
    auth: AuthSection = Field(default_factory=AuthSection)
    usage: UsageSection = Field(default_factory=UsageSection)
    audit: AuditSection = Field(default_factory=AuditSection)
    telemetry: TelemetrySection = Field(default_factory=TelemetrySection)
    cache: CacheSection = Field(default_factory=CacheSection)
    persisted_operations: PersistedOperationsSection = Field(
        default_factory=PersistedOperationsSection
    )

    def settings(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, Section):
                values.update(value.settings())
            else:
                values[name] = value
        values["plugins"] = tuple(plugin.spec() for plugin in self.plugins)
        return values
