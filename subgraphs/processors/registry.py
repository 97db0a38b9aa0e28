"""The processors `events run NAME` knows, by name."""

from __future__ import annotations

from collections.abc import Callable

from subgraphs.processors.base import Processor


def _search_index() -> Processor:
    from subgraphs.processors.search_index import SearchIndexProcessor

    return SearchIndexProcessor()


def _analytics() -> Processor:
    from subgraphs.processors.analytics import AnalyticsProcessor

    return AnalyticsProcessor()


def _notifications() -> Processor:
    from subgraphs.processors.notifications import NotificationsProcessor

    return NotificationsProcessor()


PROCESSORS: dict[str, Callable[[], Processor]] = {
    "search-index": _search_index,
    "analytics": _analytics,
    "notifications": _notifications,
}
