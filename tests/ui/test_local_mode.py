"""Local mode (no users): every request gets full rights without a token, so the whole
app (UI, /api, /v1, /api/dify, /mcp) answers only this machine — a web page that points
its own host name at 127.0.0.1 (DNS rebinding) is refused by its Host or Origin."""
from __future__ import annotations

import httpx
import pytest

from tests.apiserver import prepare_home, start

pytestmark = [pytest.mark.store, pytest.mark.slow]  # slow: starts a server

PATHS = [("GET", "/api/me", None), ("GET", "/v1/models", None), ("GET", "/", None),
         ("POST", "/api/ask", {"question": "桥梁传感器有多少个？"}),
         ("POST", "/api/dify/retrieval", {"knowledge_id": "scenario", "query": "桥梁传感器",
                                         "retrieval_setting": {"top_k": 2, "score_threshold": 0}})]


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    from tests.conftest import store_settings

    settings = store_settings(tmp_path_factory.mktemp("local") / "home", use_builtin=False, builtin_corpus=None)
    prepare_home(settings, with_users=False)
    running = start(settings)
    yield running
    running.stop()


def _call(url: str, method: str, path: str, body, headers=None) -> httpx.Response:
    # Dify always sends its API key; in local mode any key is accepted
    auth = {"Authorization": "Bearer any"} if path.startswith("/api/dify") else {}
    return httpx.request(method, url + path, json=body, headers=auth | (headers or {}), timeout=60)


def test_this_machine_needs_no_token(local):
    for method, path, body in PATHS:
        r = _call(local.url, method, path, body)
        assert r.status_code == 200, (path, r.text[:200])
    assert _call(local.url, "GET", "/api/me", None).json()["open_mode"] is True
    # a browser tab of the UI itself sends its own origin
    # the UI's own origin, and desktop clients (Electron pages send file:// or app://)
    for origin in (local.url, "http://localhost:7860", "file://", "app://cherry-studio"):
        r = _call(local.url, "GET", "/api/me", None, {"Origin": origin})
        assert r.status_code == 200, origin


@pytest.mark.parametrize("bad", [{"Host": "attacker.example"}, {"Origin": "http://attacker.example"},
                                 {"Origin": "null"}, {"Origin": "https://127.0.0.1.attacker.example"},
                                 {"Host": "attacker.example:80", "Origin": "http://attacker.example"}])
def test_another_host_or_origin_is_refused_everywhere(local, bad):
    for method, path, body in PATHS:
        r = _call(local.url, method, path, body, bad)
        assert r.status_code == 403, (path, bad, r.status_code)
        assert "本机" in r.json()["error"]["message"] and "scenario users add" in r.json()["error"]["message"]
