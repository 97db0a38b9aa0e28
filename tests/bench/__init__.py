"""Benchmarks (issue 7): the router against Apollo Gateway and Hive Gateway, our planner
against Apollo's and Hive's planners, and the k6 load scenarios. Run with ``make bench``;
never part of ``make test``."""
