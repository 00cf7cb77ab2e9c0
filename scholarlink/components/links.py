"""Links to the HTTP API from pages (downloads, exports, feeds)."""

from __future__ import annotations

from reflex_base.vars.base import Var
from reflex_components_core.core.upload import uploaded_files_url_prefix

# The backend's base URL as the browser must use it: in dev the API is on the backend port
# (:8000), in prod on the same port as the pages. Reflex's own upload URL resolves exactly this,
# so API links are derived from it ("<backend>/_upload" -> "<backend>").
API_BASE: Var[str] = Var(
    _js_expr=f'String({uploaded_files_url_prefix}).replace(/\\/_upload\\/?$/, "")',
    _var_data=uploaded_files_url_prefix._get_all_var_data(),
).to(str)
