"""One logging set-up for the router, its workers, the subgraphs and their workers.

Log lines are structured: a message plus fields. Code logs with the standard library
(``log.info("request", extra={"request_id": ..., "status": 200})``); this module's
formatters render every record, the router's and its libraries' (uvicorn, aiohttp,
SQLAlchemy) alike:

- ``json``: one JSON object per line (``ts``, ``level``, ``logger``, ``message``, the
  record's extra fields, ``trace_id``/``span_id`` when a sampled span is current,
  ``exception``) — what log shippers parse;
- ``console``: ``time LEVEL logger message key=value ...`` for people at a terminal;
- ``auto`` (the default): ``json`` unless stderr is a terminal.

The standard library rather than structlog: every library already logs through it, so
one formatter covers them all, and orjson keeps a line cheap. ``configure_logging`` is
the only set-up: ``gateway serve``, uvicorn's workers, ``records serve``, the categories
service, the event processors and the migrator all call it.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from typing import IO, Any

import orjson
from opentelemetry import trace

TRACE = 5
"""uvicorn's ``trace`` level, below ``debug``."""

_RESERVED = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "color_message", "taskName"}
)
"""Attributes every record has: what is left on a record are the caller's fields."""

FORMATS = ("auto", "json", "console")


def fields_of(record: logging.LogRecord) -> Iterator[tuple[str, Any]]:
    """The structured fields of a record (its ``extra``), then the current span's ids."""
    for key, value in record.__dict__.items():
        if key not in _RESERVED and not key.startswith("_"):
            yield key, value
    if "trace_id" not in record.__dict__:
        context = trace.get_current_span().get_span_context()
        if context.is_valid and context.trace_flags.sampled:
            yield "trace_id", format(context.trace_id, "032x")
            yield "span_id", format(context.span_id, "016x")


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.gmtime(record.created)
    millis = int(record.msecs)
    return time.strftime("%Y-%m-%dT%H:%M:%S", seconds) + f".{millis:03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in fields_of(record):
            out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    """``time LEVEL logger message key=value ...``: readable, still greppable."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            _timestamp(record),
            f"{record.levelname:<7}",
            record.name,
            record.getMessage(),
        ]
        for key, value in fields_of(record):
            text = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
            if not text or any(c in text for c in ' "='):
                text = orjson.dumps(text).decode()
            parts.append(f"{key}={text}")
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def resolve_format(fmt: str, stream: IO[str]) -> str:
    """``auto`` becomes ``console`` on a terminal, else ``json``."""
    if fmt not in FORMATS:
        raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt != "auto":
        return fmt
    isatty = getattr(stream, "isatty", None)
    return "console" if isatty is not None and isatty() else "json"


def level_number(level: str) -> int:
    name = level.strip().upper()
    if name == "TRACE":
        return TRACE
    number = logging.getLevelName(name)
    if not isinstance(number, int):
        raise ValueError(f"unknown log level {level!r}")
    return number


def configure_logging(
    level: str = "info", fmt: str | None = None, stream: IO[str] | None = None
) -> None:
    """Send every logger's records to ``stream`` (stderr) in one format.

    ``fmt`` None reads ``GATEWAY_LOG_FORMAT`` (the subgraphs and workers share the
    router's variable), else ``auto``. Replaces the root logger's handlers, so
    calling it twice (a worker re-configuring) does not double lines."""
    out = stream if stream is not None else sys.stderr
    chosen = resolve_format(fmt or os.environ.get("GATEWAY_LOG_FORMAT") or "auto", out)
    logging.addLevelName(TRACE, "TRACE")
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter() if chosen == "json" else ConsoleFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level_number(level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers (when it configured them) would print a second,
        # unstructured line: its loggers go through the root handler instead.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
