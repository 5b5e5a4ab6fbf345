"""The OpenAI-compatible API through the official ``openai`` SDK, against a real server on
127.0.0.1: models, cited answers, streaming, follow-ups, tokens and document access."""
from __future__ import annotations

import json

import httpx
import openai
import pytest

from tests.apiserver import PASSWORDS, serving

pytestmark = [pytest.mark.store, pytest.mark.slow]  # slow: starts an API server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from serving(tmp_path_factory, "openai")


def _token(server, user: str) -> str:
    r = httpx.post(f"{server.url}/api/token", json={"username": user, "password": PASSWORDS[user]})
    return r.json()["token"]


@pytest.fixture(scope="module")
def viewer(server):
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=_token(server, "viewer"), max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def member(server):
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=_token(server, "member"), max_retries=0, timeout=60)


def test_models_are_the_answer_modes(viewer):
    models = viewer.models.list()
    assert [m.id for m in models.data] == ["scenario-hybrid", "scenario-dense", "scenario-lexical"]
    assert all(m.object == "model" and m.owned_by and m.created > 0 for m in models.data)


def test_cited_answer_with_reference_list_and_citations(viewer):
    r = viewer.chat.completions.create(model="scenario-hybrid", temperature=0.3, max_tokens=200, top_p=0.9,
                                       messages=[{"role": "system", "content": "你是助手"},
                                                 {"role": "user", "content": "无锡开放了多少个场景机会？"}])
    text = r.choices[0].message.content
    assert r.object == "chat.completion" and r.choices[0].finish_reason == "stop"
    assert r.choices[0].message.role == "assistant"
    answer, refs = text.split("\n\n参考资料：\n")
    assert "85" in answer and "[1]" in answer
    assert refs.splitlines()[0].startswith("[1] public.txt")
    cites = r.model_extra["citations"]
    assert cites[0]["n"] == 1 and cites[0]["doc"] == "public.txt"
    assert set(cites[0]) == {"n", "doc", "title", "page", "section", "quote"}
    assert "85" in cites[0]["quote"]


def test_stream_concatenates_to_the_same_text(viewer):
    messages = [{"role": "user", "content": "无锡开放了多少个场景机会？"}]
    whole = viewer.chat.completions.create(model="scenario-hybrid", messages=messages).choices[0].message.content
    chunks = list(viewer.chat.completions.create(model="scenario-hybrid", messages=messages, stream=True))
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop" and all(c.choices[0].finish_reason is None for c in chunks[:-1])
    assert chunks[-1].model_extra["citations"][0]["doc"] == "public.txt"
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert streamed == whole and "85" in streamed
    assert len([c for c in chunks if c.choices[0].delta.content]) >= 2


def test_stream_ends_with_done(server):
    token = _token(server, "viewer")
    with httpx.stream("POST", f"{server.url}/v1/chat/completions", headers={"Authorization": f"Bearer {token}"},
                      json={"model": "scenario-lexical", "stream": True,
                            "messages": [{"role": "user", "content": "无锡接入了多少个传感器？"}]}, timeout=60) as r:
        lines = [ln for ln in r.iter_lines() if ln]
    assert lines[-1] == "data: [DONE]"
    assert "1200" in "".join(json.loads(ln[6:])["choices"][0]["delta"].get("content") or "" for ln in lines[:-1])


def test_follow_up_through_messages(viewer):
    first = viewer.chat.completions.create(model="scenario-hybrid",
                                           messages=[{"role": "user", "content": "无锡开放了多少个场景机会？"}])
    r = viewer.chat.completions.create(model="scenario-hybrid", messages=[
        {"role": "user", "content": "无锡开放了多少个场景机会？"},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": [{"type": "text", "text": "它接入了多少个传感器？"}]}])
    assert r.model_extra["rewritten_question"] == "无锡接入了多少个传感器？"
    assert "1200" in r.choices[0].message.content


def test_unknown_model_and_missing_token_are_openai_errors(server, viewer):
    with pytest.raises(openai.NotFoundError) as e:
        viewer.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "无锡？"}])
    err = e.value.body
    assert err["code"] == "model_not_found" and "gpt-4o" in err["message"] and err["type"] == "invalid_request_error"

    anonymous = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sa_not-a-token", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as e:
        anonymous.chat.completions.create(model="scenario-hybrid", messages=[{"role": "user", "content": "无锡？"}])
    assert e.value.body["type"] == "authentication_error" and e.value.body["message"]
    r = httpx.get(f"{server.url}/v1/models")
    assert r.status_code == 401 and set(r.json()["error"]) >= {"message", "type", "code"}
    r = httpx.post(f"{server.url}/v1/chat/completions", headers={"Authorization": f"Bearer {_token(server, 'viewer')}"},
                   json={"model": "scenario-hybrid", "messages": []})
    assert r.status_code == 422 and r.json()["error"]["type"] == "invalid_request_error"


def test_restricted_document_never_reaches_a_viewer(viewer, member):
    messages = [{"role": "user", "content": "常州部署了多少个桥梁传感器？"}]
    seen = member.chat.completions.create(model="scenario-hybrid", messages=messages)
    assert "4321" in seen.choices[0].message.content and seen.model_extra["citations"][0]["doc"] == "group.txt"
    hidden = viewer.chat.completions.create(model="scenario-hybrid", messages=messages)
    dumped = json.dumps(hidden.model_dump(), ensure_ascii=False)
    assert "4321" not in dumped and "group.txt" not in dumped
    streamed = "".join(json.dumps(c.model_dump(), ensure_ascii=False)
                       for c in viewer.chat.completions.create(model="scenario-hybrid", messages=messages, stream=True))
    assert "4321" not in streamed and "group.txt" not in streamed
