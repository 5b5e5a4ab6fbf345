"""Concurrency through the API, small enough for the suite (the full run is
evals/load_test.py): several clients at once plus an upload give the single-client
answers, no errors, and never the restricted document to a user outside its group."""
from __future__ import annotations

import pytest

from evals.load_test import references, run_load
from tests.apiserver import serving

pytestmark = [pytest.mark.store, pytest.mark.slow]  # slow: starts an API server

QUESTIONS = ["无锡开放了多少个场景机会？", "无锡接入了多少个传感器？", "合肥城市安全风险监测预警平台二期预算是多少？",
             "常州部署了多少个桥梁传感器？", "常州市规划局牵头建设了什么？", "拉萨开放了多少个场景机会？"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from serving(tmp_path_factory, "load")


def test_concurrent_clients_get_single_client_answers_and_no_leaks(server):
    import json

    from assistant.users import UserStore

    store = UserStore(server.state.settings.home)
    tokens = [store.issue_token("viewer", f"load-{i}") for i in range(6)]
    before = references(server.url, tokens[0], QUESTIONS)
    out, _, timed_out = run_load(server.url, tokens, store.issue_token("editor", "load"), QUESTIONS, 15, 240)
    after = references(server.url, tokens[0], QUESTIONS)
    assert not timed_out and not out.errors, out.errors[:3]
    assert out.answers == 6 * 15
    assert out.differing({q: {before[q], after[q]} for q in QUESTIONS}) == []
    # the restricted figure (4321 in group.txt) never reached the viewers
    assert all("4321" not in json.dumps(sig, ensure_ascii=False) and "group.txt" not in sig[1] for _, sig in out.seen)
    assert "load-upload.txt" in {d["doc"] for d in server.state.assistant.documents()}
