"""Circuit-breaker states for operators (`/api/health/reliability`, `/api/agent/reliability`)."""

from __future__ import annotations

from typing import Any

from scholarlink.core.breakers import all_breakers, breaker
from scholarlink.core.clock import utcnow

# Dependencies every process may call; looked up here so they are listed (closed) before their
# first use. Command Center destinations ("command-center:host:port") appear once messages go out.
ALWAYS_PRESENT = ("openai", "stripe", "storage")


def breaker_report(*, details: bool) -> dict[str, Any]:
    """Every circuit breaker and its state. Without `details` (the public view), breakers are
    named by the kind of dependency only — no hosts, ports or error texts."""
    for name in ALWAYS_PRESENT:
        breaker(name)
    views = []
    for b in sorted(all_breakers(), key=lambda b: b.name):
        if details:
            view = b.snapshot()
            # An open breaker whose pause is over lets the next call through as a probe.
            view["state"] = b.state
        else:
            view = b.public_snapshot()
        views.append(view)
    counts = {state: 0 for state in ("closed", "half_open", "open")}
    for view in views:
        counts[view["state"]] += 1
    return {
        "timestamp": utcnow().isoformat(),
        "status": "degraded" if counts["open"] else "ok",
        "summary": counts,
        "breakers": views,
    }
