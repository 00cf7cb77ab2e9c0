"""The HTTP API served beside the Reflex app (mounted through `api_transformer`)."""

from scholarlink.api.app import create_api

__all__ = ["create_api"]
