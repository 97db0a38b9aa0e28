"""Counters and histograms for the request path: plain Python numbers, rendered by a
collector at scrape time.

Why not ``prometheus_client``'s own: every ``inc``/``observe`` there takes a lock and
a histogram walks its buckets in Python, about 2 us an observation, and a request
makes about 30 of them (seven subgraph fetches with latency, bytes and outcome, the
request and the operation). Here an observation is a bisect and two additions,
with no lock: every update happens on the event loop's thread (the only thread that
serves requests) and a scrape reads on that thread too. The exposition is the same
(``_total`` counters, ``_bucket``/``_sum``/``_count`` histograms, same names and
labels), through ``prometheus_client``'s registry and text format.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = ["LightCounter", "LightHistogram"]


class _CounterChild:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        self.value += amount


class _HistogramChild:
    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)  # the last one: above every bound (+Inf)
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.sum += value


class _Labelled(Collector):
    """Children by label values; registered with the registry as a collector."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str],
        registry: CollectorRegistry,
    ) -> None:
        self.name = name
        self.documentation = documentation
        self.labelnames = tuple(labelnames)
        self._children: dict[tuple[str, ...], object] = {}
        registry.register(self)

    def _child(self, values: tuple[str, ...]) -> object:
        if len(values) != len(self.labelnames):
            raise ValueError(f"{self.name}: expected labels {self.labelnames}, got {values}")
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._new()
        return child

    def _new(self) -> object:
        raise NotImplementedError

    def describe(self) -> list[Metric]:
        return []  # rendered at collect; no name checks needed at registration


class LightCounter(_Labelled):
    """``prometheus_client.Counter``'s ``labels(...).inc(n)`` without locks."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str] = (),
        registry: CollectorRegistry | None = None,
    ) -> None:
        super().__init__(name, documentation, labelnames, registry or CollectorRegistry())
        self._only = _CounterChild() if not self.labelnames else None

    def _new(self) -> _CounterChild:
        return _CounterChild()

    def labels(self, *values: str) -> _CounterChild:
        child = self._child(tuple(values))
        assert isinstance(child, _CounterChild)
        return child

    def inc(self, amount: float = 1.0) -> None:
        assert self._only is not None, f"{self.name} has labels"
        self._only.value += amount

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        if self._only is not None:
            family.add_metric((), self._only.value)
        for values, child in self._children.items():
            assert isinstance(child, _CounterChild)
            family.add_metric(values, child.value)
        yield family


class LightHistogram(_Labelled):
    """``prometheus_client.Histogram``'s ``labels(...).observe(v)`` without locks."""

    def __init__(
        self,
        name: str,
        documentation: str,
        labelnames: Sequence[str] = (),
        buckets: Sequence[float] = (),
        registry: CollectorRegistry | None = None,
    ) -> None:
        super().__init__(name, documentation, labelnames, registry or CollectorRegistry())
        self.bounds = tuple(sorted(float(b) for b in buckets if b != float("inf")))
        self._only = _HistogramChild(self.bounds) if not self.labelnames else None

    def _new(self) -> _HistogramChild:
        return _HistogramChild(self.bounds)

    def labels(self, *values: str) -> _HistogramChild:
        child = self._child(tuple(values))
        assert isinstance(child, _HistogramChild)
        return child

    def observe(self, value: float) -> None:
        assert self._only is not None, f"{self.name} has labels"
        self._only.observe(value)

    def collect(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        children: list[tuple[tuple[str, ...], _HistogramChild]] = []
        if self._only is not None:
            children.append(((), self._only))
        for values, child in self._children.items():
            assert isinstance(child, _HistogramChild)
            children.append((values, child))
        edges = [_le(b) for b in self.bounds] + ["+Inf"]
        for values, child in children:
            running, cumulative = 0, []
            for edge, count in zip(edges, child.counts, strict=True):
                running += count
                cumulative.append((edge, float(running)))
            family.add_metric(values, cumulative, child.sum)
        yield family


def _le(bound: float) -> str:
    """A bucket bound as ``prometheus_client`` writes it (``0.005``, ``1.0``)."""
    return repr(float(bound))
