"""Pure UI pieces."""
