"""/docs and /redoc load their scripts from the service itself, not a CDN: they work offline."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from tinbai.service.api import create_app
from tinbai.service.settings import Settings


def test_docs_assets_come_from_the_service(tiny_bundle: Path, tmp_path: Path) -> None:
    settings = Settings(bundle=tiny_bundle, database_url=f"sqlite:///{tmp_path / 'fb.db'}")
    with TestClient(create_app(settings)) as client:
        for page in ("/docs", "/redoc"):
            html = client.get(page).text
            assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
            assert assets, page
            for url in assets:
                assert url.startswith("/static/docs/"), url  # no https://cdn…
                resp = client.get(url)
                assert resp.status_code == 200 and len(resp.content) > 10_000, url
        assert client.get("/openapi.json").json()["openapi"].startswith("3.")
