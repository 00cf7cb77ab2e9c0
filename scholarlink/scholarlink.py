"""The Reflex app: pages, theme, and the HTTP API mounted on its backend."""

from __future__ import annotations

import reflex as rx

from scholarlink import routes
from scholarlink.agent.runtime import agent_lifespan
from scholarlink.api import create_api
from scholarlink.observability.logs import configure_logging
from scholarlink.pages import landing
from scholarlink.settings import load_settings_or_exit

load_settings_or_exit()
configure_logging()

app = rx.App(
    api_transformer=create_api(),
    head_components=[rx.el.meta(name="description", content="Find scholarships you qualify for.")],
)
app.register_lifespan_task(agent_lifespan)
app.add_page(
    landing.landing,
    route=routes.HOME,
    title="ScholarLink — scholarships you qualify for",
)
app.add_page(landing.not_found, route="404", title="Page not found · ScholarLink")
