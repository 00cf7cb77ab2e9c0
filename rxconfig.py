"""Reflex configuration; every value comes from the one Settings object."""

import reflex as rx
from reflex_base.constants.installer import PackageJson
from reflex_base.plugins.sitemap import SitemapPlugin
from reflex_components_radix.plugin import RadixThemesPlugin

from scholarlink.core.settings import load_settings_or_exit
from scholarlink.web_origins import TrustedOrigins

settings = load_settings_or_exit()

# Keep the dev server (Vite) on loopback like the backend.
PackageJson.Commands.DEV = "react-router dev --host 127.0.0.1"

config = rx.Config(
    app_name="scholarlink",
    db_url=settings.database_url,
    backend_host="127.0.0.1",
    deploy_url=settings.app_url,
    # Only the app's own origins, re-read on every request (never "*" with credentials).
    cors_allowed_origins=TrustedOrigins(),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        RadixThemesPlugin(theme=rx.theme(accent_color="indigo", gray_color="slate", radius="large"))
    ],
    disable_plugins=[SitemapPlugin],
)
