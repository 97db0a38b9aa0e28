"""Satisfiability (placeholder until implemented below)."""

from __future__ import annotations

from .context import MergeContext


def check_satisfiability(ctx: MergeContext) -> None:
    del ctx
