"""What every layer shares once: the database helper and transactions, settings, the clock,
error types, retry/backoff, leases and circuit breakers. Imports no services, routes or UI."""
