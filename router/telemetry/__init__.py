"""Telemetry: the OpenTelemetry providers an app shares (``router.telemetry.otel``)."""

from router.telemetry.otel import Telemetry

__all__ = ["Telemetry"]
