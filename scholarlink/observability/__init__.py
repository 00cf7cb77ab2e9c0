"""Metrics, health, circuit breakers and logging."""
