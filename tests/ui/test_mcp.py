"""``scenario mcp`` as a desktop client runs it: a subprocess over stdio, driven by the
official ``mcp`` SDK's client, over a home prepared here."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import pytest

from tests.apiserver import prepare_home

pytestmark = [pytest.mark.store, pytest.mark.slow]  # slow: starts MCP servers

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    from tests.conftest import store_settings

    settings = store_settings(tmp_path_factory.mktemp("mcp") / "home", use_builtin=False, builtin_corpus=None)
    prepare_home(settings, with_users=False)
    return settings


def _params(settings):
    from mcp import StdioServerParameters

    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR", "VIRTUAL_ENV")}
    env |= {"HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", "SCENARIO_NO_BUILTIN": "1"}
    if settings.chroma_url:
        env |= {"SCENARIO_CHROMA_URL": settings.chroma_url, "SCENARIO_COLLECTION": settings.collection}
    return StdioServerParameters(command=sys.executable, args=["-m", "ui.cli", "mcp", "--home",
                                                               str(settings.home), "--no-builtin"],
                                 env=env, cwd=str(ROOT))


def _text(result) -> str:
    assert not result.is_error, result
    return "".join(c.text for c in result.content if c.type == "text")


def test_stdio_server_lists_tools_and_answers(home):
    from mcp import Client

    async def session():
        async with Client(_params(home)) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            answer = _text(await client.call_tool("ask", {"question": "无锡开放了多少个场景机会？"}))
            follow = _text(await client.call_tool("ask", {"question": "它接入了多少个传感器？",
                                                          "history": ["无锡开放了多少个场景机会？"]}))
            found = _text(await client.call_tool("search", {"query": "桥梁传感器", "k": 2}))
            docs = _text(await client.call_tool("list_documents", {}))
            cases = _text(await client.call_tool("find_cases", {"need": "城市安全风险监测预警平台", "k": 3}))
            draft = _text(await client.call_tool("draft_proposal", {"idea": "城市安全风险监测预警平台"}))
            bad = await client.call_tool("ask", {"question": "无锡？", "mode": "fuzzy"})
            return tools, answer, follow, found, docs, cases, draft, bad

    tools, answer, follow, found, docs, cases, draft, bad = anyio.run(session)
    assert set(tools) == {"ask", "search", "find_cases", "draft_proposal", "list_documents"}
    assert "question" in tools["ask"].input_schema["properties"] and tools["ask"].description
    assert "85" in answer and "[1]" in answer and "参考资料：\n[1] public.txt" in answer
    assert "1200" in follow and "无锡接入了多少个传感器" in follow
    assert found.startswith("[1] group.txt") and "4321" in found  # the local user reads every label
    assert {line.split("\t")[0] for line in docs.splitlines()} == {"public.txt", "internal.txt", "group.txt"}
    assert "常州" in cases or "无锡" in cases or "合肥" in cases
    assert draft.startswith("#") and "参考" in draft
    assert bad.is_error and "检索方式无效" in "".join(c.text for c in bad.content)


# --- the same tools over streamable HTTP at /mcp on `scenario serve` -----------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.apiserver import serving

    yield from serving(tmp_path_factory, "mcp-http")


def _token(server, user: str) -> str:
    import httpx

    from tests.apiserver import PASSWORDS

    r = httpx.post(f"{server.url}/api/token", json={"username": user, "password": PASSWORDS[user]})
    r.raise_for_status()
    return r.json()["token"]


def _over_http(url: str, token: str | None, calls):
    """Run ``calls(client)`` in a session of the SDK's client over streamable HTTP."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    async def session():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx2.AsyncClient(headers=headers, timeout=120) as http:
            async with Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client:
                return await calls(client)

    return anyio.run(session)


def test_http_lists_tools_and_calls_each_for_the_token_user(server):
    async def calls(client):
        tools = {t.name for t in (await client.list_tools()).tools}
        answer = _text(await client.call_tool("ask", {"question": "无锡开放了多少个场景机会？"}))
        found = _text(await client.call_tool("search", {"query": "无锡场景机会", "k": 2}))
        docs = _text(await client.call_tool("list_documents", {}))
        cases = _text(await client.call_tool("find_cases", {"need": "城市安全风险监测预警平台", "k": 3}))
        draft = _text(await client.call_tool("draft_proposal", {"idea": "城市安全风险监测预警平台"}))
        bad = await client.call_tool("search", {"query": "  "})
        return tools, answer, found, docs, cases, draft, bad

    tools, answer, found, docs, cases, draft, bad = _over_http(server.url, _token(server, "viewer"), calls)
    assert tools == {"ask", "search", "find_cases", "draft_proposal", "list_documents"}
    assert "85" in answer and "[1]" in answer and "参考资料：\n[1] public.txt" in answer
    assert found.startswith("[1] public.txt") and "85" in found
    # a signed-in viewer reads 公开 and 内部, not the 规划局 group's document
    assert {line.split("\t")[0] for line in docs.splitlines()} == {"public.txt", "internal.txt"}
    assert "无锡" in cases and "对标理由" in cases and "4321" not in cases
    assert draft.startswith("#") and "参考" in draft and "4321" not in draft
    assert bad.is_error and "检索内容不能为空" in "".join(c.text for c in bad.content)


def test_http_needs_a_valid_token(server):
    import httpx

    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                       "clientInfo": {"name": "test", "version": "1"}}}
    headers = {"Accept": "application/json, text/event-stream"}
    for auth in ({}, {"Authorization": "Bearer sa_not-a-token"}, {"Authorization": "Basic YWRtaW46eA=="}):
        r = httpx.post(f"{server.url}/mcp", json=init, headers=headers | auth)
        assert r.status_code == 401, (auth, r.text)
        assert r.headers["www-authenticate"] == "Bearer"
        assert r.json()["error"]["code"] == "AuthError" and "令牌" in r.json()["error"]["message"]
    r = httpx.post(f"{server.url}/mcp", json=init, headers=headers | {"Authorization": f"Bearer {_token(server, 'viewer')}"})
    assert r.status_code == 200 and r.json()["result"]["serverInfo"]["name"] == "scenario-assistant"
    r = httpx.get(f"{server.url}/mcp", headers={"Accept": "text/event-stream"})  # stateless: no GET stream
    assert r.status_code == 405 and r.headers["allow"] == "POST"

    with pytest.raises(Exception):  # noqa: B017 - the SDK's client gives up on a 401
        _over_http(server.url, "sa_not-a-token", lambda client: client.list_tools())


def test_http_restricted_document_never_reaches_a_viewer(server):
    question = {"question": "常州部署了多少个桥梁传感器？"}

    async def calls(client):
        return (_text(await client.call_tool("ask", question)),
                _text(await client.call_tool("search", {"query": "常州桥梁传感器", "k": 5})),
                _text(await client.call_tool("list_documents", {})))

    for user in ("member", "admin"):  # the group's member and an admin read it
        answer, found, docs = _over_http(server.url, _token(server, user), calls)
        assert "4321" in answer and "group.txt" in answer, user
        assert "4321" in found and "group.txt" in docs
    answer, found, docs = _over_http(server.url, _token(server, "viewer"), calls)
    for text in (answer, found, docs):
        assert "4321" not in text and "group.txt" not in text


def test_http_local_mode_is_for_this_machine_only(home):
    import httpx

    from tests.apiserver import start

    running = start(home)  # no users: no token needed from 127.0.0.1
    try:
        async def calls(client):
            return _text(await client.call_tool("search", {"query": "桥梁传感器", "k": 1}))

        assert "4321" in _over_http(running.url, None, calls)  # the local user reads every label
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
        headers = {"Accept": "application/json, text/event-stream"}
        for bad in ({"Host": "attacker.example"}, {"Origin": "http://attacker.example"}):  # DNS rebinding
            r = httpx.post(f"{running.url}/mcp", json=init, headers=headers | bad)
            assert r.status_code == 403 and "本机" in r.json()["error"]["message"]
    finally:
        running.stop()
