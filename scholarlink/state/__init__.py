"""Shared Reflex state (session, current student)."""
