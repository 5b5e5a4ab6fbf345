"""``scenario mcp`` as a desktop client runs it: a subprocess over stdio, driven by the
official ``mcp`` SDK's client, over a home prepared here."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import pytest

from tests.apiserver import prepare_home

pytestmark = pytest.mark.store

ROOT = Path(__file__).resolve().parents[1]


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
    return StdioServerParameters(command=sys.executable, args=["-m", "assistant.cli", "mcp", "--home",
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
