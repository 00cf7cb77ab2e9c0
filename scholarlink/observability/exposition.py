"""Prometheus text exposition, multiprocess-aware (served by `scholarlink.api.metrics`)."""

from __future__ import annotations

import os

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess


def multiprocess_registry() -> CollectorRegistry:
    """The registry to expose: merged across worker processes in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def render() -> bytes:
    return generate_latest(multiprocess_registry())
