"""Dify's External Knowledge API (``POST /api/dify/retrieval``) over real HTTP: the
request and response field by field, score_threshold, knowledge ids, access labels,
metadata conditions and the error codes of Dify's spec."""
from __future__ import annotations

import json

import httpx
import pytest

from tests.apiserver import PASSWORDS, serving

pytestmark = [pytest.mark.store, pytest.mark.slow]  # slow: starts an API server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from serving(tmp_path_factory, "dify")


def _token(server, user: str) -> str:
    return httpx.post(f"{server.url}/api/token", json={"username": user, "password": PASSWORDS[user]}).json()["token"]


@pytest.fixture(scope="module")
def retrieve(server):
    tokens = {u: _token(server, u) for u in ("viewer", "member")}

    def call(query, knowledge_id="all", top_k=5, score_threshold=0.0, user="viewer", **extra):
        body = {"knowledge_id": knowledge_id, "query": query,
                "retrieval_setting": {"top_k": top_k, "score_threshold": score_threshold}, **extra}
        return httpx.post(f"{server.url}/api/dify/retrieval", json=body, timeout=60,
                          headers={"Authorization": f"Bearer {tokens[user]}"})

    return call


def test_records_field_by_field(retrieve):
    r = retrieve("无锡开放了多少个场景机会？", top_k=2)
    assert r.status_code == 200 and set(r.json()) == {"records"}
    records = r.json()["records"]
    assert 1 <= len(records) <= 2
    best = records[0]
    assert set(best) == {"content", "score", "title", "metadata"}
    assert "开放85个场景机会" in best["content"]
    assert isinstance(best["score"], float) and 0.0 <= best["score"] <= 1.0
    assert best["title"]
    meta = best["metadata"]
    assert meta["doc"] == "public.txt" and meta["access"] == "公开" and "无锡" in meta["cities"]
    assert meta["chunk_id"] and all(v is not None for v in meta.values())
    assert [x["score"] for x in records] == sorted((x["score"] for x in records), reverse=True)


def test_score_threshold_is_honoured(retrieve):
    everything = retrieve("无锡开放了多少个场景机会？", top_k=5, score_threshold=0.0).json()["records"]
    assert len(everything) >= 2  # the public and the internal document both come back
    top = everything[0]["score"]
    assert top > everything[-1]["score"]
    strict = retrieve("无锡开放了多少个场景机会？", top_k=5, score_threshold=(top + everything[-1]["score"]) / 2)
    kept = strict.json()["records"]
    assert 1 <= len(kept) < len(everything) and kept[0]["metadata"]["doc"] == "public.txt"


def test_knowledge_ids_are_access_labels(retrieve):
    r = retrieve("城市安全风险监测预警平台", knowledge_id="内部")
    docs = {x["metadata"]["doc"] for x in r.json()["records"]}
    assert docs == {"internal.txt"}
    member = retrieve("常州部署了多少个桥梁传感器？", knowledge_id="规划局", user="member").json()["records"]
    assert member and {x["metadata"]["doc"] for x in member} == {"group.txt"} and "4321" in member[0]["content"]
    everything = retrieve("常州部署了多少个桥梁传感器？", knowledge_id="all", top_k=10).json()["records"]
    assert "4321" not in json.dumps(everything, ensure_ascii=False)


def test_metadata_condition_filters_records(retrieve):
    cond = {"logical_operator": "and",
            "conditions": [{"name": "doc", "comparison_operator": "is", "value": "internal.txt"}]}
    records = retrieve("城市安全风险监测预警平台", metadata_condition=cond).json()["records"]
    assert records and {x["metadata"]["doc"] for x in records} == {"internal.txt"}
    cond = {"conditions": [{"name": "cities", "comparison_operator": "contains", "value": "无锡"}]}
    records = retrieve("城市安全风险监测预警平台", metadata_condition=cond).json()["records"]
    assert records and all("无锡" in x["metadata"]["cities"] for x in records)


def test_error_codes(server, retrieve):
    url = f"{server.url}/api/dify/retrieval"
    body = {"knowledge_id": "all", "query": "无锡", "retrieval_setting": {"top_k": 2, "score_threshold": 0.5}}
    for headers in ({}, {"Authorization": "sa_abc"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer"}):
        r = httpx.post(url, json=body, headers=headers)
        assert r.status_code == 403 and r.json()["error_code"] == 1001 and r.json()["error_msg"], headers
    r = httpx.post(url, json=body, headers={"Authorization": "Bearer sa_wrong"})
    assert r.status_code == 403 and r.json() == {"error_code": 1002, "error_msg": r.json()["error_msg"]}
    # no such knowledge, and a group the viewer is not in, are the same: it does not exist for them
    for kid in ("no-such-kb", "规划局"):
        r = retrieve("无锡", knowledge_id=kid)
        assert r.status_code == 404 and r.json()["error_code"] == 2001 and kid in r.json()["error_msg"]
    r = httpx.post(url, json={"query": "无锡"}, headers={"Authorization": f"Bearer {_token(server, 'viewer')}"})
    assert r.status_code == 422 and r.json()["error_code"] == 422 and "knowledge_id" in r.json()["error_msg"]
