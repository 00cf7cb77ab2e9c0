"""The real `oidc-provider` (npm) as a subprocess, and a scripted person at its login forms."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import httpx

from tests.support.processes import free_port

HERE = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "scholarlink-test"
CLIENT_SECRET = "scholarlink-test-secret-" + "z" * 20


@contextmanager
def oidc_provider(redirect_uri: str) -> Iterator[str]:
    if not (HERE / "node_modules" / "oidc-provider").exists():
        raise RuntimeError("run `npm install --prefix tests/support/oidc` (make test does)")
    port = free_port()
    proc = subprocess.Popen(
        ["node", "server.mjs", str(port), CLIENT_ID, CLIENT_SECRET, redirect_uri],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if (
                    httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("oidc-provider did not start")
        yield issuer
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def sign_in_at_provider(authorize_url: str, redirect_uri: str, login: str) -> dict[str, str]:
    """Follow the provider's login and consent forms like a person; returns the callback query."""
    with httpx.Client(follow_redirects=False, timeout=10) as client:
        url = authorize_url
        for _ in range(20):
            if url.startswith(redirect_uri):
                return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
            response = client.get(url)
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                continue
            html = response.text
            action = re.search(r'<form[^>]*action="([^"]+)"', html)
            assert action, html[:500]
            fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))
            if 'name="login"' in html:
                fields.update(login=login, password="any")
            response = client.post(urljoin(url, action.group(1)), data=fields)
            assert response.is_redirect, response.text[:500]
            url = urljoin(url, response.headers["location"])
        raise AssertionError("too many redirects at the provider")
