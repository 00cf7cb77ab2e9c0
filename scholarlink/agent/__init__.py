"""The agent bridge: API routes, JWT, task store and worker, outbox, heartbeat."""
