"""The admin UI's usage questions, answered in SQL (sums per hour, per series).

``by`` chooses the series: ``client`` (kind and id), ``key`` (API keys only) or
``operation`` (name and hash). Only the ``limit`` busiest series are drawn; p95 is
read from the summed duration buckets (``percentile``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from router.records.models import BUCKET_COLUMNS, DURATION_BOUNDS_MS, UsageStat
from router.records.timeparams import utc

BY = ("client", "key", "operation")
SERIES_LIMIT = 10
TOP_OPERATIONS = 20


def percentile(buckets: list[int], fraction: float = 0.95) -> float | None:
    """The ``fraction`` quantile of durations counted in the fixed buckets, in ms,
    interpolated linearly inside its bucket (the slowest bucket reports its floor)."""
    total = sum(buckets)
    if total == 0:
        return None
    target = fraction * total
    seen = 0
    for i, count in enumerate(buckets):
        if count and seen + count >= target:
            lower = DURATION_BOUNDS_MS[i - 1] if i else 0.0
            if i >= len(DURATION_BOUNDS_MS):
                return float(lower)
            upper = DURATION_BOUNDS_MS[i]
            return round(lower + (upper - lower) * (target - seen) / count, 2)
        seen += count
    return float(DURATION_BOUNDS_MS[-1])


def _series_columns(by: str) -> list[Any]:
    t = UsageStat.__table__
    if by == "operation":
        return [t.c.operation_name, t.c.operation_hash]
    return [t.c.client_kind, t.c.client]


def _label(by: str, row: Any) -> dict[str, Any]:
    if by == "operation":
        return {
            "name": row[0] or None,
            "hash": row[1] or None,
            "label": row[0] or row[1][:12] or "(unparsed)",
        }
    return {"kind": row[0], "client": row[1], "label": f"{row[0]}:{row[1]}"}


async def usage_report(
    engine: AsyncEngine, start: datetime, end: datetime, by: str, limit: int = SERIES_LIMIT
) -> dict[str, Any]:
    t = UsageStat.__table__
    window: ColumnElement[bool] = and_(t.c.hour >= _floor(start), t.c.hour < end)
    if by == "key":
        window = and_(window, t.c.client_kind == "api_key")
    columns = _series_columns(by)
    sums = [func.sum(t.c.requests), func.sum(t.c.errors)]
    buckets = [func.sum(t.c[c]) for c in BUCKET_COLUMNS]
    async with engine.connect() as connection:
        top = (
            await connection.execute(
                select(*columns, *sums)
                .where(window)
                .group_by(*columns)
                .order_by(sums[0].desc())
                .limit(limit)
            )
        ).all()
        series: list[dict[str, Any]] = []
        for row in top:
            match = and_(window, *(c == v for c, v in zip(columns, row[:2], strict=True)))
            points = (
                await connection.execute(
                    select(t.c.hour, *sums).where(match).group_by(t.c.hour).order_by(t.c.hour)
                )
            ).all()
            series.append(
                {
                    **_label(by, row),
                    "requests": int(row[2] or 0),
                    "errors": int(row[3] or 0),
                    "points": [
                        {"at": utc(p[0]).isoformat(), "requests": int(p[1]), "errors": int(p[2])}
                        for p in points
                    ],
                }
            )
        ops = (
            await connection.execute(
                select(
                    t.c.operation_name,
                    t.c.operation_hash,
                    *sums,
                    func.sum(t.c.duration_ms),
                    *buckets,
                )
                .where(window)
                .group_by(t.c.operation_name, t.c.operation_hash)
                .order_by(sums[0].desc())
                .limit(TOP_OPERATIONS)
            )
        ).all()
        total = (
            await connection.execute(
                select(*sums, func.sum(t.c.duration_ms), *buckets).where(window)
            )
        ).one()
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "by": by,
        "series": series,
        "top_operations": [_operation(row) for row in ops],
        "totals": _totals(list(total)),
        "duration_buckets_ms": list(DURATION_BOUNDS_MS),
    }


def _operation(row: Any) -> dict[str, Any]:
    return {"name": row[0] or None, "hash": row[1] or None, **_totals(list(row[2:]))}


def _totals(values: list[Any]) -> dict[str, Any]:
    requests, errors, duration = int(values[0] or 0), int(values[1] or 0), values[2] or 0.0
    counts = [int(v or 0) for v in values[3:]]
    return {
        "requests": requests,
        "errors": errors,
        "avg_ms": round(float(duration) / requests, 2) if requests else None,
        "p95_ms": percentile(counts),
    }


def _floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)
